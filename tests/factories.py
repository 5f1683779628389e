"""factory-boy factories for every model, with traits for the publication states that matter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from authors.models import Author, AuthorLink, Education, Position, Work
from partners.models import Partner
from publications.models import CrossPost, Publication, PublicationAuthor
from taxonomy.models import Outlet, Series, Topic


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    name = factory.Sequence(lambda n: f"Series {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")
    kind = Series.Kind.JOURNAL


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    domain = factory.Sequence(lambda n: f"outlet{n}.example.org")
    homepage = factory.LazyAttribute(lambda o: f"https://{o.domain}/")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    honorific = "Dr"
    name = factory.Sequence(lambda n: f"Author Number{n}")
    slug = factory.Sequence(lambda n: f"author-{n}")
    headline = "Research Officer"
    short_bio = factory.LazyAttribute(lambda o: f"{o.name} writes on strategic affairs.")
    email = factory.LazyAttribute(lambda o: f"{o.slug}@ciss.example")
    kind = Author.Kind.STAFF


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    author = factory.SubFactory(AuthorFactory)
    title = "Research Officer"
    organization = "Center for International Strategic Studies"
    is_current = True


class EducationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Education

    author = factory.SubFactory(AuthorFactory)
    degree = "M.Phil."
    field = "International Relations"
    institution = "Quaid-i-Azam University"


class WorkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Work

    author = factory.SubFactory(AuthorFactory)
    title = factory.Sequence(lambda n: f"A Book {n}")
    publisher = "Palgrave Macmillan"
    year = 2024


class AuthorLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorLink

    author = factory.SubFactory(AuthorFactory)
    kind = AuthorLink.Kind.X
    url = factory.Sequence(lambda n: f"https://x.com/handle{n}")
    handle = factory.Sequence(lambda n: f"@handle{n}")


class PublicationFactory(factory.django.DjangoModelFactory):
    """A draft by default; traits `published`, `in_review` and `scheduled` give the other states."""

    class Meta:
        model = Publication
        skip_postgeneration_save = True

    type = Publication.Type.COMMENTARY
    title = factory.Sequence(lambda n: f"Publication {n}")
    slug = factory.Sequence(lambda n: f"publication-{n}")
    summary = factory.LazyAttribute(lambda o: f"Summary of {o.title}.")
    body = factory.LazyAttribute(lambda o: f"<p>Body of {o.title}.</p>")
    status = Publication.Status.DRAFT

    class Params:
        published = factory.Trait(
            status=Publication.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1)),
            first_published_at=factory.SelfAttribute("published_at"),
        )
        in_review = factory.Trait(status=Publication.Status.IN_REVIEW)
        scheduled = factory.Trait(
            status=Publication.Status.PUBLISHED,
            published_at=factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1)),
        )

    @factory.post_generation
    def authors(self, create: bool, extracted: list[Author] | None, **kwargs) -> None:
        """`authors=[a, b]` puts them on the byline in that order."""
        if create and extracted:
            for position, author in enumerate(extracted):
                PublicationAuthor.objects.create(publication=self, author=author, position=position)

    @factory.post_generation
    def topics(self, create: bool, extracted: list[Topic] | None, **kwargs) -> None:
        if create and extracted:
            self.topics.add(*extracted)

    @factory.post_generation
    def ready(self, create: bool, extracted: bool | None, **kwargs) -> None:
        """`ready=True` passes the pre-publish check (publications.readiness) with nothing to override:
        an author and a topic besides the default summary and body."""
        if create and extracted:
            PublicationAuthor.objects.create(publication=self, author=AuthorFactory(), position=0)
            self.topics.add(TopicFactory())


class PublicationAuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicationAuthor

    publication = factory.SubFactory(PublicationFactory)
    author = factory.SubFactory(AuthorFactory)
    role = PublicationAuthor.Role.AUTHOR
    position = factory.Sequence(lambda n: n)


class CrossPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrossPost

    publication = factory.SubFactory(PublicationFactory)
    outlet = factory.SubFactory(OutletFactory)
    url = factory.Sequence(lambda n: f"https://outlet.example.org/articles/{n}/")
    relation = CrossPost.Relation.ANOTHER_FORM


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    throttle_rate = "1000/hour"


def random_visibility(rng: Any, now: dt.datetime, weights: tuple[int, int, int, int]) -> dict[str, Any]:
    """PublicationFactory's arguments for a piece drawn by `rng` as published (in the last 40 days),
    scheduled (in the next 72 hours), a draft or trashed, with those `weights`."""
    state = rng.choices(["published", "scheduled", "draft", "trashed"], weights)[0]
    if state == "published":
        return {"published": True, "published_at": now - dt.timedelta(days=rng.randint(1, 40))}
    if state == "scheduled":
        return {"scheduled": True, "published_at": now + dt.timedelta(hours=rng.randint(1, 72))}
    if state == "trashed":
        return {"published": True, "trashed_at": now}
    return {}


def image_bytes(width: int = 2000, height: int = 1000, image_format: str = "JPEG") -> bytes:
    """A real image of that size and format, made by Pillow."""
    from io import BytesIO

    from PIL import Image as PILImage

    buffer = BytesIO()
    PILImage.new("RGB", (width, height), (30, 90, 160)).save(buffer, format=image_format)
    return buffer.getvalue()


def stored_image(path: str, **fields: Any) -> Any:
    """A library image row for a file at `path` that need not exist (its size given, so none is read)."""
    from media.models import Image

    return Image.objects.create(file=path, **{"width": 1600, "height": 900, **fields})


class ImageFactory(factory.django.DjangoModelFactory):
    """A library image with a real 2000 x 1000 JPEG file (renditions are the worker's: none yet)."""

    class Meta:
        model = "media.Image"

    file = factory.LazyFunction(
        lambda: __import__("django.core.files.base", fromlist=["ContentFile"]).ContentFile(
            image_bytes(), name="photo.jpg"
        )
    )
    alt = factory.Sequence(lambda n: f"A photo, number {n}")
