import json

from cissapi.embedded_postgres import repair_handle_list


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
