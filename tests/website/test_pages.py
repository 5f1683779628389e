"""The public site's pages: what each shows, what none may show, redirects, 410s, 400s, caching and cost."""

from __future__ import annotations

import datetime as dt
import gzip
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from publications.models import Correction, CrossPost, PublicationAuthor
from publications.related import related_candidates_rebuild_missing
from publications.services import (
    publication_publish,
    publication_trash,
    publication_unpublish,
    publication_update,
    publication_withdraw,
)
from tests.factories import (
    AuthorFactory,
    AuthorLinkFactory,
    CrossPostFactory,
    EducationFactory,
    OutletFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    WorkFactory,
    stored_image,
)
from tests.html_links import Links

pytestmark = pytest.mark.django_db


class Text(HTMLParser):
    """A page's visible text (scripts and styles left out), whitespace collapsed."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text_of(response) -> str:
    parser = Text()
    parser.feed(response.content.decode())
    return " ".join("".join(parser.parts).split())


def hrefs(response) -> list[str]:
    return [href for href, _ in links_of(response)]


def links_of(response) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def world():
    """A live report by two authors in byline order, with a draft, a scheduled and a trashed piece beside it
    sharing its author and topic."""
    first = AuthorFactory(name="Amna Qureshi", slug="amna-qureshi", headline="Director Research")
    second = AuthorFactory(name="Bilal Khan", slug="bilal-khan", headline="Research Officer", honorific="")
    topic = TopicFactory(name="Nuclear Deterrence", slug="nuclear-deterrence")
    live = PublicationFactory(
        published=True,
        type="report",
        title="Deterrence Stability in South Asia",
        slug="deterrence-stability",
        report_number="CISS-R-7",
        authors=[first, second],
        topics=[topic],
        body="<p>Stability rests on survivable forces.</p>",
    )
    hidden = {
        "draft": PublicationFactory(
            title="Secret Draft Piece", slug="secret-draft", authors=[first], topics=[topic]
        ),
        "scheduled": PublicationFactory(
            scheduled=True,
            title="Future Scheduled Piece",
            slug="future-piece",
            authors=[first],
            topics=[topic],
        ),
        "trashed": PublicationFactory(
            published=True, title="Trashed Old Piece", slug="trashed-piece", authors=[first], topics=[topic]
        ),
    }
    hidden["trashed"].trashed_at = timezone.now()
    hidden["trashed"].save(update_fields=["trashed_at"])
    return {"live": live, "first": first, "second": second, "topic": topic, "hidden": hidden}


HIDDEN_TITLES = ("Secret Draft Piece", "Future Scheduled Piece", "Trashed Old Piece")


def test_home_shows_the_latest_pieces_grouped_by_type(client, world):
    commentary = PublicationFactory(published=True, type="commentary", title="A Commentary On Space")

    response = client.get("/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Reports" in text and "Commentaries" in text
    assert text.index("Reports") < text.index("Deterrence Stability in South Asia")
    assert f"/publications/{commentary.slug}/" in hrefs(response)
    assert "/publications/?type=report" in hrefs(response)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/publications/",
        "/publications/?type=report",
        "/authors/amna-qureshi/",
        "/topics/nuclear-deterrence/",
        "/search/?q=piece",
        "/publications/deterrence-stability/",
        "/authors/",
        "/topics/",
    ],
)
def test_nothing_unpublished_appears_on_any_page(client, world, url):
    response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    for title in HIDDEN_TITLES:
        assert title not in content
    for piece in world["hidden"].values():
        assert f"/publications/{piece.slug}/" not in content


@pytest.mark.parametrize("state", ["draft", "scheduled", "trashed"])
def test_an_unpublished_piece_has_no_page(client, world, state):
    response = client.get(f"/publications/{world['hidden'][state].slug}/")

    assert response.status_code == 404
    assert "no-store" in response["Cache-Control"]


def test_a_scheduled_piece_gets_its_page_at_its_time(client, world):
    piece = world["hidden"]["scheduled"]

    assert client.get(f"/publications/{piece.slug}/").status_code == 404
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + dt.timedelta(days=2)
        patch.setattr(timezone, "now", lambda: later)
        assert client.get(f"/publications/{piece.slug}/").status_code == 200


def test_publication_page_shows_the_piece_whole(client, world):
    live = world["live"]
    outlet = OutletFactory(name="Strafasia", domain="strafasia.com")
    CrossPostFactory(
        publication=live,
        outlet=outlet,
        url="https://strafasia.com/deterrence/",
        relation=CrossPost.Relation.ANOTHER_FORM,
    )
    Correction.objects.create(
        publication=live, date=dt.date(2026, 11, 20), text="The table's totals were fixed."
    )
    AuthorLinkFactory(author=world["first"], url="https://x.com/amnaq")

    response = client.get("/publications/deterrence-stability/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Deterrence Stability in South Asia" in text
    assert "Report" in text
    # Both authors in byline order, with a bio box each (headline and short bio).
    assert text.index("Amna Qureshi") < text.index("Bilal Khan")
    assert "Director Research" in text and "Research Officer" in text
    assert "Amna Qureshi writes on strategic affairs." in text
    assert "Bilal Khan writes on strategic affairs." in text
    assert "Stability rests on survivable forces." in text
    assert "This article was published in another form at Strafasia." in text
    assert "The table's totals were fixed." in text
    assert ("https://strafasia.com/deterrence/", "Strafasia") in links_of(response)
    cite = [href for href, label in links_of(response) if label in ("BibTeX", "RIS", "APA", "Chicago")]
    assert cite == [
        f"http://testserver/api/v1/publications/deterrence-stability/cite/?format={name}"
        for name in ("bibtex", "ris", "apa", "chicago")
    ]
    assert "/authors/amna-qureshi/" in hrefs(response)
    assert "/topics/nuclear-deterrence/" in hrefs(response)


def test_publication_page_links_the_pdf_and_serves_responsive_images(client, world):
    live = world["live"]
    live.pdf = "publications/pdf/2026/deterrence.pdf"
    live.pdf_pages = 12
    live.pdf_size = 2048
    live.lead_image = stored_image(
        "images/2026/launch.jpg",
        alt="Missiles on parade",
        renditions=[
            {"path": "renditions/2026/launch-320w.jpg", "width": 320, "height": 180, "format": "jpeg"},
            {"path": "renditions/2026/launch-320w.webp", "width": 320, "height": 180, "format": "webp"},
            {"path": "renditions/2026/launch-640w.jpg", "width": 640, "height": 360, "format": "jpeg"},
        ],
    )
    live.save()

    response = client.get("/publications/deterrence-stability/")

    content = response.content.decode()
    assert ("http://testserver/media/publications/pdf/2026/deterrence.pdf", "Download PDF") in links_of(
        response
    )
    assert (
        'srcset="http://testserver/media/renditions/2026/launch-320w.jpg 320w, '
        "http://testserver/media/renditions/2026/launch-640w.jpg 640w, "
        'http://testserver/media/images/2026/launch.jpg 1600w"'
    ) in content
    assert 'alt="Missiles on parade"' in content


def test_an_old_slug_redirects_permanently_to_the_page(client, world):
    live = world["live"]
    live.slug = "deterrence-stability-revisited"
    publication_update(publication=live, by=None)

    response = client.get("/publications/deterrence-stability/?utm_source=x")

    assert response.status_code == 301
    assert response["Location"] == "/publications/deterrence-stability-revisited/?utm_source=x"
    assert client.get(response["Location"]).status_code == 200


def test_an_old_slug_of_a_piece_no_longer_live_is_a_404(client, world, editor):
    live = world["live"]
    live.slug = "renamed"
    publication_update(publication=live, by=None)
    publication_trash(publication=live, by=editor)

    assert client.get("/publications/deterrence-stability/").status_code == 404


def test_a_withdrawn_piece_is_410_with_its_notice(client, member_of):
    piece = PublicationFactory(ready=True, title="Water and Power", slug="water-and-power")
    publication_publish(publication=piece, at=timezone.now() - dt.timedelta(hours=1))
    publication_withdraw(publication=piece, by=member_of("publishers"), notice="The survey data were wrong.")

    response = client.get("/publications/water-and-power/")

    assert response.status_code == 410
    text = text_of(response)
    assert "This publication was withdrawn" in text
    assert "The survey data were wrong." in text
    assert "<p>Body of" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_author_page_shows_the_whole_bio_and_their_pieces(client, world):
    author = world["first"]
    PositionFactory(author=author, title="Director Research", organization="CISS")
    EducationFactory(
        author=author, degree="Ph.D.", field="Peace Studies", institution="Quaid-i-Azam University"
    )
    WorkFactory(author=author, title="Deterrence After Doctrine", publisher="Routledge", year=2023)
    AuthorLinkFactory(author=author, url="https://orcid.org/0000-0002-1825-0097", handle="")
    co_written = world["live"]

    response = client.get("/authors/amna-qureshi/")

    assert response.status_code == 200
    text = text_of(response)
    for expected in (
        "Amna Qureshi",
        "Director Research, CISS",
        "Ph.D. Peace Studies, Quaid-i-Azam University",
        "Deterrence After Doctrine",
        "Routledge",
        "https://orcid.org/0000-0002-1825-0097",
        co_written.title,
    ):
        assert expected in text, expected


def test_author_page_pages_their_publications(client, settings):
    settings.API_PAGE_SIZE = 2
    author = AuthorFactory(slug="prolific")
    for n in range(5):
        PublicationFactory(published=True, title=f"Piece {n}", authors=[author])

    first = client.get("/authors/prolific/")
    last = client.get("/authors/prolific/?page=3")

    assert "Page 1 of 3" in text_of(first)
    assert "?page=2" in hrefs(first)
    assert "Page 3 of 3" in text_of(last)
    assert client.get("/authors/prolific/?page=4").status_code == 404


def test_a_trashed_author_has_no_page(client, world, editor):
    world["second"].trashed_at = timezone.now()
    world["second"].save(update_fields=["trashed_at"])

    assert client.get("/authors/bilal-khan/").status_code == 404
    assert "Bilal Khan" not in client.get("/publications/deterrence-stability/").content.decode()


def test_topic_and_series_pages_list_their_published_pieces(client, world):
    journal = SeriesFactory(name="CISS Insight", slug="ciss-insight", issn="2310-1234")
    article = PublicationFactory(
        published=True, type="journal_article", series=journal, title="On Arms Control"
    )
    PublicationFactory(series=journal, title="A Draft In The Journal")

    topic = client.get("/topics/nuclear-deterrence/")
    series = client.get("/series/ciss-insight/")

    assert topic.status_code == 200
    assert "Deterrence Stability in South Asia" in text_of(topic)
    assert series.status_code == 200
    assert article.title in text_of(series)
    assert "ISSN 2310-1234" in text_of(series)
    assert "A Draft In The Journal" not in series.content.decode()


def test_a_topic_with_nothing_published_has_no_page(client):
    PublicationFactory(topics=[TopicFactory(slug="only-drafts")])

    assert client.get("/topics/only-drafts/").status_code == 404
    assert client.get("/series/nothing-here/").status_code == 404


# --- Indexes: people, topics, series ------------------------------------------------------------------------
def test_the_people_index_lists_every_public_author_alphabetically(client, world):
    for author, sort_name in ((world["first"], "Qureshi, Amna"), (world["second"], "Khan, Bilal")):
        author.sort_name = sort_name
        author.save(update_fields=["sort_name"])
    AuthorFactory(
        name="Zara Ahmed",
        slug="zara-ahmed",
        honorific="",
        sort_name="Ahmed, Zara",
        kind="fellow",
        email="zara@example.org",
    )
    AuthorFactory(
        name="Former Fellow", honorific="", sort_name="Fellow, Former", kind="fellow", affiliation="alumni"
    )
    gone = AuthorFactory(name="Trashed Person", sort_name="Person, Trashed")
    gone.trashed_at = timezone.now()
    gone.save(update_fields=["trashed_at"])

    response = client.get("/authors/")

    assert response.status_code == 200
    names = [
        text for href, text in links_of(response) if href.startswith("/authors/") and href.count("/") == 3
    ]
    # By sort name: Ahmed, Fellow, Khan, Qureshi; the trashed one nowhere.
    assert names == ["Zara Ahmed", "Former Fellow", "Bilal Khan", "Dr Amna Qureshi"]
    assert "/authors/zara-ahmed/" in hrefs(response)
    text = text_of(response)
    assert "Director Research" in text
    assert "Fellow · Alumni" in text
    assert "Trashed Person" not in response.content.decode()
    # Private, as everywhere public.
    assert "zara@example.org" not in response.content.decode()


def test_the_people_index_counts_only_live_pieces(client, world):
    # The first author also has a draft, a scheduled and a trashed piece (world): one is live.
    response = client.get("/authors/")

    text = text_of(response)
    assert "Director Research Staff · 1 publication" in text
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + dt.timedelta(days=2)
        patch.setattr(timezone, "now", lambda: later)
        assert "Director Research Staff · 2 publications" in text_of(client.get("/authors/"))


def test_the_people_index_filters_by_kind_and_affiliation(client, world):
    AuthorFactory(name="Guest Writer", kind="guest")
    AuthorFactory(name="Former Fellow", kind="fellow", affiliation="alumni")

    guests = text_of(client.get("/authors/?kind=guest"))
    alumni = text_of(client.get("/authors/?affiliation=alumni"))

    assert "Guest Writer" in guests and "Amna Qureshi" not in guests
    assert "Former Fellow" in alumni and "Guest Writer" not in alumni


def test_the_people_index_is_paged(client, monkeypatch):
    monkeypatch.setattr("website.views.INDEX_PAGE_SIZE", 2)
    for letter in "ABCDE":
        AuthorFactory(name=f"{letter} Person", sort_name=f"Person, {letter}", kind="guest")

    first = client.get("/authors/?kind=guest")
    last = client.get("/authors/?kind=guest&page=3")

    assert "Page 1 of 3" in text_of(first)
    assert "?kind=guest&page=2" in hrefs(first)
    assert "E Person" in text_of(last) and "A Person" not in text_of(last)
    assert client.get("/authors/?kind=guest&page=4").status_code == 404
    # Past page 1 or filtered: a crawler follows the links but indexes the index once.
    assert 'name="robots" content="noindex, follow"' in first.content.decode()
    assert "noindex" not in client.get("/authors/").content.decode()


def test_the_topics_index_lists_topics_with_a_live_piece_and_their_counts(client, world):
    parent = TopicFactory(name="Strategic Stability", slug="strategic-stability")
    child = TopicFactory(name="Arms Control", slug="arms-control", parent=parent)
    PublicationFactory(published=True, topics=[child, world["topic"]])
    PublicationFactory(topics=[TopicFactory(name="Only Drafts Here")])

    response = client.get("/topics/")

    assert response.status_code == 200
    text = text_of(response)
    # The parent has no live piece of its own: it has no page, so it is not listed (its child names it).
    assert [
        text for href, text in links_of(response) if href.startswith("/topics/") and href.count("/") == 3
    ] == [
        "Arms Control",
        "Nuclear Deterrence",
    ]
    assert "Arms Control in Strategic Stability · 1 publication" in text
    assert "Nuclear Deterrence 2 publications" in text
    assert "Only Drafts Here" not in text


def test_a_topic_joins_the_index_when_its_scheduled_piece_goes_live(client, world):
    PublicationFactory(scheduled=True, topics=[TopicFactory(name="Space Security")])

    assert "Space Security" not in text_of(client.get("/topics/"))
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + dt.timedelta(days=2)
        patch.setattr(timezone, "now", lambda: later)
        assert "Space Security" in text_of(client.get("/topics/"))


def test_the_series_index_lists_journals_with_a_live_piece(client, world):
    journal = SeriesFactory(name="CISS Insight", slug="ciss-insight", kind="journal")
    PublicationFactory(published=True, type="journal_article", series=journal)
    PublicationFactory(series=SeriesFactory(name="Draft Newsletter"))

    response = client.get("/series/")

    assert response.status_code == 200
    assert "/series/ciss-insight/" in hrefs(response)
    assert "CISS Insight Journal · 1 publication" in text_of(response)
    assert "Draft Newsletter" not in text_of(response)


def test_an_index_follows_a_piece_going_live(client, world, editor):
    assert "Director Research Staff · 1 publication" in text_of(client.get("/authors/"))
    assert "Nuclear Deterrence 1 publication" in text_of(client.get("/topics/"))
    draft = world["hidden"]["draft"]
    draft.status = "approved"
    draft.save(update_fields=["status"])

    publication_publish(publication=draft, by=editor)

    assert "Director Research Staff · 2 publications" in text_of(client.get("/authors/"))
    assert "Nuclear Deterrence 2 publications" in text_of(client.get("/topics/"))


def test_indexes_carry_the_keys_of_what_they_show(client, world):
    people = client.get("/authors/")
    topics = client.get("/topics/")

    assert {"pages", "authors", f"author-{world['first'].pk}"} <= set(people["Surrogate-Key"].split())
    assert {"pages", "topics", f"topic-{world['topic'].pk}"} <= set(topics["Surrogate-Key"].split())
    assert people["Last-Modified"] and topics["Last-Modified"]
    assert client.get("/topics/", HTTP_IF_NONE_MATCH=topics["ETag"]).status_code == 304


def test_the_header_links_the_indexes(client, world):
    links = hrefs(client.get("/"))

    assert "/authors/" in links and "/topics/" in links and "/series/" in links


def test_publication_list_filters_by_type(client, world):
    PublicationFactory(published=True, type="commentary", title="A Commentary On Space")

    reports = client.get("/publications/?type=report")
    everything = client.get("/publications/")

    assert "Deterrence Stability in South Asia" in text_of(reports)
    assert "A Commentary On Space" not in text_of(reports)
    assert "A Commentary On Space" in text_of(everything)


def test_search_uses_the_api_search_and_highlights(client, world):
    response = client.get("/search/", {"q": "survivable"})

    assert response.status_code == 200
    assert "Deterrence Stability in South Asia" in text_of(response)
    assert "<mark>survivable</mark>" in response.content.decode()
    assert "noindex" in response.content.decode()


def test_search_escapes_what_it_echoes(client, world):
    response = client.get("/search/", {"q": '<script>alert(1)</script>"'})

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/publications/?type=pamphlet", "type"),
        ("/publications/?page=0", "page"),
        ("/publications/?page=abc", "page"),
        ("/publications/?page=1&page=2", "page"),
        ("/publications/?page=99999999999999999999", "page"),
        ("/search/?q=" + "a" * 201, "q"),
        ("/search/?q=a%00b", "q"),
        ("/authors/amna-qureshi/?page=-1", "page"),
        ("/authors/?kind=robot", "kind"),
        ("/authors/?affiliation=former", "affiliation"),
        ("/authors/?kind=staff&kind=fellow", "kind"),
        ("/topics/?page=0", "page"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(client, world, url, name):
    response = client.get(url)

    assert response.status_code == 400
    assert f"{name}" in text_of(response)
    assert "no-store" in response["Cache-Control"]


def test_unknown_parameters_are_ignored(client, world):
    assert client.get("/publications/?utm_source=newsletter&fbclid=x").status_code == 200


def test_pages_are_get_only(client, world):
    assert client.post("/publications/deterrence-stability/").status_code == 405


def test_pages_carry_validators_lifetimes_and_surrogate_keys(client, world):
    response = client.get("/publications/deterrence-stability/")

    assert response["ETag"].startswith('"')
    assert "public" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    assert response["Last-Modified"]
    keys = response["Surrogate-Key"].split()
    assert {"catalogue", "pages", f"publication-{world['live'].pk}", f"author-{world['first'].pk}"} <= set(
        keys
    )
    assert response["Cache-Tag"] == ",".join(keys)
    again = client.get("/publications/deterrence-stability/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_cached_page_does_not_outlive_a_change(client, world):
    assert "Deterrence Stability in South Asia" in text_of(client.get("/publications/"))
    live = world["live"]
    live.title = "A New Title For The Report"
    publication_update(publication=live, by=None)

    assert "A New Title For The Report" in text_of(client.get("/publications/"))
    assert "A New Title For The Report" in text_of(client.get("/publications/deterrence-stability/"))


def test_a_cached_page_is_served_without_the_view(client, world, django_assert_num_queries):
    client.get("/publications/deterrence-stability/")

    with django_assert_num_queries(1):  # the catalogue generation with the cached page
        response = client.get("/publications/deterrence-stability/")
    assert response.status_code == 200


# --- A search's kept count ---------------------------------------------------------------------------------
@pytest.fixture
def counts_kept(settings):
    """The count of a search kept as the API keeps its lists' (the response cache off, to reach the view)."""
    settings.API_CACHE = False
    settings.API_CACHE_COUNTS = True
    settings.API_PAGE_SIZE = 4


