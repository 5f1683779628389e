import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_shared_cache_is_backed_by_the_database_table():
    cache.set("greeting", {"hello": "world"}, 30)
    assert cache.get("greeting") == {"hello": "world"}
