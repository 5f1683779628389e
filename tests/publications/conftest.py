import pytest


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