def page_titles(response) -> list[str]:
    return [
        text
        for href, text in links_of(response)
        if href.startswith("/publications/") and href.count("/") == 3
    ]


def walk_search(client, words: str) -> tuple[list[str], str]:
    """The titles a site search lists, page after page, and the sentence its first page gives the count in."""
    titles, number, said = [], 1, None
    while (response := client.get("/search/", {"q": words, "page": number})).status_code == 200:
        said = said or text_of(response).split("publications match")[0].rsplit(" ", 2)[-2]
        titles += page_titles(response)
        number += 1
    assert response.status_code == 404
    return titles, said


def matching(count: int, word: str = "uranium") -> list:
    """`count` live pieces matching `word`, the word more often in some (they rank apart)."""
    return [
        PublicationFactory(
            published=True,
            title=f"Piece {index:02} on {word if index % 3 else 'fuel'}",
            body="<p>" + " ".join([word] * (1 + index % 4)) + " and other matters.</p>",
        )
        for index in range(count)
    ]


@pytest.mark.usefixtures("counts_kept")
def test_a_search_is_counted_once_for_all_its_pages(client):
    matching(10)

    assert client.get("/search/", {"q": "uranium"}).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get("/search/", {"q": "uranium", "page": 2})

    assert response.status_code == 200
    assert not [query for query in second.captured_queries if "count(" in query["sql"].lower()]
    assert "10 publications match" in text_of(response)


