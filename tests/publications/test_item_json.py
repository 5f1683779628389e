"""The list item Postgres builds (PublicationQuerySet.as_items, the thin read path of issue 16) is the
document the schema describes, byte for byte what a client would have had from Python: key order, nulls for
empty optional text, URLs on the client's host, dates in the API's format and time zone, awkward text.
"""

import datetime as dt

import orjson
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from publications.models import Publication, PublicationAuthor
from tests.api.test_documents_schema import assert_matches_schema, components  # noqa: F401  (a fixture)
from tests.factories import AuthorFactory, PublicationFactory, SeriesFactory, TopicFactory, stored_image

pytestmark = pytest.mark.django_db

MEDIA = "http://testserver"
# Quotes, a backslash, a newline, a tab, non-ASCII letters and markup: each must come out as the same text.
AWKWARD_TITLE = 'Pakistan\'s "No First Use"\nDoctrine \\ Ḍiplomacy\tand <b>Ürdü</b> ✓'


def media_url(path: str) -> str:
    """The URL the storage gives a file (the oracle: Django's own quoting), on the test client's host."""
    return MEDIA + default_storage.url(path)


def image(path: str, **fields) -> dict:
    """An image object as the schema says it, from the stored row's fields."""
    renditions = fields.pop("renditions", [])
    return {
        "url": media_url(path),
        "width": 1600,
        "height": 900,
        "alt": fields.get("alt") or None,
        "caption": fields.get("caption") or None,
        "credit": fields.get("credit") or None,
        "renditions": [
            {"url": media_url(r["path"]), "width": r["width"], "height": r["height"], "format": r["format"]}
            for r in renditions
        ],
    }


@pytest.fixture
def pieces():
    renditions = [
        {"path": "renditions/ürdü launch-320w.jpg", "width": 320, "height": 180, "format": "jpeg"},
        {"path": "renditions/launch-320w.webp", "width": 320, "height": 180, "format": "webp"},
    ]
    lead = AuthorFactory(
        slug="lead", name="Ḍr Ämna \"Q\" Khan", honorific="Dr", headline="Director",
        photo=stored_image("authors/photos/lead.jpg", alt="Dr Lead", credit="CISS"),
    )  # fmt: skip
    second = AuthorFactory(
        slug="second", name="Bilal Zubair", honorific="", headline="",
        photo=stored_image("authors/photos/bilal zubair é.png", alt="", renditions=renditions[:1]),
    )  # fmt: skip
    no_photo = AuthorFactory(slug="third", name="Syed Ali", honorific="", headline="Fellow")
    topics = [TopicFactory(slug="space", name="Space"), TopicFactory(slug="arms", name="Arms Control")]
    full = PublicationFactory(
        published=True,
        published_at=timezone.now().replace(microsecond=123456) - dt.timedelta(days=2),
        slug="full",
        subtitle="A subtitle",
        summary="Line one\nline two",
        series=SeriesFactory(slug="insight", name="CISS Insight"),
        lead_image=stored_image(
            "publications/images/launch ürdü.jpg", alt="A rocket", caption="The launch", renditions=renditions
        ),
        authors=[lead, second, no_photo],
        topics=topics,
    )
    # Straight into the row: what a sanitizer might let through must still come out as the same text.
    Publication.objects.filter(pk=full.pk).update(title=AWKWARD_TITLE)
    PublicationAuthor.objects.filter(publication=full, author=second).update(role="editor")
    bare = PublicationFactory(
        published=True,
        published_at=timezone.now().replace(microsecond=0) - dt.timedelta(days=3),
        slug="bare",
        subtitle="",
        summary="",
        authors=[],
        topics=[],
    )
    return {"full": Publication.objects.get(pk=full.pk), "bare": bare, "renditions": renditions}


