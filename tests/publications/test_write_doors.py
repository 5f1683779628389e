"""One door per write: a write made through the admin (a real POST), through its service or by a bare
save/delete has the same side effects, each run once: the search vector, the change log, the cached answers
showing the piece dropped (its surrogate keys sent after commit) and a webhook delivery for a subscription."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.postgres.search import SearchQuery
from django.urls import reverse
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from authors.services import author_update
from cissapi.api.invalidation import surrogate_keys_changed
from partners.models import WebhookSubscription
from partners.webhooks import webhook_scan_changes
from publications import services
from publications.models import Publication, PublicationChange
from publications.services import (
    publication_delete,
    publication_publish,
    publication_trash,
    publication_unpublish,
    publication_update,
)
from tests.authors.test_admin import author_post
from tests.factories import AuthorFactory, PartnerFactory, PublicationFactory
from tests.publications.test_admin import change_url, publication_post, saved_rows

pytestmark = pytest.mark.django_db
Kind = PublicationChange.Kind
DOORS = ["admin", "service", "bare"]


def found(text: str) -> set[int]:
    query = SearchQuery(text, search_type="websearch", config="english")
    return set(Publication.objects.filter(search_vector=query).values_list("pk", flat=True))


class Observed:
    """What one write did: its change rows, search-vector refreshes, the surrogate keys it dropped from the
    caches (after commit) and queued deliveries."""

    def __init__(self, kinds: list[str], refreshes: int, dropped: set[str], deliveries: int) -> None:
        self.kinds, self.refreshes = kinds, refreshes
        self.dropped, self.deliveries = dropped, deliveries


@pytest.fixture
def observe(monkeypatch, django_capture_on_commit_callbacks, settings):
    """Run a write and report what it did (the after-commit callbacks run, as on a real commit)."""
    # Nothing is sent (no worker runs); a local URL spares the check a DNS lookup.
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    WebhookSubscription.objects.create(partner=PartnerFactory(), url="http://127.0.0.1:9/hooks")

    def run(write: Callable[[], Any]) -> Observed:
        # As the worker would: past the setup's own changes, and no scan job left waiting (a second one
        # is refused, which inside a test's single transaction would abort it).
        webhook_scan_changes()
        ProcrastinateJob.objects.filter(task_name="partners.tasks.scan_changes").delete()
        refreshes = []
        real_refresh = services.refresh_search_vectors
        monkeypatch.setattr(
            services, "refresh_search_vectors", lambda ids: (refreshes.append(ids), real_refresh(ids))
        )
        mark = PublicationChange.objects.order_by("pk").values_list("pk", flat=True).last() or 0
        dropped: set[str] = set()

        def hear(sender: Any, keys: frozenset[str], **kwargs: Any) -> None:
            dropped.update(keys)

        surrogate_keys_changed.connect(hear)
        with django_capture_on_commit_callbacks(execute=True):
            write()
        surrogate_keys_changed.disconnect(hear)
        woken = ProcrastinateJob.objects.filter(task_name="partners.tasks.scan_changes").exists()
        delivered = len(webhook_scan_changes()) if woken else 0
        return Observed(
            kinds=list(
                PublicationChange.objects.filter(pk__gt=mark).order_by("pk").values_list("kind", flat=True)
            ),
            refreshes=len(refreshes),
            dropped=dropped,
            deliveries=delivered,
        )

    return run


def assert_once(observed: Observed, kind: str, *, refreshes: int = 1) -> None:
    assert observed.kinds == [kind]
    assert observed.refreshes == refreshes
    # What shows the piece (the feeds among it), attributed: not the whole catalogue.
    assert "feeds" in observed.dropped
    assert "catalogue" not in observed.dropped
    assert observed.deliveries == 1


def stale_vector(publication: Publication) -> None:
    # QuerySet.update sends no signal: only the write under test can bring the vector back.
    Publication.objects.filter(pk=publication.pk).update(search_vector=None)


@pytest.mark.parametrize("door", DOORS)
def test_publishing_through_any_door_has_the_same_side_effects(door, observe, editor_client, editor):
    publication = PublicationFactory(title="Orbital diplomacy", ready=True)
    stale_vector(publication)
    moment = timezone.localtime() - dt.timedelta(minutes=1)

    def write() -> None:
        if door == "admin":
            response = editor_client.post(
                change_url(publication),
                publication_post(
                    title=publication.title,
                    slug=publication.slug,
                    status=Publication.Status.PUBLISHED,
                    published_at_0=f"{moment:%Y-%m-%d}",
                    published_at_1=f"{moment:%H:%M:%S}",
                ),
            )
            assert response.status_code == 302, response.context["errors"]
        elif door == "service":
            publication_publish(publication=publication, by=editor)
        else:
            publication.status, publication.published_at = Publication.Status.PUBLISHED, moment
            publication.save()

    assert_once(observe(write), Kind.PUBLISHED)
    assert found("orbital") == {publication.pk}
    publication.refresh_from_db()
    assert publication.is_live
    if door != "bare":
        # The publishing rules are the services': the admin no longer applies its own.
        assert publication.first_published_at == publication.published_at


@pytest.mark.parametrize("door", DOORS)
def test_an_edit_with_a_new_byline_order_has_the_same_side_effects(door, observe, editor_client, editor):
    one, two = AuthorFactory(name="Anum Riaz"), AuthorFactory(name="Bilal Zubair")
    publication = PublicationFactory(published=True, title="Before", authors=[one, two])
    stale_vector(publication)

    def write() -> None:
        if door == "admin":
            rows = saved_rows(publication)
            rows[0]["position"], rows[1]["position"] = "1", "0"
            response = editor_client.post(
                change_url(publication),
                publication_post(
                    title="Hypersonic deterrence",
                    slug=publication.slug,
                    status=Publication.Status.PUBLISHED,
                    published_at_0=f"{timezone.localtime(publication.published_at):%Y-%m-%d}",
                    published_at_1=f"{timezone.localtime(publication.published_at):%H:%M:%S}",
                    initial_authorships=2,
                    authorships=[{"publication": publication.pk, "role": "author", **row} for row in rows],
                ),
            )
            assert response.status_code == 302, response.context["errors"]
        elif door == "service":
            first, second = publication.authorships.order_by("position")
            first.position, second.position = 1, 0
            publication.title = "Hypersonic deterrence"
            publication_update(publication=publication, by=editor, byline=[first, second])
        else:
            publication.title = "Hypersonic deterrence"
            publication.save()

    observed = observe(write)

    assert_once(observed, Kind.UPDATED)
    assert found("hypersonic") == {publication.pk}
    assert found("riaz") == {publication.pk}
    if door != "bare":
        order = publication.authorships.order_by("position").values_list("author__name", flat=True)
        assert list(order) == ["Bilal Zubair", "Anum Riaz"]


@pytest.mark.parametrize("door", DOORS)
def test_unpublishing_through_any_door_has_the_same_side_effects(door, observe, editor_client, editor):
    publication = PublicationFactory(published=True, title="Withdrawn piece")
    stale_vector(publication)

    def write() -> None:
        if door == "admin":
            response = editor_client.post(
                change_url(publication),
                publication_post(
                    title=publication.title, slug=publication.slug, status=Publication.Status.DRAFT
                ),
            )
            assert response.status_code == 302, response.context["errors"]
        elif door == "service":
            publication_unpublish(publication=publication, by=editor)
        else:
            publication.status = Publication.Status.DRAFT
            publication.save()

    assert_once(observe(write), Kind.UNPUBLISHED)
    assert found("withdrawn") == {publication.pk}
    assert not Publication.objects.published().exists()


@pytest.mark.parametrize("door", DOORS)
def test_deleting_through_any_door_has_the_same_side_effects(door, observe, editor_client):
    publication = PublicationFactory(published=True, authors=[AuthorFactory()])

    def write() -> None:
        if door == "admin":
            # A delete for good is the trash's "empty" action (the admin's delete moves to the trash).
            Publication.objects.filter(pk=publication.pk).update(trashed_at=timezone.now())
            url = reverse("admin:publications_publication_changelist") + "?trash=1"
            data = {"action": "empty_trash", "_selected_action": [publication.pk], "post": "yes"}
            assert editor_client.post(url, data).status_code == 302
        elif door == "service":
            publication_delete(publication=publication)
        else:
            publication.delete()

    assert_once(observe(write), Kind.DELETED, refreshes=0)
    assert not Publication.objects.exists()


@pytest.mark.parametrize("door", ["admin", "service"])
def test_trashing_through_any_door_has_the_same_side_effects(door, observe, editor_client, editor):
    publication = PublicationFactory(published=True, authors=[AuthorFactory()])

    def write() -> None:
        if door == "admin":
            url = reverse("admin:publications_publication_delete", args=[publication.pk])
            assert editor_client.post(url, {"post": "yes"}).status_code == 302
        else:
            publication_trash(publication=publication, by=editor)

    assert_once(observe(write), Kind.DELETED)
    publication.refresh_from_db()
    assert publication.trashed_at is not None
    assert publication.trashed_by == editor


@pytest.mark.parametrize("door", DOORS)
def test_an_author_rename_through_any_door_has_the_same_side_effects(door, observe, editor_client):
    author = AuthorFactory(name="Old Name", slug="mobeen-jafar-mir")
    publication = PublicationFactory(published=True, authors=[author])
    stale_vector(publication)

    def write() -> None:
        if door == "admin":
            url = reverse("admin:authors_author_change", args=[author.pk])
            response = editor_client.post(url, author_post())
            assert response.status_code == 302, response.context["errors"]
        elif door == "service":
            author_update(author=author, name="Mobeen Jafar Mir")
        else:
            author.name = "Mobeen Jafar Mir"
            author.save()

    assert_once(observe(write), Kind.UPDATED)
    assert found("mobeen") == {publication.pk}
    assert found("old") == set()


def test_a_service_write_runs_each_side_effect_once_however_many_rows_it_saves(observe, editor):
    one, two, three = AuthorFactory(), AuthorFactory(), AuthorFactory()
    publication = PublicationFactory(published=True, authors=[one, two])
    removed, kept = publication.authorships.order_by("position")
    kept.position = 0

    def write() -> None:
        from publications.models import PublicationAuthor

        publication.summary = "A new summary."
        publication_update(
            publication=publication,
            by=editor,
            byline=[kept, PublicationAuthor(author=three, position=1)],
            byline_removed=[removed],
            topics=[],
        )

    # Without the routing standing aside, each saved or deleted row would add a refresh and a row.
    assert_once(observe(write), Kind.UPDATED)


# --- updated_at moves with public changes only -------------------------------------------------------


def stored_updated_at(publication: Publication) -> dt.datetime:
    return Publication.objects.values_list("updated_at", flat=True).get(pk=publication.pk)


@pytest.mark.parametrize("door", ["service", "bare"])
def test_updated_at_moves_only_when_something_public_changes(door, editor):
    publication = PublicationFactory(published=True)
    loaded = stored_updated_at(publication)

    def save() -> None:
        if door == "service":
            publication_update(publication=publication, by=editor)
        else:
            publication.save()

    publication.internal_notes = "Check the figures."
    save()
    assert stored_updated_at(publication) == loaded

    publication.summary = "A public edit."
    save()
    assert stored_updated_at(publication) > loaded
    assert publication.updated_at == stored_updated_at(publication)


def test_a_byline_reorder_alone_moves_updated_at(editor):
    # A partner syncing with ?updated_since= must see a piece whose authors changed order.
    publication = PublicationFactory(published=True, authors=[AuthorFactory(), AuthorFactory()])
    loaded = stored_updated_at(publication)
    first, second = publication.authorships.order_by("position")
    first.position, second.position = 1, 0

    publication_update(publication=publication, by=editor, byline=[first, second])

    assert stored_updated_at(publication) > loaded


def test_a_private_save_of_an_older_copy_does_not_move_updated_at_back():
    publication = PublicationFactory(published=True)
    older_copy = Publication.objects.get(pk=publication.pk)
    publication.title = "A public edit"
    publication.save()
    edited_at = stored_updated_at(publication)

    older_copy.title = publication.title
    older_copy.internal_notes = "Only a note."
    older_copy.save()

    assert stored_updated_at(publication) == edited_at


def test_the_stale_form_check_still_sees_a_private_edit(editor_client):
    publication = PublicationFactory(title="Original")
    form = editor_client.get(change_url(publication)).context["adminform"].form
    publication.internal_notes = "A colleague's note."
    publication.save()

    response = editor_client.post(
        change_url(publication),
        publication_post(
            title="My edit", slug=publication.slug, loaded_version=form["loaded_version"].value()
        ),
    )

    assert response.status_code == 200
    assert "after you opened it" in response.context["adminform"].form.non_field_errors()[0]


# --- Taxonomy: what changes publications' documents ----------------------------------------------------


def test_renaming_and_deleting_a_topic_in_the_admin_updates_its_live_pieces(observe, editor_client):
    from tests.factories import TopicFactory

    topic = TopicFactory(name="Space", slug="space")
    live = PublicationFactory(published=True, topics=[topic])
    PublicationFactory(topics=[topic])  # a draft: no partner was told of it

    def rename() -> None:
        url = reverse("admin:taxonomy_topic_change", args=[topic.pk])
        response = editor_client.post(url, {"name": "Outer space", "slug": "space", "description": ""})
        assert response.status_code == 302

    def delete() -> None:
        url = reverse("admin:taxonomy_topic_delete", args=[topic.pk])
        assert editor_client.post(url, {"post": "yes"}).status_code == 302

    for write in (rename, delete):
        observed = observe(write)
        assert (observed.kinds, observed.deliveries) == ([Kind.UPDATED], 1)
        assert {f"topic-{topic.pk}", f"publication-{live.pk}"} <= observed.dropped
    assert list(live.topics.all()) == []
