"""The public site in Chromium: home, a publication, an author, a topic and a search page, each screenshotted
and checked by axe-core (no serious or critical violation). The article page's screenshot is the README's."""

from __future__ import annotations

import datetime as dt

import pytest

from publications.models import Correction, CrossPost, PublicationAuthor
from tests.e2e.conftest import axe_violations, update_docs_screenshot
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
)

BODY = (
    "<p>Pakistan's first astronaut will fly aboard China's Tiangong station in 2026, a milestone that "
    "turns two decades of cooperation in space into a public symbol of the partnership.</p>"
    "<h2>From launch services to human spaceflight</h2>"
    "<p>SUPARCO's satellites have ridden Chinese rockets since 2011. Human spaceflight asks more: "
    "training, medical certification and a share of the station's research time.</p>"
    "<blockquote><p>Space diplomacy is diplomacy by other means.</p></blockquote>"
    "<p>For deterrence stability in South Asia, the programme matters less than what it signals.</p>"
)


@pytest.fixture
def catalogue(transactional_db):
    lead = AuthorFactory(
        honorific="Mr",
        name="Syed Ali Abbas",
        slug="syed-ali-abbas",
        headline="Research Officer",
        short_bio="Syed Ali Abbas works on space policy and strategic stability in South Asia.",
        bio="<p>He writes on outer space, arms control and emerging technologies.</p>",
    )
    second = AuthorFactory(
        honorific="Ms",
        name="Anum Riaz",
        slug="anum-riaz",
        headline="Research Associate",
        short_bio="Anum Riaz studies Chinese foreign policy.",
    )
    PositionFactory(author=lead, title="Research Officer", organization="CISS", start_year=2021)
    EducationFactory(author=lead, degree="M.Phil.", field="Strategic Studies", institution="NDU", year=2020)
    WorkFactory(author=lead, title="Space and Strategic Stability", publisher="CISS Press", year=2024)
    AuthorLinkFactory(author=lead, url="https://x.com/syedaliabbas", handle="@syedaliabbas")
    space = TopicFactory(name="Space Policy", slug="space-policy", description="Outer space and security.")
    china = TopicFactory(name="China", slug="china")
    journal = SeriesFactory(name="CISS Insight", slug="ciss-insight", issn="2310-1234")
    article = PublicationFactory(
        published=True,
        type="journal_article",
        title="Pakistan's Space Diplomacy Takes Flight",
        subtitle="Human spaceflight with China",
        slug="pakistans-space-diplomacy",
        summary="Why the first Pakistani astronaut matters for the partnership with China.",
        body=BODY,
        series=journal,
        volume="12",
        issue="2",
        doi="10.1234/ciss.2026.12",
        authors=[lead, second],
        topics=[space, china],
    )
    PublicationAuthor.objects.filter(author=second).update(role="co_author")
    CrossPostFactory(
        publication=article,
        outlet=OutletFactory(name="Strafasia", domain="strafasia.com"),
        url="https://strafasia.com/space-diplomacy/",
        relation=CrossPost.Relation.ANOTHER_FORM,
    )
    Correction.objects.create(
        publication=article, date=dt.date(2026, 11, 25), text="The launch year was corrected to 2026."
    )
    for n in range(3):
        PublicationFactory(
            published=True,
            type=["commentary", "policy_paper", "report"][n],
            title=["Orbital Debris Rules", "A Space Policy for Pakistan", "Satellites and Deterrence"][n],
            summary="Another piece on space and security.",
            authors=[lead],
            topics=[space],
        )
    PublicationFactory(title="An Unpublished Draft On Space", authors=[lead], topics=[space])
    return article


def test_a_reader_browses_the_public_site(page, step, catalogue):
    visits = [
        ("home", "/", "Center for International Strategic Studies"),
        (
            "publication",
            "/publications/pakistans-space-diplomacy/",
            "Pakistan's Space Diplomacy Takes Flight",
        ),
        ("author", "/authors/syed-ali-abbas/", "Mr Syed Ali Abbas"),
        ("topic", "/topics/space-policy/", "Space Policy"),
        ("search", "/search/?q=space", "Search"),
        ("people", "/authors/", "People"),
        ("topics", "/topics/", "Topics"),
        ("series", "/series/", "Journals and series"),
    ]
    for name, url, heading in visits:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert "An Unpublished Draft On Space" not in page.content()
        shot = step(page, name)
        if name == "publication":
            assert page.get_by_text("This article was published in another form at").is_visible()
            assert (
                page.get_by_role("link", name="BibTeX").get_attribute("href").endswith("cite/?format=bibtex")
            )
            above_the_fold = step(page, "article above the fold", full_page=False)
            update_docs_screenshot(above_the_fold, "public-article.png")
        assert shot.exists()
        assert axe_violations(page) == [], name


def test_the_site_works_on_a_phone(open_tab, step, catalogue):
    page = open_tab(viewport={"width": 375, "height": 812})

    page.goto("/publications/pakistans-space-diplomacy/")

    step(page, "article on a phone")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []

    page.goto("/authors/")

    step(page, "people on a phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_violations(page) == []