def local(moment: dt.datetime) -> str:
    """DRF's rendering of a date: ISO 8601 in the current time zone, "Z" for UTC."""
    text = timezone.localtime(moment).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def expected_full(piece: Publication, renditions: list[dict]) -> dict:
    """The whole list item of the `full` piece, written out by hand from the schema's description."""
    api = "http://testserver/api/v1"
    return {
        "id": piece.pk,
        "uuid": str(piece.uuid),
        "slug": "full",
        "url": f"{api}/publications/full/",
        "public_url": piece.public_url,
        "type": piece.type,
        "title": AWKWARD_TITLE,
        "subtitle": "A subtitle",
        "summary": "Line one\nline two",
        "language": piece.language,
        "published_at": local(piece.published_at),
        "updated_at": local(piece.updated_at),
        "reading_minutes": piece.reading_minutes,
        "authors": [
            {
                "slug": "lead",
                "name": 'Ḍr Ämna "Q" Khan',
                "honorific": "Dr",
                "role": "author",
                "headline": "Director",
                "url": f"{api}/authors/lead/",
                "public_url": f"{_site()}/authors/lead/",
                "photo": image("authors/photos/lead.jpg", alt="Dr Lead", credit="CISS"),
            },
            {
                "slug": "second",
                "name": "Bilal Zubair",
                "honorific": None,
                "role": "editor",
                "headline": None,
                "url": f"{api}/authors/second/",
                "public_url": f"{_site()}/authors/second/",
                "photo": image("authors/photos/bilal zubair é.png", renditions=renditions[:1]),
            },
            {
                "slug": "third",
                "name": "Syed Ali",
                "honorific": None,
                "role": "author",
                "headline": "Fellow",
                "url": f"{api}/authors/third/",
                "public_url": f"{_site()}/authors/third/",
                "photo": None,
            },
        ],
        "topics": [
            {
                "slug": slug,
                "name": name,
                "url": f"{api}/topics/{slug}/",
                "public_url": f"{_site()}/topics/{slug}/",
            }
            for slug, name in (("arms", "Arms Control"), ("space", "Space"))
        ],
        "series": {"slug": "insight", "name": "CISS Insight"},
        "image": image(
            "publications/images/launch ürdü.jpg", alt="A rocket", caption="The launch", renditions=renditions
        ),
    }


def _site() -> str:
    from django.conf import settings

    return settings.SITE_URL


def listed(client, **params) -> dict[str, dict]:
    response = client.get("/api/v1/publications/", params)
    assert response.status_code == 200, response.content
    return {item["slug"]: item for item in response.json()["results"]}


@pytest.mark.parametrize("time_zone", ["UTC", "Asia/Karachi", "America/St_Johns"])
def test_the_sql_built_item_is_the_whole_document_in_any_time_zone(client, settings, pieces, time_zone):
    settings.TIME_ZONE = time_zone
    items = listed(client)
    piece = pieces["full"]
    # As bytes: nested objects keep their keys' order too.
    assert orjson.dumps(items["full"]) == orjson.dumps(expected_full(piece, pieces["renditions"]))
    # Half-hour west of UTC keeps its sign and minutes; UTC is "Z"; microseconds only when set.
    published = items["full"]["published_at"]
    assert published.endswith({"UTC": "Z", "Asia/Karachi": "+05:00", "America/St_Johns": ("-03:30", "-02:30")}
                              .get(time_zone))  # fmt: skip
    assert ".123456" in published and "." not in items["bare"]["published_at"]


def test_a_piece_without_series_image_subtitle_summary_or_authors_has_nulls_and_empty_lists(client, pieces):
    bare = pieces["bare"]
    assert listed(client)["bare"] == {
        "id": bare.pk,
        "uuid": str(bare.uuid),
        "slug": "bare",
        "url": "http://testserver/api/v1/publications/bare/",
        "public_url": bare.public_url,
        "type": bare.type,
        "title": bare.title,
        "subtitle": None,
        "summary": None,
        "language": bare.language,
        "published_at": local(bare.published_at),
        "updated_at": local(bare.updated_at),
        "reading_minutes": bare.reading_minutes,
        "authors": [],
        "topics": [],
        "series": None,
        "image": None,
    }


def test_the_list_item_is_the_detail_s_leading_part(client, pieces):
    """The detail (made in Python, as a preview must show unsaved text) starts with the list item."""
    items = listed(client)
    for slug in ("full", "bare"):
        detail = client.get(f"/api/v1/publications/{slug}/").json()
        assert {key: detail[key] for key in items[slug]} == items[slug]


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "publication"}, {"fields": "title,slug"}, {"fields": "snippet,id", "q": "publication"}],
)
def test_sql_built_items_match_the_schema(client, components, pieces, params):  # noqa: F811
    response = client.get("/api/v1/publications/", params)
    fields = [name.strip() for name in params["fields"].split(",")] if "fields" in params else None
    for item in response.json()["results"]:
        assert_matches_schema(components, "PublicationList", item, fields)


def test_fields_keep_the_documents_order_whatever_order_they_are_asked_in(client, pieces):
    response = client.get("/api/v1/publications/", {"fields": "image,title,id"})
    assert [list(item) for item in response.json()["results"]] == [["id", "title", "image"]] * 2


def test_a_host_of_the_clients_own_is_in_every_url_of_the_item(client, settings, pieces):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "example.org"]
    response = client.get("/api/v1/publications/", {"fields": "url,authors,image"}, HTTP_HOST="example.org")
    full = next(item for item in response.json()["results"] if item["url"].endswith("/full/"))
    assert full["url"] == "http://example.org/api/v1/publications/full/"
    assert full["authors"][0]["url"] == "http://example.org/api/v1/authors/lead/"
    assert full["image"]["url"].startswith("http://example.org/media/")
