import json
import subprocess

import pgserver
import psycopg
import pytest

from cissapi.embedded_postgres import repair_handle_list, start, wait_until_ready


def test_a_half_written_handle_list_is_reset_so_the_server_can_start(tmp_path):
    (tmp_path / ".handle_pids.json").write_text("")

    repair_handle_list(tmp_path)

    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == []


def test_a_valid_handle_list_is_left_alone(tmp_path):
    (tmp_path / ".handle_pids.json").write_text("[12, 34]")

    repair_handle_list(tmp_path)

    assert json.loads((tmp_path / ".handle_pids.json").read_text()) == [12, 34]


def test_a_missing_handle_list_stays_missing(tmp_path):
    repair_handle_list(tmp_path)

    assert not (tmp_path / ".handle_pids.json").exists()


def test_a_start_slower_than_pgservers_timeout_waits_for_the_server_and_attaches(monkeypatch, settings):
    data_dir = settings.VAR_DIR / "pgdata"
    if not (data_dir / "postmaster.pid").exists():
        pytest.skip("the suite runs on DATABASE_URL's server, not the embedded one")
    real_get_server = pgserver.get_server
    calls = []

    def slow_then_ready(*args, **kwargs):
        # What pgserver raises when pg_ctl's 10 s pass during a long recovery.
        calls.append(args)
        if len(calls) == 1:
            raise subprocess.TimeoutExpired("pg_ctl", 10)
        return real_get_server(*args, **kwargs)

    monkeypatch.setattr(pgserver, "get_server", slow_then_ready)

    connection = start(data_dir, "postgres")

    assert len(calls) == 2
    with psycopg.connect(host=connection["HOST"], user="postgres", dbname="postgres") as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_waiting_for_a_server_that_never_becomes_ready_fails_saying_where(tmp_path):
    (tmp_path / "postmaster.pid").write_text("123\n/data\n1\n5432\n/tmp\n\n  1 2\nstarting\n")

    with pytest.raises(TimeoutError, match=str(tmp_path)):
        wait_until_ready(tmp_path, timeout=1)
