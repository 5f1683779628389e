import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import PublicationFactory


@pytest.fixture
def filtersets(monkeypatch):
    """The PublicationFilterSets requests build (a list that grows as they are built)."""
    from publications.api.filters import PublicationFilterSet

    built = []
    original = PublicationFilterSet.__init__

    def counted(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(PublicationFilterSet, "__init__", counted)
    return built


@pytest.fixture
def matches():
    """Seven matches of "drone", newest first by day, ranked apart by where the word is (title, summary, body)
    so that rank order and date order differ."""
    now = timezone.now()
    where = [
        ("Regional notes", "Notes.", "A drone."),
        ("Drone doctrine", "Doctrine.", "Doctrine."),
        ("Airspace", "Drone incursions.", "Airspace."),
        ("Drone drone drone swarms", "Swarms.", "Swarms."),
        ("Ports", "Ports.", "Drone boats."),
        ("Drone exports", "Exports.", "Exports."),
        ("Borders", "Drone patrols.", "Borders."),
    ]
    return [
        PublicationFactory(
            published=True,
            published_at=now - dt.timedelta(days=day + 1),
            title=title,
            summary=summary,
            body=f"<p>{body}</p>",
        )
        for day, (title, summary, body) in enumerate(where)
    ]