def test_a_kept_count_lists_what_a_fresh_count_does(client, settings):
    matching(11)
    settings.API_CACHE, settings.API_PAGE_SIZE = False, 4
    settings.API_CACHE_COUNTS = False
    fresh = walk_search(client, "uranium")
    settings.API_CACHE_COUNTS = True
    kept = walk_search(client, "uranium")
    again = walk_search(client, "uranium")

    assert fresh == kept == again
    assert len(fresh[0]) == 11 and fresh[1] == "11"


@pytest.mark.usefixtures("counts_kept")
def test_a_kept_search_count_follows_publishing_and_unpublishing(client):
    pieces = matching(5)
    assert walk_search(client, "uranium")[1] == "5"
    newcomer = PublicationFactory(
        title="A Newcomer on uranium", body="<p>uranium</p>", authors=[AuthorFactory()]
    )
    assert walk_search(client, "uranium")[1] == "5"  # a draft: not counted, not listed

    publication_publish(publication=newcomer)
    titles, said = walk_search(client, "uranium")
    assert said == "6" and "A Newcomer on uranium" in titles

    publication_unpublish(publication=pieces[0])
    titles, said = walk_search(client, "uranium")
    assert said == "5" and pieces[0].title not in titles


@pytest.mark.usefixtures("counts_kept")
def test_a_kept_search_count_takes_in_a_scheduled_piece_at_its_time(client):
    matching(3)
    later = timezone.now() + dt.timedelta(hours=1)
    scheduled = PublicationFactory(
        title="Scheduled on uranium", body="<p>uranium</p>", authors=[AuthorFactory()]
    )
    publication_publish(publication=scheduled, at=later)
    assert walk_search(client, "uranium")[1] == "3"

    with time_machine.travel(later + dt.timedelta(seconds=1)):
        titles, said = walk_search(client, "uranium")
    assert said == "4" and "Scheduled on uranium" in titles


