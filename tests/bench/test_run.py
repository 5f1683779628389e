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
