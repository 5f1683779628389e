"""A frontend's typed use of the client openapi-python-client generates from /api/v1/schema/.

Never run: tests/api/test_generated_client.py generates the client (as the package `cissapi_client`) and
runs mypy --strict on this file. It fails when the schema stops telling a client what it needs: a field
always sent but typed as optional, a nullable one typed as present, an anonymous call that demands a key.
"""

from __future__ import annotations

from cissapi_client import AuthenticatedClient, Client
from cissapi_client.api.authors import authors_publications_list, authors_retrieve
from cissapi_client.api.publications import publications_list, publications_retrieve
from cissapi_client.models import (
    AuthorDetail,
    Image,
    PaginatedPublicationListList,
    Problem,
    PublicationDetail,
    PublicationList,
    PublicationListFields,
    PublicationsListFieldsItem,
)
from cissapi_client.types import Unset


def anonymous() -> Client:
    """Anyone may read the API: no key needed."""
    return Client(base_url="https://api.ciss.example")


def partner(key: str) -> AuthenticatedClient:
    """A partner sends its key as `Authorization: Api-Key <key>`."""
    return AuthenticatedClient(base_url="https://api.ciss.example", token=key, prefix="Api-Key")


def smallest_rendition(image: Image | None) -> str | None:
    """The URL of an image's smallest rendition, or of the image itself."""
    if image is None:
        return None
    renditions = sorted(image.renditions, key=lambda rendition: rendition.width)
    return renditions[0].url if renditions else image.url


def latest(client: Client | AuthenticatedClient) -> list[str]:
    """The list: titles, authors with their photos, topic links, series name."""
    page = publications_list.sync(client=client, page_size=20, topic=["nuclear", "space"])
    if isinstance(page, Problem):
        raise RuntimeError(page.detail)
    if not isinstance(page, PaginatedPublicationListList):
        return []
    lines = []
    for item in page.results:
        if isinstance(item, PublicationList):
            bylines = ", ".join(f"{author.name} ({author.public_url})" for author in item.authors)
            photos = [smallest_rendition(author.photo) for author in item.authors]
            topics = " ".join(topic.public_url for topic in item.topics)
            series = item.series.name if item.series is not None else "-"
            lines.append(f"{item.published_at:%Y-%m-%d} {item.title} by {bylines} {photos} {topics} {series}")
    if page.next_ is not None:
        lines.append(f"more at {page.next_}")
    return lines


def search(client: Client, words: str) -> list[tuple[str, str]]:
    """Search, with the highlighted passage each match has; only slug, title and snippet are asked for."""
    page = publications_list.sync(
        client=client,
        q=words,
        fields=[
            PublicationsListFieldsItem.SLUG,
            PublicationsListFieldsItem.TITLE,
            PublicationsListFieldsItem.SNIPPET,
        ],
    )
    if not isinstance(page, PaginatedPublicationListList):
        return []
    found = []
    for item in page.results:
        # Trimmed by `fields`, every field is optional.
        if isinstance(item, PublicationListFields) and isinstance(item.slug, str):
            snippet = "" if isinstance(item.snippet, Unset) else item.snippet
            found.append((item.slug, snippet))
    return found


def detail(client: Client, slug: str) -> str:
    """A whole piece: body, lead image, PDF, and related pieces with their images."""
    piece = publications_retrieve.sync(slug, client=client)
    if not isinstance(piece, PublicationDetail):
        return ""
    pdf = f"PDF: {piece.pdf} ({piece.pdf_size} bytes)" if piece.pdf is not None else ""
    related = [(other.title, other.public_url, smallest_rendition(other.image)) for other in piece.related]
    return f"{piece.title}\n{smallest_rendition(piece.image)}\n{piece.body[:200]}\n{pdf}\n{related}"


def author_page(client: Client, slug: str) -> str:
    """An author's page: bio, interests, and their pieces."""
    author = authors_retrieve.sync(slug, client=client)
    if not isinstance(author, AuthorDetail):
        return ""
    pieces = authors_publications_list.sync(slug, client=client, page_size=10)
    titles = (
        [item.title for item in pieces.results if isinstance(item, PublicationList)]
        if isinstance(pieces, PaginatedPublicationListList)
        else []
    )
    interests = ", ".join(f"{topic.name} <{topic.url}>" for topic in author.interests)
    photo = smallest_rendition(author.photo)
    return f"{author.display_name}: {author.bio or ''}\n{interests}\n{photo}\n{titles}"
