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


@pytest.fixture
def partner_key(db):
    """A partner with a usable API key: (api_key, clear key)."""
    from partners.services import api_key_issue
    from tests.factories import PartnerFactory

    return api_key_issue(partner=PartnerFactory(), name="production sync")
