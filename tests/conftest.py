from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def editor(db):
    """A superuser, as the editors who work in the admin are."""
    return get_user_model().objects.create_superuser("editor", "editor@ciss.example", "a-long-test-password")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
