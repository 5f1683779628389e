"""The public site's pages: they only wire the API's querysets and document producers into templates.

Every piece shown comes through `Publication.objects.published()` and is rendered from the document the API
serves for it (publications.api.documents, with its `meta` and `jsonld` from publications.metadata), so a
page can show nothing the API would not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import reverse

from authors.api.documents import author_detail, author_item
from authors.models import Author, AuthorLink
from cissapi.api.documents import ApiUrls
from cissapi.prepared import server_binding
from publications.api.documents import item_addresses, publication_detail
from publications.api.pagination import kept_summary
from publications.api.views import surrogate_keys_of
from publications.invalidation import EDITS_KEY, LIST_KEY
from publications.metadata import author_jsonld, author_meta
from publications.models import Publication
from publications.querysets import (
    PageSummary,
    PublicationQuerySet,
    authors_with_publication_counts,
    with_live_publications,
    with_publication_counts,
)
from taxonomy.models import Series, Topic
from website.pages import (
    MAX_QUERY_LENGTH,
    BadParameter,
    Paging,
    choice,
    page_number,
    page_response,
    paged,
    public_page,
    single,
    stored_summary,
)

# How many of each type the home page shows.
HOME_PER_TYPE = 4
# How many people, topics or series a page of their index lists.
INDEX_PAGE_SIZE = 50
# The people index's tabs.
KIND_PLURALS = {
    Author.Kind.STAFF: "Staff",
    Author.Kind.FELLOW: "Fellows",
    Author.Kind.GUEST: "Guest contributors",
}
# The citation formats the cite endpoint (/api/v1/publications/{slug}/cite/) serves, as the page links them.
CITATION_FORMATS = (
    ("bibtex", "BibTeX", "application/x-bibtex"),
    ("ris", "RIS", "application/x-research-info-systems"),
    ("csl-json", "CSL-JSON", "application/vnd.citationstyles.csl+json"),
    ("apa", "APA", None),
    ("chicago", "Chicago", None),
)
TYPE_PLURALS = {
    Publication.Type.COMMENTARY: "Commentaries",
    Publication.Type.ISSUE_BRIEF: "Issue briefs",
    Publication.Type.POLICY_PAPER: "Policy papers",
    Publication.Type.JOURNAL_ARTICLE: "Journal articles",
    Publication.Type.REPORT: "Reports",
    Publication.Type.BOOK: "Books",
}


def ld_json(document: dict[str, Any]) -> str:
    """A JSON-LD document as the text of a <script>: `<`, `>` and `&` escaped so no text in it (a title
    with "</script>") can end the element."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def publication_keys(publications: list[Publication]) -> list[str]:
    """The surrogate keys of the pieces a page shows, by the API's rule (publication-12, author-3, ...)."""
    return surrogate_keys_of(publications)


def list_item(publication: Publication) -> dict[str, Any]:
    """A publication's list item (the API's document, as Postgres built it: PublicationQuerySet.as_items)
    with what a page prints besides: its type's label and its date as a date."""
    document = orjson.loads(publication.item)
    return {
        **document,
        "type_label": Publication.Type(document["type"]).label,
        "published_on": publication.published_at,
    }


def _list_page(
    request: HttpRequest,
    template: str,
    publications: PublicationQuerySet,
    number: int,
    context: dict[str, Any],
    keys: list[str],
    *,
    summarize: Callable[[PublicationQuerySet], PageSummary],
) -> HttpResponse:
    paging = paged(publications.as_items(item_addresses(ApiUrls(request))), number, summarize=summarize)
    if paging is None:
        raise Http404("No such page.")
    return _render_list(request, template, paging, context, keys)


def _render_list(
    request: HttpRequest, template: str, paging: Paging, context: dict[str, Any], keys: list[str]
) -> HttpResponse:
    items = [list_item(publication) for publication in paging.rows]
    return page_response(
        request,
        template,
        {**context, "items": items, "paging": paging},
        # LIST_KEY: a list's rows change as pieces enter or leave the catalogue (publications.invalidation).
        keys=[LIST_KEY, *keys, *publication_keys(paging.rows)],
        modified=[publication.updated_at for publication in paging.rows],
    )