# --- The site's lists' kept counts --------------------------------------------------------------------------
# Every piece, one type's and one author's: their counts kept as a search's is.
KEPT_LISTS = [("/publications/", {}), ("/publications/", {"type": "book"}), ("/authors/writer/", {})]


def walk_list(client, path: str, query: dict[str, str]) -> tuple[list[str], str]:
    """The titles a site list shows, page after page, and how many pages its first page says it has."""
    titles, number, said = [], 1, None
    while (response := client.get(path, {**query, "page": number})).status_code == 200:
        # One page has no page links, nor says how many.
        said = said or (text_of(response).split("Page 1 of ")[1:] or ["1"])[0].split()[0]
        titles += page_titles(response)
        number += 1
    assert response.status_code == 404
    return titles, said


def listed(count: int, writer) -> list:
    """`count` live books by `writer`."""
    return [
        PublicationFactory(published=True, type="book", title=f"Book {index:02}", authors=[writer])
        for index in range(count)
    ]


@pytest.mark.usefixtures("counts_kept")
@pytest.mark.parametrize(("path", "query"), KEPT_LISTS)
def test_a_site_list_is_counted_once_for_all_its_pages(client, path, query):
    listed(10, AuthorFactory(slug="writer"))

    assert client.get(path, query).status_code == 200
    with CaptureQueriesContext(connection) as second:
        response = client.get(path, {**query, "page": 2})

    assert response.status_code == 200
    assert not [query for query in second.captured_queries if "count(" in query["sql"].lower()]
    assert "Page 2 of 3" in text_of(response)


