"""Fine-grained invalidation (cissapi.api.invalidation, publications.invalidation): a change drops the cached
answers that show it, by their surrogate keys, tells the caches in front (surrogate_keys_changed), and
leaves every other answer warm; what cannot be attributed ends the whole generation."""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cissapi.api.generation import CHANGED_AT_KEY, current_generation, keep, mark_changed, read
from cissapi.api.invalidation import surrogate_keys_changed
from publications.services import publication_unpublish, publication_update
from tests.factories import AuthorFactory, ImageFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

LIST = reverse("v1:publication-list")
FEED = "/feeds/json/"


@pytest.fixture(autouse=True)
def api_cache(settings):
    settings.API_CACHE = True
    settings.API_CACHE_COUNTS = True


@pytest.fixture
def sent():
    """The keys every surrogate_keys_changed sent so far carried (sent after commit: tests run the
    callbacks with django_capture_on_commit_callbacks)."""
    received: list[frozenset[str]] = []

    def receiver(sender, keys, **kwargs):
        received.append(keys)

    surrogate_keys_changed.connect(receiver, weak=False, dispatch_uid="test-sent")
    yield received
    surrogate_keys_changed.disconnect(dispatch_uid="test-sent")


@pytest.fixture
def catalogue():
    """Piece A (its author, topic) with piece C on the same topic (A is among C's related pieces), and
    piece B sharing nothing with them."""
    alice, bob = AuthorFactory(slug="alice"), AuthorFactory(slug="bob")
    nuclear, trade = TopicFactory(slug="nuclear"), TopicFactory(slug="trade")
    a = PublicationFactory(published=True, title="Piece A", authors=[alice], topics=[nuclear])
    c = PublicationFactory(published=True, title="Piece C", authors=[alice], topics=[nuclear])
    b = PublicationFactory(published=True, title="Piece B", authors=[bob], topics=[trade])
    return {"a": a, "b": b, "c": c}


def detail(publication) -> str:
    return reverse("v1:publication-detail", kwargs={"slug": publication.slug})


SHOWING_A = {
    "list": LIST,
    "topic's list": reverse("v1:topic-publications", kwargs={"slug": "nuclear"}),
    "author's list": reverse("v1:author-publications", kwargs={"slug": "alice"}),
    "feed": FEED,
}
NOT_SHOWING_A = {
    "another author's list": reverse("v1:author-publications", kwargs={"slug": "bob"}),
    "another topic's list": reverse("v1:topic-publications", kwargs={"slug": "trade"}),
    "a list page without A": f"{LIST}?page=2&page_size=1",
}