# --- Home -------------------------------------------------------------------------------------------------
@public_page()
def home(request: HttpRequest, *, params: dict[str, Any]) -> HttpResponse:
    """The newest pieces of each type."""
    addresses = item_addresses(ApiUrls(request))
    groups = []
    shown: list[Publication] = []
    # One small query per type (six), each a walk of publication_type_live_idx by one statement, bound on the
    # server: prepared and planned once per connection (planning it cost ten times running it).
    for publication_type in Publication.Type:
        newest = Publication.objects.published().of_type(publication_type).as_items(addresses)
        with server_binding(newest.db):
            latest = list(newest[:HOME_PER_TYPE])
        shown += latest
        if latest:
            groups.append(
                {
                    "type": publication_type,
                    "label": TYPE_PLURALS[publication_type],
                    "items": [list_item(publication) for publication in latest],
                }
            )
    return page_response(
        request,
        "website/home.html",
        {"groups": groups},
        keys=[LIST_KEY, *publication_keys(shown)],
        modified=[publication.updated_at for publication in shown],
    )


# --- Publications -----------------------------------------------------------------------------------------
def _list_parameters(request: HttpRequest) -> dict[str, Any]:
    return {"type": choice(request, "type", Publication.Type.values), "page": page_number(request)}


@public_page(_list_parameters)
def publication_list(request: HttpRequest, *, params: dict[str, Any]) -> HttpResponse:
    """Every published piece, newest first; `?type=` for one type's page."""
    publications = Publication.objects.published()
    chosen = params["type"]
    if chosen:
        publications = publications.of_type(chosen)
    context = {
        "publication_type": chosen,
        "heading": TYPE_PLURALS[Publication.Type(chosen)] if chosen else "Publications",
        "types": [(value, TYPE_PLURALS[Publication.Type(value)]) for value in Publication.Type.values],
        "page_query": f"type={chosen}&" if chosen else "",
    }
    # Optimization (issue 16): its count kept as the API's lists keep theirs, until a piece enters or leaves
    # a list (a type's count cost each page 22 ms at 100,000 pieces).
    return _list_page(
        request,
        "website/publication_list.html",
        publications,
        params["page"],
        context,
        [],
        summarize=lambda items: kept_summary(items, f"site-list:{chosen}", surrogate_keys=[LIST_KEY]),
    )


@public_page()
def publication(request: HttpRequest, slug: str, *, params: dict[str, Any]) -> HttpResponse:
    """A published piece, whole; a withdrawn one is a 410 with its notice, an old slug a 301."""
    found = Publication.objects.published().with_detail().filter(slug=slug).first()
    if found is None:
        return _not_live(request, slug)
    related = list(
        Publication.objects.published().related_to(
            found,
            topic_ids=[topic["id"] for topic in found.topic_list],
            author_ids=[author["id"] for author in found.byline],
        )
    )
    urls = ApiUrls(request)
    document = publication_detail(found, urls=urls, related=related)
    profiles = {profile["id"]: profile for profile in found.byline_profiles}
    # The document's authors are the byline's, in its order: each gets the bio box of its profile.
    bylines = [
        {**author, **_profile_box(profiles.get(entry["id"], {}), urls)}
        for author, entry in zip(document["authors"], found.byline, strict=True)
    ]
    api_url = urls.resource("publication-detail", found.slug)
    return page_response(
        request,
        "website/publication.html",
        {
            "document": document,
            "bylines": bylines,
            "type_label": Publication.Type(found.type).label,
            "published_on": found.published_at,
            "related": [
                {"slug": item.slug, "title": item.title, "type_label": Publication.Type(item.type).label}
                for item in related
            ],
            "image_srcset": _srcset(document["image"]),
            "jsonld": ld_json(document["jsonld"]),
            "api_url": api_url,
            "citations": [
                {
                    "format": name,
                    "label": label,
                    "media_type": media_type,
                    "url": f"{api_url}cite/?format={name}",
                }
                for name, label, media_type in CITATION_FORMATS
            ],
        },
        keys=[*publication_keys([found]), *(f"publication-{item.pk}" for item in related)],
        modified=[found.updated_at, *(item.published_at for item in related)],
    )