@pytest.mark.usefixtures("counts_kept")
@pytest.mark.parametrize(("path", "query"), KEPT_LISTS)
def test_a_kept_list_count_follows_publishing_unpublishing_and_a_scheduled_piece(client, path, query):
    writer = AuthorFactory(slug="writer")
    books = listed(8, writer)
    assert walk_list(client, path, query) == ([book.title for book in reversed(books)], "2")
    newcomer = PublicationFactory(type="book", title="Book newcomer", authors=[writer])
    assert walk_list(client, path, query)[1] == "2"  # a draft: not counted, not listed

    publication_publish(publication=newcomer)
    titles, said = walk_list(client, path, query)
    assert said == "3" and titles[0] == "Book newcomer" and len(titles) == 9

    publication_unpublish(publication=books[0])
    titles, said = walk_list(client, path, query)
    assert said == "2" and books[0].title not in titles and len(titles) == 8

    later = timezone.now() + dt.timedelta(hours=1)
    scheduled = PublicationFactory(type="book", title="Book scheduled", authors=[writer])
    publication_publish(publication=scheduled, at=later)
    assert walk_list(client, path, query)[1] == "2"
    with time_machine.travel(later + dt.timedelta(seconds=1)):
        titles, said = walk_list(client, path, query)
    assert said == "3" and titles[0] == "Book scheduled"


