"""bench/soak.py's verdicts: what makes a soak fail, judged on the figures it gathered (the run itself is
`make soak`, minutes long)."""

from collections import Counter

import pytest

from bench import soak


def passing_result() -> dict:
    samples = soak.Samples(
        at=[0, 10, 20, 30, 40],
        web_rss=[60.0, 90.0, 92.0, 93.0, 94.0],
        worker_rss=[98.0, 98.1, 98.2, 98.2, 98.3],
        cache_rows=[0, 400, 900, 700, 1000],
        jobs=[3, 9, 15, 21, 24],
        unfinished_jobs=[0, 1, 0, 2, 0],
        events=[9, 27, 45, 63, 72],
    )
    editor = soak.Editor([1, 2, 3])
    editor.done.update({"update": 2, "unpublish": 2, "publish": 1})
    return {
        "reads": {"requests": 1000, "statuses": Counter({200: 950, 304: 10, 404: 40}), "socket_errors": 0},
        "samples": samples,
        "editor": editor,
        "changes": 5,
        "effective_changes": 5,
        "deliveries": {"total": 5, "by_status": {"delivered": 5}, "uuids": list("abcde")},
        "received": Counter({"a": 1, "b": 1, "c": 2, "d": 1, "e": 1}),  # a retry of c deduplicated
        "bad_signatures": 0,
    }


def failed(result: dict) -> list[str]:
    return [text for text, ok in soak.checks(result) if not ok]


def test_a_clean_run_passes_with_404s_for_pieces_taken_down_and_a_warm_up_before_rss_is_judged():
    assert failed(passing_result()) == []


@pytest.mark.parametrize(
    ("change", "failing"),
    [
        (lambda r: r["reads"]["statuses"].update({500: 1}), "reads"),
        (lambda r: r["reads"]["statuses"].update({429: 3}), "reads"),
        (lambda r: r["reads"].update(socket_errors=2), "reads"),
        (lambda r: r["editor"].failures.append("publish 3: boom"), "edits"),
        (lambda r: r["deliveries"].update(by_status={"delivered": 4, "failed": 1}), "webhooks"),
        (lambda r: r["received"].pop("e"), "webhooks"),
        (lambda r: r.update(changes=6, effective_changes=6), "webhooks"),  # a change never delivered
        (lambda r: r.update(bad_signatures=1), "webhooks"),
        (lambda r: r["samples"].web_rss.__setitem__(-1, 90.0 + soak.RSS_GROWTH_MB + 1), "web workers"),
        (lambda r: r["samples"].worker_rss.__setitem__(-1, 140.0), "webhook worker"),
        (
            lambda r: r["samples"].cache_rows.__setitem__(2, soak.CACHE_MAX_ENTRIES + soak.CACHE_SLACK + 1),
            "cache",
        ),
        (lambda r: r["samples"].unfinished_jobs.__setitem__(-1, 1), "jobs"),
        (lambda r: r["samples"].unfinished_jobs.__setitem__(2, soak.JOB_BACKLOG + 1), "jobs"),
        (lambda r: r["samples"].jobs.__setitem__(-1, 10_000), "jobs"),
    ],
)
def test_each_kind_of_trouble_fails_its_check_and_only_that_one(change, failing):
    result = passing_result()
    change(result)

    failures = failed(result)

    assert len(failures) == 1 and failures[0].startswith(failing)


def test_wrk_statuses_are_summed_over_its_threads():
    output = """  577 requests in 40.08s, 15.27MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
Requests/sec:     14.40
     50%  365.54ms
     99%    1.10s
status 200 288
status 404 3
status 200 286
"""
    reads = soak.run_wrk_output(output)

    assert reads["statuses"] == Counter({200: 574, 404: 3})
    assert reads["socket_errors"] == 3
    assert (reads["requests"], reads["p50_ms"], reads["p99_ms"]) == (577, 365.54, 1100.0)