def _not_live(request: HttpRequest, slug: str) -> HttpResponse:
    """The answer for a slug no published piece has now: 410 withdrawn, 301 from an old slug, or 404."""
    withdrawn = Publication.objects.withdrawn().filter(slug=slug, trashed_at__isnull=True).first()
    if withdrawn is not None:
        return page_response(
            request,
            "website/gone.html",
            {"publication": withdrawn},
            keys=[f"publication-{withdrawn.pk}"],
            modified=[withdrawn.withdrawn_at],
            status=410,
        )
    current = Publication.objects.published().formerly_at(slug).values_list("slug", flat=True).first()
    if current is None:
        raise Http404("No such publication.")
    location = reverse("website:publication", args=[current])
    if query := request.META.get("QUERY_STRING"):
        location = f"{location}?{query}"
    return HttpResponsePermanentRedirect(location)


def _profile_box(profile: dict[str, Any], urls: ApiUrls) -> dict[str, Any]:
    """What a byline author's bio box shows besides the byline entry: short bio and photo."""
    photo = profile.get("photo") or {}
    box: dict[str, Any] = {"short_bio": profile.get("short_bio") or None, "photo": None}
    if photo.get("path"):
        renditions = [
            {**rendition, "url": urls.absolute(default_storage.url(rendition["path"]))}
            for rendition in photo.get("renditions") or []
        ]
        original = urls.absolute(default_storage.url(photo["path"]))
        box["photo"] = {
            "url": original,
            "alt": photo.get("alt") or "",
            "srcset": _srcset({"url": original, "width": photo.get("width"), "renditions": renditions}),
        }
    return box


def _srcset(image: dict[str, Any] | None) -> str:
    """An image object's renditions in its original's format as a srcset (WebP would need <picture>)."""
    if not image:
        return ""
    path = image["url"].rsplit("?", 1)[0].lower()
    extension = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    original = {"jpg": "jpeg", "jpeg": "jpeg", "png": "png", "gif": "gif", "webp": "webp"}.get(extension)
    candidates = [
        f"{rendition['url']} {rendition['width']}w"
        for rendition in image["renditions"]
        if original is None or rendition["format"] == original
    ]
    if image["url"] and image.get("width"):
        candidates.append(f"{image['url']} {image['width']}w")
    return ", ".join(candidates)


# --- Authors, topics, series ------------------------------------------------------------------------------
def _page_only(request: HttpRequest) -> dict[str, Any]:
    return {"page": page_number(request)}


@public_page(_page_only)
def author(request: HttpRequest, slug: str, *, params: dict[str, Any]) -> HttpResponse:
    """A whole bio and the author's published pieces, co-authored ones included."""
    found = Author.objects.public().with_bio().select_related("photo").filter(slug=slug).first()
    if found is None:
        raise Http404("No such author.")
    urls = ApiUrls(request)
    publications = Publication.objects.published().by_author_slugs([slug]).as_items(item_addresses(urls))
    # Its count kept, as above (a prolific author's cost each page 17 ms at 100,000 pieces).
    paging = paged(
        publications,
        params["page"],
        summarize=lambda items: kept_summary(items, f"site-author:{slug}", surrogate_keys=[LIST_KEY]),
    )
    if paging is None:
        raise Http404("No such page.")
    # The count the list just took, rather than a second count for the bio's document.
    found.publication_count = paging.count
    document = author_detail(found, urls=urls)
    kinds = dict(AuthorLink.Kind.choices)
    document["links"] = [{**link, "kind_label": kinds.get(link["kind"], "")} for link in document["links"]]
    context = {
        "author": document,
        "photo_srcset": _srcset(document["photo"]),
        "meta": author_meta(found, urls=urls),
        "jsonld": ld_json(author_jsonld(found, urls=urls)),
        "page_query": "",
    }
    return _render_list(request, "website/author.html", paging, context, [f"author-{found.pk}"])


