"""The API's bio is built by Postgres (authors.querysets.public_bio); the site's author page makes the same
document in Python (authors.api.documents.author_detail). Both must say the same, byte for byte."""

import orjson
import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse

from authors.api.documents import author_detail
from authors.models import Author, AuthorLink, Work
from cissapi.api.documents import ApiUrls
from publications.querysets import authors_with_publication_counts
from tests.factories import (
    AuthorFactory,
    AuthorLinkFactory,
    EducationFactory,
    OutletFactory,
    PositionFactory,
    PublicationFactory,
    TopicFactory,
    WorkFactory,
    stored_image,
)

pytestmark = pytest.mark.django_db


def python_bio(author: Author) -> bytes:
    """author_detail's document of `author`, rendered as the API renders documents."""
    found = authors_with_publication_counts(
        Author.objects.public().with_bio().select_related("photo").filter(pk=author.pk)
    ).get()
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    return orjson.dumps(author_detail(found, urls=ApiUrls(request)))


def rich_author() -> Author:
    """An author with every section, empty optional strings, a photo with renditions (one of them at a
    path that needs quoting) and works whose years sort with a null among them."""
    photo = stored_image(
        "authors/photos/asma é.jpg",
        alt="",
        caption='At the "Margalla" dialogue\n2024',
        credit="CISS",
        renditions=[
            {"path": "renditions/asma-480.webp", "width": 480, "height": 270, "format": "webp"},
            {"path": "renditions/asma é-480.jpg", "width": 480, "height": 270, "format": "jpeg"},
        ],
    )
    author = AuthorFactory(
        honorific="",
        name="Asma Khalid",
        headline="",
        short_bio='Works on arms control — and "deterrence".',
        bio="<p>Leads research.</p>\n<p>Writes.</p>",
        photo=photo,
        kind=Author.Kind.FELLOW,
    )
    PositionFactory(author=author, title="Director", organization="", start_year=2020, position=1)
    PositionFactory(
        author=author, title="Analyst", start_year=2015, end_year=2019, is_current=False, position=0
    )
    EducationFactory(author=author, degree="Ph.D.", field="", institution="King's College London", year=None)
    for year in (2019, None, 2021):
        WorkFactory(author=author, kind=Work.Kind.BOOK, title=f"Book {year}", year=year, isbn="", url="")
    AuthorLinkFactory(author=author, kind=AuthorLink.Kind.X, url="https://x.com/asma", handle="")
    AuthorLinkFactory(author=author, kind=AuthorLink.Kind.ORCID, url="https://orcid.org/1", handle="0000-1")
    author.interests.add(TopicFactory(name="Water", slug="water"), TopicFactory(name="Arms control"))
    author.outlets.add(OutletFactory(name="Strafasia", homepage=""), OutletFactory(name="Dawn"))
    PublicationFactory(published=True, authors=[author])
    PublicationFactory(scheduled=True, authors=[author])
    return author


@pytest.mark.parametrize("make", [rich_author, lambda: AuthorFactory(honorific="Dr")], ids=["rich", "bare"])
def test_the_api_bio_is_author_detail_byte_for_byte(client, make):
    author = make()
    served = client.get(reverse("v1:author-detail", kwargs={"slug": author.slug}))
    assert served.status_code == 200
    assert served.content == python_bio(author)


def test_the_bio_is_planned_once_per_connection(client, settings):
    """Its statement is prepared (DB_PREPARE_THRESHOLD): Postgres plans it once, not on every request."""
    settings.API_CACHE = False  # every request reads the database
    author = rich_author()
    url = reverse("v1:author-detail", kwargs={"slug": author.slug})
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        assert client.get(url).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        statements = [row[0] for row in cursor.fetchall()]
    assert any("'publications_url'" in statement for statement in statements)


def test_the_bio_statement_is_short_enough_for_psycopg_to_keep_its_parsing():
    from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

    from authors.querysets import _bio_sql
    from publications.querysets import author_publication_stats_sql

    # Longer statements have their placeholders parsed anew on every run (psycopg's _query2pg_nocache).
    assert len(_bio_sql(author_publication_stats_sql()).encode()) <= MAX_CACHED_STATEMENT_LENGTH