def is_hit(client, url: str) -> bool:
    """Whether `url` is answered from the cache: with the cache's own round trips (the cache table's SQL, or
    Redis's, which tests/conftest.py logs as `-- redis ...` under --cache-backend=redis) and no other."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return all("cissapi_cache" in query["sql"] or query["sql"].startswith("-- redis") for query in queries)


def warm(client, urls) -> None:
    for url in urls:
        client.get(url)
        assert is_hit(client, url), url


def test_an_edit_drops_what_shows_the_piece_and_nothing_else(
    client, catalogue, sent, django_capture_on_commit_callbacks
):
    a, b, c = catalogue["a"], catalogue["b"], catalogue["c"]
    showing = {**SHOWING_A, "detail": detail(a), "related on another detail": detail(c)}
    not_showing = {**NOT_SHOWING_A, "an unrelated detail": detail(b)}
    warm(client, [*showing.values(), *not_showing.values()])
    assert "Piece A" in client.get(detail(c)).content.decode()  # among C's related pieces

    with django_capture_on_commit_callbacks(execute=True):
        a.title = "Piece A, revised"
        publication_update(publication=a)

    for name, url in not_showing.items():
        assert is_hit(client, url), name
    for name, url in showing.items():
        assert not is_hit(client, url), name
        assert "Piece A, revised" in client.get(url).content.decode(), name
    assert f"publication-{a.pk}" in sent[-1]


def test_the_caches_in_front_are_told_the_keys_of_a_change(
    client, catalogue, sent, django_capture_on_commit_callbacks
):
    a = catalogue["a"]
    with django_capture_on_commit_callbacks(execute=True):
        a.title = "Piece A, revised"
        publication_update(publication=a)

    assert {f"publication-{a.pk}", "feeds", "sitemaps", "publication-edits"} <= sent[-1]
    # A new title moves the piece in no list but searches (publication-edits): the lists stay.
    assert "publications" not in sent[-1]


def test_unpublishing_drops_every_list_and_the_pages_of_what_the_piece_was_filed_under(
    client, catalogue, sent, django_capture_on_commit_callbacks
):
    a = catalogue["a"]
    author = reverse("v1:author-detail", kwargs={"slug": "alice"})
    topic = reverse("v1:topic-detail", kwargs={"slug": "nuclear"})
    warm(client, [*SHOWING_A.values(), NOT_SHOWING_A["a list page without A"], author, topic, detail(a)])

    with django_capture_on_commit_callbacks(execute=True):
        publication_unpublish(publication=a)

    assert client.get(detail(a)).status_code == 404
    for url in [*SHOWING_A.values(), NOT_SHOWING_A["a list page without A"], author, topic]:
        assert not is_hit(client, url), url
        assert "Piece A" not in client.get(url).content.decode(), url
    assert client.get(author).json()["publication_count"] == 1
    assert {"publications", "topics", "authors", f"topic-{a.topics.get().pk}"} <= sent[-1]


def test_a_new_topic_drops_the_pages_of_the_old_and_the_new(client, catalogue):
    a = catalogue["a"]
    old = reverse("v1:topic-publications", kwargs={"slug": "nuclear"})
    new = reverse("v1:topic-publications", kwargs={"slug": "trade"})
    warm(client, [old, new])

    publication_update(publication=a, topics=[catalogue["b"].topics.get()])

    assert "Piece A" not in client.get(old).content.decode()
    assert "Piece A" in client.get(new).content.decode()


def test_editing_a_draft_drops_nothing(client, catalogue, sent, django_capture_on_commit_callbacks):
    draft = PublicationFactory(title="Draft", authors=[catalogue["a"].authors.get()])
    urls = [*SHOWING_A.values(), detail(catalogue["a"])]
    warm(client, urls)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        draft.title = "Still a draft"
        publication_update(publication=draft)

    for url in urls:
        assert is_hit(client, url), url
    assert sent == []


def test_a_search_drops_with_any_edit_of_a_live_piece(client, catalogue):
    search = f"{LIST}?q=cobalt"
    assert client.get(search).json()["count"] == 0
    assert is_hit(client, search)

    b = catalogue["b"]
    b.summary = "On cobalt supply chains."
    publication_update(publication=b)

    assert client.get(search).json()["count"] == 1


def test_what_cannot_be_attributed_ends_the_generation(
    client, catalogue, sent, django_capture_on_commit_callbacks
):
    before = current_generation().token

    with django_capture_on_commit_callbacks(execute=True):
        ImageFactory()  # an image shows in pieces and bios alike, with no key of its own

    assert current_generation().token != before
    assert sent[-1] == frozenset({"catalogue"})


def test_an_author_rename_drops_the_pieces_showing_the_name(client, catalogue):
    c_detail = detail(catalogue["c"])
    b_detail = detail(catalogue["b"])
    warm(client, [c_detail, b_detail])

    author = catalogue["a"].authors.get()
    author.name = "Alice Renamed"
    author.save()

    assert "Alice Renamed" in client.get(c_detail).content.decode()
    assert is_hit(client, b_detail)


def test_an_entry_born_before_a_change_of_its_keys_is_stale_even_if_stored_after_it():
    # A reader that read the rows before a change committed stores its answer after the change's mark.
    generation = current_generation()
    born = time.time()
    mark_changed({"publication-1"})
    keep(generation, "api:test:before", "old", born=born, surrogate_keys=["publication-1", "topic-2"])
    keep(generation, "api:test:other", "kept", born=born, surrogate_keys=["publication-2"])
    time.sleep(0.001)
    keep(generation, "api:test:after", "new", born=time.time(), surrogate_keys=["publication-1"])

    assert read("api:test:before")[1] is None
    assert read("api:test:other")[1] == "kept"
    assert read("api:test:after")[1] == "new"


def test_an_entry_found_fresh_after_a_change_reads_its_marks_once_per_change():
    # A count kept before an edit of something else: still fresh, found so by reading its keys' marks.
    generation = current_generation()
    keep(generation, "api:test:count", 7, born=time.time(), surrogate_keys=["publications"])
    time.sleep(0.001)
    mark_changed({"publication-9"})
    with CaptureQueriesContext(connection) as first:
        assert read("api:test:count")[1] == 7
    with CaptureQueriesContext(connection) as again:
        assert read("api:test:count")[1] == 7
    # The entry with the generation and the time of the last change, then its marks; the next time only the
    # first, while nothing changes.
    assert (len(first), len(again)) == (2, 1)

    time.sleep(0.001)
    mark_changed({"publications"})
    assert read("api:test:count")[1] is None


def test_with_no_change_yet_an_entry_reads_its_marks_once():
    cache.delete(CHANGED_AT_KEY)  # as after the cache is emptied: no change since
    generation = current_generation()
    keep(generation, "api:test:count", 7, born=time.time(), surrogate_keys=["publications"])
    assert read("api:test:count")[1] == 7
    with CaptureQueriesContext(connection) as again:
        assert read("api:test:count")[1] == 7
    assert len(again) == 1

    time.sleep(0.001)
    mark_changed({"publications"})
    assert read("api:test:count")[1] is None


def test_changes_collected_mark_once_at_the_end_of_the_block_and_again_after_commit(
    client, catalogue, django_capture_on_commit_callbacks
):
    from cissapi.api.invalidation import changes_collected

    a, b = catalogue["a"], catalogue["b"]
    bobs_list = reverse("v1:author-publications", kwargs={"slug": "bob"})
    warm(client, [detail(a), detail(b), bobs_list])
    # Not run here: the callbacks of two changes run in one test transaction (a job deferred twice under
    # one queueing lock fails the second time, which aborts a test's transaction but not a real commit).
    with django_capture_on_commit_callbacks() as callbacks:
        with changes_collected():
            a.title = "Piece A, revised"
            publication_update(publication=a)
            with changes_collected():  # a block within a block adds to the outer one
                bob = b.authors.get()
                bob.name = "Bob Renamed"
                bob.save()
            # Nothing marked yet: what the block changed is told at its end.
            assert is_hit(client, detail(a))
            assert is_hit(client, detail(b))
        assert not is_hit(client, detail(a))
        assert not is_hit(client, detail(b))

    assert "Bob Renamed" in client.get(bobs_list).content.decode()
    # One mark again after commit, for the whole block (and the caches in front told then).
    marks_after_commit = [c for c in callbacks if c.__qualname__.startswith("keys_changed.")]
    assert len(marks_after_commit) == 1


def test_changes_collected_ends_the_generation_once_when_something_cannot_be_attributed(
    catalogue, sent, django_capture_on_commit_callbacks
):
    from cissapi.api.invalidation import changes_collected

    before = current_generation().token
    with django_capture_on_commit_callbacks(execute=True):
        with changes_collected():
            ImageFactory()
            publication_update(publication=catalogue["a"])
            assert current_generation().token == before
        assert current_generation().token != before

    assert sent == [frozenset({"catalogue"})]


def test_changes_collected_tells_what_changed_even_when_the_block_fails(catalogue):
    from cissapi.api.invalidation import changes_collected

    before = current_generation().token
    with pytest.raises(RuntimeError), changes_collected():
        ImageFactory()
        raise RuntimeError("the writer failed after a write")

    assert current_generation().token != before