@pytest.mark.usefixtures("counts_kept")
def test_a_kept_type_count_follows_a_piece_changing_type(client, editor):
    books = listed(5, AuthorFactory(slug="writer"))
    assert walk_list(client, "/publications/", {"type": "book"})[1] == "2"

    books[0].type = "report"
    publication_update(publication=books[0], by=editor)

    titles, said = walk_list(client, "/publications/", {"type": "book"})
    assert said == "1" and len(titles) == 4 and books[0].title not in titles
    assert walk_list(client, "/publications/", {"type": "report"}) == ([books[0].title], "1")


def test_the_home_pages_sections_share_one_prepared_statement(client, settings):
    """Six types, one statement text with the type a parameter: prepared, so planned once per connection."""
    settings.API_CACHE = False
    for publication_type in ("commentary", "book", "report"):
        PublicationFactory(published=True, type=publication_type)
    for _ in range(2):
        assert client.get("/").status_code == 200

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
            ["%WITH ORDINALITY AS page(id, place)%", '%"type" = $%'],
        )
        assert cursor.fetchone()[0] == 1


# --- What a page costs --------------------------------------------------------------------------------------
@pytest.mark.usefixtures("response_cache_off")
@pytest.mark.parametrize("count", [1, 12])
def test_list_pages_cost_the_same_whatever_their_size(client, django_assert_num_queries, count):
    author = AuthorFactory(slug="writer")
    topic = TopicFactory(slug="space")
    series = SeriesFactory(slug="insight")
    for _ in range(count):
        PublicationFactory(published=True, authors=[author, AuthorFactory()], topics=[topic], series=series)

    # The count, then the page by id.
    with django_assert_num_queries(2):
        assert client.get("/publications/").status_code == 200
    # The bio, the count, the page.
    with django_assert_num_queries(3):
        assert client.get("/authors/writer/").status_code == 200
    # The topic with its count (stored, or counted live without a row), the page.
    with django_assert_num_queries(2):
        assert client.get("/topics/space/").status_code == 200
    # The count, the page.
    with django_assert_num_queries(2):
        assert client.get("/search/?q=body").status_code == 200
    # One query per type.
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200
    # The indexes: the count, the page (with each row's count of live pieces).
    for index in ("/authors/", "/topics/", "/series/"):
        with django_assert_num_queries(2):
            assert client.get(index).status_code == 200


