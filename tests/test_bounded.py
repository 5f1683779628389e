from cissapi.bounded import keep_bounded


def test_a_kept_value_past_the_limit_drops_the_oldest_first():
    kept: dict[str, int] = {}
    for number, key in enumerate("abc"):
        keep_bounded(kept, key, number, limit=2)

    assert kept == {"b": 1, "c": 2}
