"""`make bench` installs nothing: without wrk it says what is missing and stops."""

import subprocess

import pytest

from bench import run


def test_missing_wrk_is_named_and_the_bench_stops_without_installing_anything(monkeypatch):
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda *args, **kwargs: ran.append(args))

    with pytest.raises(SystemExit) as stopped:
        run.require_wrk()

    assert "wrk" in str(stopped.value.code) and "not on PATH" in str(stopped.value.code)
    assert ran == []


def test_wrk_on_path_is_used(monkeypatch):
    monkeypatch.setattr(run.shutil, "which", lambda name: f"/usr/bin/{name}")

    assert run.require_wrk() == "/usr/bin/wrk"


def test_a_target_is_met_or_missed_by_the_factor_it_is_away():
    assert run.verdict(1.4, 1.5, at_most=True) == "met"
    assert run.verdict(4.5, 1.5, at_most=True) == "missed x3.00"
    assert run.verdict(0.25, 0.5, at_most=False) == "missed x2.00"
    assert run.verdict(0.96, 0.95, at_most=False) == "met"
    assert run.verdict(None, 1.5, at_most=True) == "n/a"


def test_the_growth_table_compares_1m_with_100k():
    def report(list_rps: float) -> dict:
        result = {"rps": list_rps, "p50_ms": 1, "p99_ms": 2, "errors": 0, "timeouts": 0}
        return {"results": [{"name": "list page 1", "ours_counts_cached": result}]}

    text = run.growth_table({"10k": report(900), "100k": report(800), "1m": report(200)})

    assert "list page 1" in text and "900" in text and "800" in text and "200" in text
    assert "4.0" in text and "missed x2.00" in text


def test_scale_1m_runs_the_growth_servers_at_each_size_and_prints_the_sizes_side_by_side(
    monkeypatch, tmp_path, capsys
):
    measured, dropped = [], []

    def growth(database: str, publications: int, wrk: str) -> dict:
        measured.append((database, publications))
        ours = {"rps": 1_000_000 / publications, "p50_ms": 1, "p99_ms": 2, "errors": 0, "timeouts": 0}
        floor = {**ours, "rps": ours["rps"] * 2}
        return {
            "corpus": {"publications": publications, "reused": True},
            "results": [
                {"name": "list page 1", "ours_counts_cached": ours, "floor_counts_cached": floor,
                 "ratio_counts_cached": 2.0}
            ],
            "duration_seconds_per_url": run.GROWTH_DURATION,
            "load_before": "1.00 1.00 1.00",
            "load_after": "2.00 2.00 2.00",
        }  # fmt: skip

    def full_bench(*args):
        raise AssertionError("SCALE=1m runs the growth servers only")

    monkeypatch.setenv("BENCH_SCALE", "1m")
    monkeypatch.delenv("BENCH_KEEP", raising=False)
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setattr(run, "require_wrk", lambda: "/usr/bin/wrk")
    monkeypatch.setattr(run, "bench_growth", growth)
    monkeypatch.setattr(run, "bench_one", full_bench)
    monkeypatch.setattr(run, "drop_database", dropped.append)
    monkeypatch.setattr(run, "ROOT", tmp_path)
    monkeypatch.setattr(run, "RESULTS", tmp_path / "results")

    run.main()

    assert measured == [
        ("cissapi_bench_10k", 10_000),
        ("cissapi_bench", 100_000),
        ("cissapi_bench_1m", 1_000_000),
    ]
    assert dropped == ["cissapi_bench_10k", "cissapi_bench_1m"]  # the usual 100k catalogue stays
    text = next((tmp_path / "results").glob("*.txt")).read_text()
    assert text.count(f"{run.GROWTH_DURATION} s per URL") == 3
    assert "load average before / after: 1.00 1.00 1.00 / 2.00 2.00 2.00" in text
    growth_rows = [line for line in text.splitlines() if line.startswith("list page 1") and "100" in line]
    assert growth_rows[-1].split()[3:8] == ["100", "10", "1", "10.0", "10.0"]  # 10k 100k 1m, ours and floor
    assert "missed x5.00" in growth_rows[-1]
    assert "Growth" in capsys.readouterr().out


def test_the_search_p99_table_shows_the_floors_p99_beside_ours():
    def result(p99: float) -> dict:
        return {"rps": 100, "p50_ms": 1, "p99_ms": p99, "errors": 0, "timeouts": 0}

    search = {"name": "search rare (siachen)"}
    for mode in ("counts_cached", "counts_every"):
        search |= {f"ours_{mode}": result(120.5), f"floor_{mode}": result(61.25)}
    report = {
        "results": [search],
        "edit_mix": {"skipped": "not asked for"},
        "worker_rss_mb": {},
        "corpus": {"publications": 10, "reused": True},
        "load_generator": "wrk",
        "load_before": "0",
        "load_after": "0",
    }

    lines = [line for line in run.table(report).splitlines() if "p99 120.5 ms" in line]

    assert len(lines) == 2
    assert all("missed x2.41" in line and "floor's p99 61.25 ms" in line for line in lines)
    # 16 closed-loop clients at the floor's 100 req/s wait 160 ms on average (Little's law).
    assert all("bound 160.0 ms" in line for line in lines)


def test_servers_are_named_as_gunicorn_runs_them_gthread_workers_with_the_bench_threads(monkeypatch):
    # gunicorn.conf.py's threads turn a "sync" worker into a gthread one: the command must say which it runs.
    commands = []

    class Started(Exception):
        pass

    def start(command, env, log):
        commands.append(command)
        raise Started

    monkeypatch.setattr(run, "start", start)

    with pytest.raises(Started):
        run.measure_server("floor", "bench.floor:application", {}, {}, [], "wrk")

    assert "--worker-class=gthread" in commands[0] and f"--threads={run.THREADS}" in commands[0]
    assert not any("sync" in part for part in commands[0])