@pytest.mark.usefixtures("response_cache_off")
@pytest.mark.parametrize("authors", [1, 6])
def test_a_publication_page_costs_two_queries_whatever_its_byline(client, django_assert_num_queries, authors):
    byline = [AuthorFactory() for _ in range(authors)]
    for author in byline:
        AuthorLinkFactory(author=author)
    piece = PublicationFactory(published=True, authors=byline, topics=[TopicFactory()])
    CrossPostFactory(publication=piece)
    related_candidates_rebuild_missing()  # as the worker does after a write

    # The piece with its byline, profiles, topics, cross-posts, corrections and images; the related pieces.
    with django_assert_num_queries(2):
        assert client.get(f"/publications/{piece.slug}/").status_code == 200


def test_the_byline_names_roles_other_than_author(client):
    editor = AuthorFactory(name="Zara Editor")
    piece = PublicationFactory(published=True, authors=[AuthorFactory(name="Omar Writer"), editor])
    PublicationAuthor.objects.filter(author=editor).update(role="editor")

    assert "Zara Editor (Editor)" in text_of(client.get(f"/publications/{piece.slug}/"))


def test_pages_are_gzipped_for_clients_that_accept_it(client, world):
    plain = client.get("/publications/deterrence-stability/")

    response = client.get("/publications/deterrence-stability/", HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain.content
    assert "Accept-Encoding" in response["Vary"]
    again = client.get(
        "/publications/deterrence-stability/",
        HTTP_ACCEPT_ENCODING="gzip",
        HTTP_IF_NONE_MATCH=response["ETag"],
    )
    assert again.status_code == 304


def test_bio_boxes_show_the_authors_photo_from_its_renditions(client):
    photo = stored_image(
        "images/2026/amna.jpg",
        alt="Amna Qureshi",
        renditions=[{"path": "renditions/2026/amna-320w.jpg", "width": 320, "height": 320, "format": "jpeg"}],
    )
    PublicationFactory(published=True, slug="piece", authors=[AuthorFactory(photo=photo)])

    content = client.get("/publications/piece/").content.decode()

    assert (
        'srcset="http://testserver/media/renditions/2026/amna-320w.jpg 320w, '
        'http://testserver/media/images/2026/amna.jpg 1600w"'
    ) in content
    assert 'alt="Amna Qureshi"' in content


def test_head_answers_like_get_without_a_body(client, world):
    response = client.head("/publications/deterrence-stability/")

    assert response.status_code == 200
    assert response.content == b""
    assert response["ETag"] == client.get("/publications/deterrence-stability/")["ETag"]