def _collection_page(
    request: HttpRequest,
    found: Topic | Series | None,
    publications: PublicationQuerySet,
    number: int,
    kind: str,
) -> HttpResponse:
    if found is None:
        raise Http404(f"No such {kind}.")
    context = {"collection": found, "kind": kind, "page_query": ""}
    return _list_page(
        request,
        "website/collection.html",
        publications,
        number,
        context,
        [f"{kind}-{found.pk}"],
        summarize=stored_summary(found.publication_count),
    )


@public_page(_page_only)
def topic(request: HttpRequest, slug: str, *, params: dict[str, Any]) -> HttpResponse:
    """A topic with a published piece, and its published pieces."""
    # Optimization (issue 16): its stored count (with_publication_counts) rather than a count of its pieces
    # on every request (36 ms for the largest topic at 100,000 pieces).
    found = with_publication_counts(with_live_publications(Topic.objects.filter(slug=slug))).first()
    publications = Publication.objects.published().in_topics([slug])
    return _collection_page(request, found, publications, params["page"], "topic")


@public_page(_page_only)
def series(request: HttpRequest, slug: str, *, params: dict[str, Any]) -> HttpResponse:
    """A journal, series or newsletter with a published piece, and its published pieces."""
    found = with_publication_counts(with_live_publications(Series.objects.filter(slug=slug))).first()
    publications = Publication.objects.published().in_series([slug])
    return _collection_page(request, found, publications, params["page"], "series")


# --- Indexes: people, topics, series ----------------------------------------------------------------------
def _index_paging(listed: QuerySet, counted: QuerySet, number: int) -> Paging | None:
    """Page `number` of an index: `listed` (ordered, with its counts of published pieces) sliced, `counted`
    (the same rows, without the counts) counted; None past the last page (page 1 of an empty index exists)."""
    count = counted.count()
    offset = (number - 1) * INDEX_PAGE_SIZE
    if number > 1 and offset >= count:
        return None
    rows = list(listed[offset : offset + INDEX_PAGE_SIZE]) if count else []
    return Paging(rows=rows, number=number, count=count, size=INDEX_PAGE_SIZE)


def _people_parameters(request: HttpRequest) -> dict[str, Any]:
    return {
        "kind": choice(request, "kind", Author.Kind.values),
        "affiliation": choice(request, "affiliation", Author.Affiliation.values),
        "page": page_number(request),
    }


@public_page(_people_parameters)
def people(request: HttpRequest, *, params: dict[str, Any]) -> HttpResponse:
    """Every author not in the trash, alphabetically, with their counts of published pieces (as the API's
    author list: whether or not anything of theirs is published yet); `?kind=`, `?affiliation=`."""
    authors = Author.objects.public()
    chosen = {name: params[name] for name in ("kind", "affiliation") if params[name]}
    authors = authors.filter(**chosen)
    paging = _index_paging(
        authors_with_publication_counts(authors.select_related("photo")), authors, params["page"]
    )
    if paging is None:
        raise Http404("No such page.")
    urls = ApiUrls(request)
    kinds = dict(Author.Kind.choices)
    people = []
    for found in paging.rows:
        document = author_item(found, urls=urls)
        people.append(
            {
                **document,
                "kind_label": kinds[found.kind],
                "alumni": found.affiliation == Author.Affiliation.ALUMNI,
                "photo_srcset": _srcset(document["photo"]),
                "href": reverse("website:author", args=[found.slug]),
            }
        )
    query = "".join(f"{name}={value}&" for name, value in chosen.items())
    return page_response(
        request,
        "website/people.html",
        {
            "people": people,
            "paging": paging,
            "page_query": query,
            "kind": params["kind"],
            "affiliation": params["affiliation"],
            "kinds": [(value, KIND_PLURALS[Author.Kind(value)]) for value in Author.Kind.values],
            "affiliations": [(value, label) for value, label in Author.Affiliation.choices],
            "filtered": bool(chosen),
        },
        # `authors`: the key of every list of authors, dropped by a new author and by a piece going live or
        # leaving (publications.invalidation.LIST_KEYS), as the API's author list.
        keys=["authors", *(f"author-{found.pk}" for found in paging.rows)],
        modified=[moment for found in paging.rows for moment in (found.updated_at, found.last_published_at)],
    )


