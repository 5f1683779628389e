"""The catalogue generation (cissapi.api.generation): apps tell it when their next scheduled change is due."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cissapi.api import generation
from cissapi.api.generation import current_generation, end_generation, register_expiry
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiries(monkeypatch):
    """The registered expiries as the apps left them, restored after the test."""
    registered = list(generation._expiries)
    monkeypatch.setattr(generation, "_expiries", registered)
    end_generation()
    return registered


def test_publications_registers_when_its_next_scheduled_piece_goes_live(expiries):
    scheduled = PublicationFactory(scheduled=True, published_at=timezone.now() + dt.timedelta(hours=2))

    assert current_generation().ends_at == scheduled.published_at.timestamp()


def test_the_earliest_registered_expiry_ends_the_generation(expiries):
    PublicationFactory(scheduled=True, published_at=timezone.now() + dt.timedelta(hours=2))
    sooner = timezone.now() + dt.timedelta(minutes=5)
    register_expiry(lambda: sooner)
    register_expiry(lambda: None)  # an app with nothing scheduled

    first = current_generation()

    assert first.ends_at == sooner.timestamp()
    with time_machine.travel(sooner + dt.timedelta(seconds=1)):
        assert current_generation().token != first.token


def test_an_expiry_registered_twice_is_asked_once(expiries):
    calls = []

    def next_change() -> None:
        calls.append(1)

    register_expiry(next_change)
    register_expiry(next_change)
    current_generation()

    assert len(calls) == 1
