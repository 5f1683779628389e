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
