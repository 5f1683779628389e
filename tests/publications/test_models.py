import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from publications.models import Publication
from publications.querysets import published_sql
from tests.factories import AuthorFactory, CrossPostFactory, OutletFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def test_published_contains_only_live_publications():
    live = PublicationFactory(published=True)
    PublicationFactory()  # draft
    PublicationFactory(in_review=True)
    PublicationFactory(scheduled=True)

    assert list(Publication.objects.published()) == [live]


def test_scheduled_publication_goes_live_at_its_time_without_a_job():
    scheduled = PublicationFactory(scheduled=True)
    assert scheduled not in Publication.objects.published()

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        assert list(Publication.objects.published()) == [scheduled]


def test_is_live_at_agrees_with_published_for_every_state():
    moment = timezone.now()
    pieces = [
        PublicationFactory(),  # draft
        PublicationFactory(status=Publication.Status.DRAFT, published_at=moment - dt.timedelta(days=3)),
        PublicationFactory(in_review=True),
        PublicationFactory(status=Publication.Status.IN_REVIEW, published_at=moment - dt.timedelta(days=3)),
        PublicationFactory(scheduled=True),
        PublicationFactory(published=True),
        PublicationFactory(status=Publication.Status.PUBLISHED, published_at=moment),
        PublicationFactory(published=True, trashed_at=moment - dt.timedelta(days=1)),  # in the trash
    ]

    published = set(Publication.objects.published(moment))
    assert {piece for piece in pieces if piece.is_live_at(moment)} == published
    assert len(published) == 2  # the live piece and the one going live at this very moment
    later = moment + dt.timedelta(days=365)
    assert {piece for piece in pieces if piece.is_live_at(later)} == set(Publication.objects.published(later))
    for at in (moment, later):  # the rule as SQL (published_sql)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT p.id FROM publications_publication p WHERE {published_sql('p')}", {"now": at}
            )
            assert {row[0] for row in cursor.fetchall()} == {
                piece.pk for piece in pieces if piece.is_live_at(at)
            }


def test_draft_with_past_date_is_not_published():
    PublicationFactory(status=Publication.Status.DRAFT, published_at=timezone.now() - dt.timedelta(days=3))
    PublicationFactory(
        status=Publication.Status.IN_REVIEW, published_at=timezone.now() - dt.timedelta(days=3)
    )

    assert not Publication.objects.published().exists()


def test_published_requires_a_publication_time_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(status=Publication.Status.PUBLISHED, published_at=None)


def test_slug_is_unique():
    PublicationFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(slug="same")


def test_only_one_canonical_cross_post_per_publication():
    publication = PublicationFactory()
    CrossPostFactory(publication=publication, is_canonical=True)
    second = CrossPostFactory.build(publication=publication, outlet=OutletFactory(), is_canonical=True)

    with pytest.raises(ValidationError, match="only one canonical"):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_author_position_is_unique_per_publication_at_commit():
    publication = PublicationFactory(authors=[AuthorFactory(), AuthorFactory()])
    with pytest.raises(IntegrityError), transaction.atomic():
        publication.authorships.update(position=0)
        # Tests never commit; this makes Postgres run the deferred check a commit would run.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_two_authors_can_swap_positions_in_one_transaction():
    first, second = AuthorFactory(), AuthorFactory()
    publication = PublicationFactory(authors=[first, second])
    with transaction.atomic():
        a, b = publication.authorships.order_by("position")
        a.position, b.position = 1, 0
        a.save()
        b.save()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    assert [x.author for x in publication.authorships.order_by("position")] == [second, first]


def test_same_author_cannot_appear_twice_on_a_byline():
    author = AuthorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicationFactory(authors=[author, author])


def test_doi_must_look_like_a_doi():
    publication = PublicationFactory.build(doi="https://doi.org/10.1/x")
    with pytest.raises(ValidationError) as error:
        publication.full_clean()
    assert "doi" in error.value.message_dict


def test_body_is_sanitized_on_save():
    publication = PublicationFactory(
        body='<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:evil()">x</a>'
        '<img src="https://example.org/a.png" onerror="steal()"></p><style>p{}</style>'
    )
    publication.refresh_from_db()

    assert "script" not in publication.body
    assert "onclick" not in publication.body
    assert "onerror" not in publication.body
    assert "javascript:" not in publication.body
    assert "<style" not in publication.body
    assert publication.body.startswith("<p>Hello")
    assert '<img src="https://example.org/a.png">' in publication.body


def test_word_count_and_reading_time_come_from_the_body():
    publication = PublicationFactory(body="<p>" + "word " * 450 + "</p>")
    publication.refresh_from_db()

    assert publication.word_count == 450
    assert publication.reading_minutes == 3


def test_outlet_domain_is_normalized():
    outlet = OutletFactory(domain="https://www.StrafAsia.com/some/path")
    assert outlet.domain == "strafasia.com"
