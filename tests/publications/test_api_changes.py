import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.http import parse_http_date

from publications.services import publication_publish, publication_unpublish
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"
REMOVALS = {"unpublished", "deleted"}


def replay(client, replica, cursor, limit=3):
    """Apply the change feed to `replica` (uuid -> lean item) from `cursor` until it is drained."""
    while True:
        params = {"limit": limit, **({"since": cursor} if cursor else {})}
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        body = response.json()
        for change in body["results"]:
            if change["kind"] in REMOVALS:
                replica.pop(change["uuid"], None)
            elif change["publication"] is not None:
                replica[change["uuid"]] = change["publication"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return cursor


def catalogue(client):
    """The public catalogue as the publications list of the API shows it, walked to the end."""
    items, url = {}, "/api/v1/publications/?mode=cursor&page_size=100"
    while url:
        body = client.get(url).json()
        items |= {item["uuid"]: item for item in body["results"]}
        url = body["next"]
    return items


def test_replaying_from_the_start_rebuilds_the_public_catalogue_deletions_and_go_live_included(client):
    start = timezone.now()
    authors = [AuthorFactory(), AuthorFactory()]
    topic = TopicFactory()
    kept = PublicationFactory(published=True, authors=authors, topics=[topic])
    renamed = PublicationFactory(published=True, slug="old-slug", authors=[authors[1]])
    withdrawn = PublicationFactory(published=True)
    deleted = PublicationFactory(published=True)
    never_public = PublicationFactory(in_review=True)
    scheduled = PublicationFactory(ready=True)
    publication_publish(publication=scheduled, at=start + dt.timedelta(hours=1))

    replica: dict = {}
    cursor = replay(client, replica, None)
    assert replica == catalogue(client)

    with time_machine.travel(start + dt.timedelta(minutes=10)):
        kept.title = "Edited title"
        kept.save()
        renamed.slug = "new-slug"
        renamed.save()
        publication_unpublish(publication=withdrawn)
        deleted.delete()
        never_public.delete()
        authors[0].name = "Renamed Author"
        authors[0].save()
        scheduled.title = "Edited before it went live"
        scheduled.save()
        cursor = replay(client, replica, cursor)
        assert str(scheduled.uuid) not in replica
        assert replica == catalogue(client)

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        cursor = replay(client, replica, cursor)
        assert replica[str(scheduled.uuid)]["title"] == "Edited before it went live"
        assert replica == catalogue(client)

    # A fresh partner replaying everything from the start ends in the same place.
    fresh: dict = {}
    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=2)):
        replay(client, fresh, None, limit=500)
        assert fresh == catalogue(client)
    assert set(fresh) == {str(kept.uuid), str(renamed.uuid), str(scheduled.uuid)}


def test_results_name_the_item_kind_time_and_old_slug(client):
    publication = PublicationFactory(slug="before", ready=True)
    publication_publish(publication=publication)
    publication.slug = "after"
    publication.save()
    pk, uuid = publication.pk, str(publication.uuid)
    publication.delete()

    body = client.get(URL).json()

    assert [
        {key: change[key] for key in ("kind", "id", "uuid", "slug", "old_slug", "publication")}
        for change in body["results"]
    ] == [
        {
            "kind": "published",
            "id": pk,
            "uuid": uuid,
            "slug": "before",
            "old_slug": None,
            "publication": None,
        },
        {
            "kind": "slug_changed",
            "id": pk,
            "uuid": uuid,
            "slug": "after",
            "old_slug": "before",
            "publication": None,
        },
        {"kind": "deleted", "id": pk, "uuid": uuid, "slug": "after", "old_slug": None, "publication": None},
    ]
    assert all(
        dt.datetime.fromisoformat(change["time"]).utcoffset() is not None for change in body["results"]
    )
    assert body["has_more"] is False