def _collection_index(
    request: HttpRequest, collections: QuerySet, number: int, kind: str, heading: str
) -> HttpResponse:
    live = with_live_publications(collections)
    paging = _index_paging(with_publication_counts(live), live, number)
    if paging is None:
        raise Http404("No such page.")
    plural = str(collections.model._meta.verbose_name_plural)
    listed = [
        {
            "href": reverse(f"website:{kind}", args=[found.slug]),
            "name": found.name,
            "description": found.description,
            "count": found.publication_count,
            # A series' kind (journal, newsletter), a subtopic's parent.
            "context": found.get_kind_display() if kind == "series" else getattr(found.parent, "name", None),
        }
        for found in paging.rows
    ]
    return page_response(
        request,
        "website/collection_index.html",
        {"collections": listed, "paging": paging, "page_query": "", "kind": kind, "heading": heading},
        # The plural (`topics`) is dropped whenever a piece enters or leaves a list, as the counts and which
        # of them have a live piece change with it (publications.invalidation.LIST_KEYS).
        keys=[plural, *(f"{kind}-{found.pk}" for found in paging.rows)],
        modified=[found.last_published_at for found in paging.rows],
    )


@public_page(_page_only)
def topics(request: HttpRequest, *, params: dict[str, Any]) -> HttpResponse:
    """Every topic with a published piece, by name, with how many (the others have no page)."""
    listed = Topic.objects.select_related("parent")
    return _collection_index(request, listed, params["page"], "topic", "Topics")


@public_page(_page_only)
def series_index(request: HttpRequest, *, params: dict[str, Any]) -> HttpResponse:
    """Every journal, series or newsletter with a published piece, by name, with how many."""
    return _collection_index(request, Series.objects.all(), params["page"], "series", "Journals and series")


# --- Search -----------------------------------------------------------------------------------------------
def _search_parameters(request: HttpRequest) -> dict[str, Any]:
    text = single(request, "q").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise BadParameter("q", f"at most {MAX_QUERY_LENGTH} characters.")
    return {"q": text, "page": page_number(request)}


@public_page(_search_parameters)
def search(request: HttpRequest, *, params: dict[str, Any]) -> HttpResponse:
    """The API's full-text search (`?q=`, web syntax), best matches first, with highlighted passages."""
    text = params["q"]
    context = {"q": text, "page_query": f"{urlencode({'q': text})}&" if text else ""}
    if not text:
        return page_response(
            request, "website/search.html", {**context, "paging": None}, keys=[], modified=[]
        )
    publications = Publication.objects.published().search(text)
    # Any edit can change which pieces match and how they rank. Optimization (issue 16): the count of a
    # search, and its ranked window, are kept as the API's are (shared by its pages: a common word's count
    # cost each page 100 ms at 100,000 pieces).
    return _list_page(
        request,
        "website/search.html",
        publications,
        params["page"],
        context,
        [EDITS_KEY],
        summarize=lambda items: kept_summary(
            items, f"site-search:{text}", surrogate_keys=[LIST_KEY, EDITS_KEY]
        ),
    )