def test_upserts_carry_the_lean_representation_of_the_publications_list(client):
    author = AuthorFactory(honorific="Dr", name="Amna Tauhidi", headline="Director")
    topic = TopicFactory(name="Arms Control", slug="arms-control")
    publication = PublicationFactory(
        published=True, slug="piece", subtitle="", authors=[author], topics=[topic]
    )
    publication.refresh_from_db()

    (change, *_rest) = client.get(URL).json()["results"]

    assert change["publication"] == {
        "id": publication.pk,
        "uuid": str(publication.uuid),
        "slug": "piece",
        "url": "http://testserver/api/v1/publications/piece/",
        "public_url": publication.public_url,
        "type": "commentary",
        "title": publication.title,
        "subtitle": None,
        "summary": publication.summary,
        "language": "en",
        "published_at": timezone.localtime(publication.published_at).isoformat(),
        "updated_at": timezone.localtime(publication.updated_at).isoformat(),
        "reading_minutes": publication.reading_minutes,
        "authors": [
            {
                "slug": author.slug,
                "name": "Amna Tauhidi",
                "honorific": "Dr",
                "role": "author",
                "headline": "Director",
                "url": f"http://testserver/api/v1/authors/{author.slug}/",
                "public_url": f"{settings.SITE_URL}/authors/{author.slug}/",
                "photo": None,
            }
        ],
        "topics": [
            {
                "slug": "arms-control",
                "name": "Arms Control",
                "url": "http://testserver/api/v1/topics/arms-control/",
                "public_url": f"{settings.SITE_URL}/topics/arms-control/",
            }
        ],
        "series": None,
        "image": None,
    }
    (list_item,) = client.get("/api/v1/publications/").json()["results"]
    assert change["publication"] == list_item


def test_scheduled_go_live_is_absent_until_its_time(client):
    scheduled = PublicationFactory(scheduled=True)
    PublicationFactory(title="draft")
    PublicationFactory(in_review=True)

    assert client.get(URL).json()["results"] == []
    with time_machine.travel(scheduled.published_at):
        (change,) = client.get(URL).json()["results"]
    assert (change["kind"], change["uuid"]) == ("published", str(scheduled.uuid))


def test_an_empty_tail_keeps_the_cursor(client):
    PublicationFactory(published=True)
    cursor = client.get(URL).json()["next_cursor"]

    body = client.get(URL, {"since": cursor}).json()

    assert body == {"results": [], "next_cursor": cursor, "has_more": False}


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
    ],
)
def test_bad_parameters_are_a_400_problem_naming_them(client, params, parameter):
    response = client.get(URL, params)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert body["detail"] == f"Invalid value for {parameter}."


@pytest.mark.parametrize("since", ["not-a-cursor", "MTI6YQ"])
def test_a_cursor_the_feed_never_gave_out_is_a_404_problem_naming_since(client, since):
    response = client.get(URL, {"since": since})

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Invalid cursor in since: use a next_cursor from an earlier response."


def test_empty_parameters_mean_not_given(client):
    PublicationFactory(published=True)

    assert client.get(URL, {"since": "", "limit": ""}).json() == client.get(URL).json()
    # Schemathesis found this one: a value of only whitespace (here a record separator) is empty too.
    assert client.get(URL, {"since": "\x1e", "limit": " "}).json() == client.get(URL).json()


@pytest.mark.parametrize("count", [2, 8])
def test_query_count_does_not_grow_with_page_size(client, django_assert_num_queries, count):
    for _ in range(count):
        PublicationFactory(
            published=True, authors=[AuthorFactory(), AuthorFactory()], topics=[TopicFactory()]
        )

    # 1 savepoint, 2 advisory lock (shared), 3 page of changes, 4 publications with series, bylines and
    # topics (as in the publications list), 5 release savepoint
    with django_assert_num_queries(5):
        response = client.get(URL, {"limit": 500})

    # published, then updated by each of two authorships and the topics
    assert len(response.json()["results"]) == count * 4


def test_pages_carry_the_api_validators_and_answer_304(client, settings):
    settings.API_CACHE_MAX_AGE = 30
    settings.API_CACHE_STALE_WHILE_REVALIDATE = 120
    publication = PublicationFactory(published=True)
    first = client.get(URL)

    assert first["ETag"].startswith('"')
    assert set(first["Cache-Control"].split(", ")) == {"public", "max-age=30", "stale-while-revalidate=120"}
    assert parse_http_date(first["Last-Modified"]) >= int(publication.published_at.timestamp())
    assert client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_the_change_feed_is_part_of_api_v1(client):
    assert reverse("v1:change-list") == URL
    assert client.get("/api/v1/").json()["changes"] == f"http://testserver{URL}"
