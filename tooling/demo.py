"""The demo catalogue `manage.py seed_demo` loads: the CISS commentary from issue 3 and a few more pieces.

Loading is idempotent. Rows are found by slug and written only when a value differs, so a second run
writes nothing and `updated_at` (which change feeds follow) keeps meaning "last edited". Rows that hang
off a bio or a publication (positions, bylines, cross-posts...) are compared as a whole and replaced in
a fixed order when they differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from authors.models import Author, AuthorLink, Work
from authors.services import author_create, author_update
from cissapi.text import sanitize_html
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.services import publication_create, publication_update
from taxonomy.models import Outlet, Series, Topic
from taxonomy.services import (
    outlet_create,
    outlet_update,
    series_create,
    series_update,
    topic_create,
    topic_update,
)

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import ManyRelatedManager

CISS = "Center for International Strategic Studies (CISS), Islamabad"
QAU = "Quaid-i-Azam University, Islamabad"
KARACHI = dt.timezone(dt.timedelta(hours=5))

TOPICS = {
    "space-policy": "Space policy",
    "china-pakistan-relations": "China-Pakistan relations",
    "middle-east-politics": "Middle East politics",
    "military-modernization": "Military modernization",
    "foreign-policy": "Foreign policy",
    "nuclear-politics": "Nuclear politics",
    "strategic-studies": "Strategic studies",
    "international-relations": "International relations",
    "non-proliferation": "Non-proliferation",
    "arms-control": "Arms control",
    "disarmament": "Disarmament",
    "traditional-security": "Traditional security",
    "non-traditional-security": "Non-traditional security",
    "great-power-politics": "Great power politics",
    "communication-in-global-diplomacy": "Communication in global diplomacy",
    "us-foreign-policy": "U.S. foreign policy",
    "strategy": "Strategy",
    "technology": "Technology",
}

OUTLETS = [
    {"slug": "the-national-interest", "name": "The National Interest", "domain": "nationalinterest.org"},
    {"slug": "south-asian-voices", "name": "South Asian Voices", "domain": "southasianvoices.org"},
    {"slug": "strafasia", "name": "Strafasia", "domain": "strafasia.com"},
]

SERIES = [
    {
        "slug": "ciss-insight",
        "name": "CISS Insight",
        "kind": Series.Kind.JOURNAL,
        "description": "The research journal of the Center for International Strategic Studies.",
    },
]


def _position(title: str, organization: str = CISS, *, current: bool = True) -> dict[str, Any]:
    return {"title": title, "organization": organization, "is_current": current}


def _degree(degree: str, field: str, institution: str, status: str = "completed") -> dict[str, Any]:
    return {"degree": degree, "field": field, "institution": institution, "status": status}


AUTHORS: list[dict[str, Any]] = [
    {
        "slug": "syed-ali-abbas",
        "honorific": "Mr",
        "name": "Syed Ali Abbas",
        "sort_name": "Abbas, Syed Ali",
        "headline": "Research Officer / Communication Officer / Managing Editor, CISS Insight",
        "short_bio": (
            "Syed Ali Abbas is a Research Officer, Communication Officer and Managing Editor of CISS "
            "Insight at the Center for International Strategic Studies, Islamabad."
        ),
        "bio": (
            "<p>Syed Ali Abbas works as Research Officer, Communication Officer and Managing Editor of "
            "<em>CISS Insight</em> at the Center for International Strategic Studies (CISS), Islamabad. "
            "He was previously associate editor at Indus News Network. He has written for The National "
            "Interest and South Asian Voices.</p>"
        ),
        "positions": [
            _position("Research Officer"),
            _position("Communication Officer"),
            _position("Managing Editor, CISS Insight"),
            _position("Associate Editor", "Indus News Network", current=False),
        ],
        "education": [],
        "works": [],
        "links": [],
        "interests": ["middle-east-politics", "military-modernization", "foreign-policy", "nuclear-politics"],
        "outlets": ["the-national-interest", "south-asian-voices"],
    },
    {
        "slug": "anum-riaz",
        "honorific": "Dr",
        "name": "Anum Riaz",
        "sort_name": "Riaz, Anum",
        "headline": "Associate Director Research",
        "short_bio": (
            "Dr Anum Riaz is Associate Director Research at the Center for International Strategic Studies, "
            "Islamabad."
        ),
        "bio": (
            "<p>Dr Anum Riaz is Associate Director Research at CISS. She holds a Ph.D. in Political Science "
            "from Bahauddin Zakariya University, Multan, and an M.Phil. and M.Sc. in Defence and Strategic "
            "Studies from Quaid-i-Azam University. She has taught BS and Master's students at BZU.</p>"
        ),
        "positions": [
            _position("Associate Director Research"),
            _position(
                "Lecturer (BS and Master's programmes)",
                "Bahauddin Zakariya University, Multan",
                current=False,
            ),
        ],
        "education": [
            _degree("Ph.D.", "Political Science", "Bahauddin Zakariya University, Multan"),
            _degree("M.Phil.", "Defence and Strategic Studies", QAU),
            _degree("M.Sc.", "Defence and Strategic Studies", QAU),
        ],
        "works": [],
        "links": [],
        "interests": [
            "strategic-studies",
            "international-relations",
            "nuclear-politics",
            "non-proliferation",
            "arms-control",
            "disarmament",
            "traditional-security",
            "non-traditional-security",
        ],
        "outlets": [],
    },
    {
        "slug": "bilal-zubair",
        "honorific": "Dr",
        "name": "Bilal Zubair",
        "sort_name": "Zubair, Bilal",
        "headline": "Director Research",
        "short_bio": (
            "Dr Bilal Zubair is Director Research at the Center for International Strategic Studies, "
            "Islamabad."
        ),
        "bio": (
            "<p>Dr Bilal Zubair is Director Research at CISS. He was previously Assistant Professor at "
            "National Defence University and Lecturer at NUST. He holds a Ph.D. and an M.Phil. in "
            "International Relations from Quaid-i-Azam University and is the author of <em>Chinese Soft "
            "Power and Public Diplomacy in the United States</em> (Palgrave Macmillan, 2024). He serves as "
            "a reviewer and editorial-board member.</p>"
        ),
        "positions": [
            _position("Director Research"),
            _position("Reviewer and editorial-board member", ""),
            _position("Assistant Professor", "National Defence University, Islamabad", current=False),
            _position("Lecturer", "National University of Sciences and Technology (NUST)", current=False),
        ],
        "education": [
            _degree("Ph.D.", "International Relations", QAU),
            _degree("M.Phil.", "International Relations", QAU),
        ],
        "works": [
            {
                "kind": Work.Kind.BOOK,
                "title": "Chinese Soft Power and Public Diplomacy in the United States",
                "publisher": "Palgrave Macmillan",
                "year": 2024,
            }
        ],
        "links": [],
        "interests": ["great-power-politics", "communication-in-global-diplomacy"],
        "outlets": [],
    },
    {
        "slug": "mobeen-jafar-mir",
        "honorific": "Mr",
        "name": "Mobeen Jafar Mir",
        "sort_name": "Mir, Mobeen Jafar",
        "headline": "Research Officer",
        "short_bio": (
            "Mobeen Jafar Mir is a Research Officer at the Center for International Strategic Studies, "
            "Islamabad."
        ),
        "bio": (
            "<p>Mobeen Jafar Mir is a Research Officer at CISS and an M.Phil. candidate in International "
            "Relations at Quaid-i-Azam University. His work focuses on U.S. foreign policy, strategy, "
            "technology and arms control.</p>"
        ),
        "positions": [_position("Research Officer")],
        "education": [_degree("M.Phil.", "International Relations", QAU, status="pursuing")],
        "works": [],
        "links": [
            {"kind": AuthorLink.Kind.X, "url": "https://x.com/jafar_mobeen", "handle": "@jafar_mobeen"}
        ],
        "interests": ["us-foreign-policy", "strategy", "technology", "arms-control"],
        "outlets": [],
    },
]

SPACE_DIPLOMACY_BODY = """
<p>Pakistan's human-spaceflight ambitions have moved from aspiration to a dated plan. Under an agreement
with China, a Pakistani astronaut is to train alongside Chinese crews and fly to the Tiangong space
station, making Pakistan one of a small number of countries with a citizen in orbit.</p>
<p>The programme is diplomacy as much as science. It deepens a partnership that already spans satellites,
navigation and launch services, and it gives Pakistan's young scientists and engineers a visible goal.
For China, a partner astronaut shows that its station is open to friends who are not part of the
International Space Station club.</p>
<h2>What Pakistan gains</h2>
<p>Access to training, mission planning and life-science experiments would take years to build alone.
Shared missions also bring data and know-how that feed back into remote sensing, disaster management
and agriculture at home.</p>
<h2>What to watch</h2>
<p>Space cooperation works when it is sustained. Pakistan will need steady funding for SUPARCO,
university programmes that keep talent at home, and a clear public explanation of what the missions
deliver. Done well, the flight becomes the start of a space policy rather than a single headline.</p>
"""


@dataclass(frozen=True)
class PublicationSeed:
    slug: str
    values: dict[str, Any]
    authors: list[tuple[str, str]]  # (author slug, role) in byline order
    topics: list[str]
    cross_posts: list[dict[str, Any]]


def _at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=KARACHI)


def _publications(now: dt.datetime) -> list[PublicationSeed]:
    live = Publication.Status.PUBLISHED
    return [
        PublicationSeed(
            slug="pakistans-space-diplomacy-takes-flight",
            values={
                "type": Publication.Type.COMMENTARY,
                "title": "Pakistan's Space Diplomacy Takes Flight",
                "summary": "Pakistan's human-spaceflight programme with China is diplomacy as much as "
                "science, and it needs a sustained space policy behind it.",
                "body": SPACE_DIPLOMACY_BODY,
                "status": live,
                "published_at": _at(2025, 3, 5),
                "comments_enabled": False,
                "series": "ciss-insight",
            },
            authors=[
                ("syed-ali-abbas", PublicationAuthor.Role.AUTHOR),
                ("anum-riaz", PublicationAuthor.Role.CO_AUTHOR),
                ("bilal-zubair", PublicationAuthor.Role.CO_AUTHOR),
                ("mobeen-jafar-mir", PublicationAuthor.Role.CO_AUTHOR),
            ],
            topics=["space-policy", "china-pakistan-relations", "foreign-policy"],
            cross_posts=[
                {
                    "outlet": "strafasia",
                    "url": "https://strafasia.com/pakistans-space-diplomacy-takes-flight/",
                    "relation": CrossPost.Relation.ANOTHER_FORM,
                    "is_canonical": False,
                }
            ],
        ),
        PublicationSeed(
            slug="hypersonic-weapons-and-strategic-stability-in-south-asia",
            values={
                "type": Publication.Type.ISSUE_BRIEF,
                "title": "Hypersonic Weapons and Strategic Stability in South Asia",
                "summary": "How manoeuvring hypersonic systems compress decision time, and what restraint "
                "measures could still work.",
                "body": "<p>Hypersonic systems shorten warning time and blur the line between conventional "
                "and nuclear delivery. This brief sets out three confidence-building measures.</p>",
                "status": live,
                "published_at": _at(2025, 1, 20),
                "report_number": "IB-2025-01",
            },
            authors=[("mobeen-jafar-mir", PublicationAuthor.Role.AUTHOR)],
            topics=["arms-control", "technology"],
            cross_posts=[],
        ),
        PublicationSeed(
            slug="arms-control-without-treaties",
            values={
                "type": Publication.Type.POLICY_PAPER,
                "title": "Arms Control Without Treaties",
                "subtitle": "Norms, notifications and restraint in a divided region",
                "summary": "When formal treaties stall, informal measures can still reduce nuclear risk.",
                "body": "<p>Formal arms control in South Asia has stalled. This paper argues for "
                "pre-notification of missile tests, hotlines that are exercised, and shared "
                "terminology.</p>",
                "status": live,
                "published_at": _at(2024, 11, 12),
                "comments_enabled": True,
            },
            authors=[
                ("anum-riaz", PublicationAuthor.Role.AUTHOR),
                ("bilal-zubair", PublicationAuthor.Role.CO_AUTHOR),
            ],
            topics=["arms-control", "non-proliferation", "nuclear-politics"],
            cross_posts=[],
        ),
        PublicationSeed(
            slug="public-diplomacy-in-great-power-competition",
            values={
                "type": Publication.Type.JOURNAL_ARTICLE,
                "title": "Public Diplomacy in Great Power Competition",
                "summary": "Soft power, media and exchange programmes as instruments of rivalry between "
                "the United States and China.",
                "body": "<p>Great powers compete for audiences as much as for territory. This article "
                "compares Chinese and American public diplomacy since 2010.</p>",
                "status": live,
                "published_at": _at(2024, 6, 30),
                "series": "ciss-insight",
                "volume": "12",
                "issue": "1",
            },
            authors=[("bilal-zubair", PublicationAuthor.Role.AUTHOR)],
            topics=["great-power-politics", "communication-in-global-diplomacy"],
            cross_posts=[],
        ),
        PublicationSeed(
            slug="military-modernization-in-the-middle-east",
            values={
                "type": Publication.Type.REPORT,
                "title": "Military Modernization in the Middle East",
                "summary": "Procurement trends across the Gulf and what they mean for Pakistan.",
                "body": "<p>Gulf states are buying longer-range systems and building defence industries "
                "of their own. This report maps the trend and its consequences.</p>",
                "status": live,
                "published_at": _at(2024, 9, 2),
                # 10.5555 is Crossref's prefix for examples, so this DOI resolves to nothing real.
                "doi": "10.5555/ciss.2024.report.02",
                "report_number": "CISS-R-2024-02",
            },
            authors=[("syed-ali-abbas", PublicationAuthor.Role.AUTHOR)],
            topics=["middle-east-politics", "military-modernization"],
            cross_posts=[],
        ),
        PublicationSeed(
            slug="ai-and-nuclear-command-and-control",
            values={
                "type": Publication.Type.COMMENTARY,
                "title": "AI and Nuclear Command and Control",
                "summary": "Draft: where automation helps and where it must stop.",
                "body": "<p>Draft text.</p>",
                "status": Publication.Status.DRAFT,
                "internal_notes": "Waiting for figures from the technology desk.",
            },
            authors=[("mobeen-jafar-mir", PublicationAuthor.Role.AUTHOR)],
            topics=["technology", "nuclear-politics"],
            cross_posts=[],
        ),
        PublicationSeed(
            slug="the-gulf-after-the-abraham-accords",
            values={
                "type": Publication.Type.POLICY_PAPER,
                "title": "The Gulf after the Abraham Accords",
                "summary": "Realignment in the Gulf and Pakistan's options.",
                "body": "<p>Under review by the editorial board.</p>",
                "status": Publication.Status.IN_REVIEW,
                "internal_notes": "Second reader: Dr Anum Riaz.",
            },
            authors=[
                ("syed-ali-abbas", PublicationAuthor.Role.AUTHOR),
                ("mobeen-jafar-mir", PublicationAuthor.Role.CO_AUTHOR),
            ],
            topics=["middle-east-politics", "foreign-policy"],
            cross_posts=[],
        ),
        PublicationSeed(
            slug="pakistans-next-steps-in-space",
            values={
                "type": Publication.Type.ISSUE_BRIEF,
                "title": "Pakistan's Next Steps in Space",
                "summary": "Scheduled: what SUPARCO should prioritise after the first crewed flight.",
                "body": "<p>Scheduled to go live by itself at its publication time.</p>",
                "status": live,
                "published_at": _scheduled_time("pakistans-next-steps-in-space", now),
            },
            authors=[("anum-riaz", PublicationAuthor.Role.AUTHOR)],
            topics=["space-policy", "strategy"],
            cross_posts=[],
        ),
    ]


def _scheduled_time(slug: str, now: dt.datetime) -> dt.datetime:
    # The scheduled piece must stay in the future whenever the demo is loaded; once scheduled, its time
    # is kept so a second run changes nothing.
    stored = Publication.objects.filter(slug=slug).values_list("published_at", flat=True).first()
    if stored is not None and stored > now:
        return stored
    return (
        (now + dt.timedelta(days=7)).astimezone(KARACHI).replace(hour=10, minute=0, second=0, microsecond=0)
    )


BYLINE_FIELDS = ["author_id", "role", "position"]
CROSS_POST_FIELDS = ["outlet_id", "url", "relation", "published_on", "is_canonical"]


class _Writer:
    """Counts the rows it writes, so the command can report that a second run wrote nothing. Topics,
    series, outlets, authors and publications are written by their services, so the demo's writes have the
    side effects of every other write (search vectors, change log)."""

    def __init__(self) -> None:
        self.rows_written = 0

    def upsert(
        self,
        model: type[models.Model],
        slug: str,
        values: dict[str, Any],
        *,
        create: Callable[..., Any],
        update: Callable[..., Any],
    ) -> Any:
        """The row with this slug, created or brought up to date by `create(slug=..., **values)` or
        `update(obj, **values)`; written only if something differs."""
        obj = model._default_manager.filter(slug=slug).first()
        if obj is not None and all(getattr(obj, name) == value for name, value in values.items()):
            return obj
        self.rows_written += 1
        return create(slug=slug, **values) if obj is None else update(obj, **values)

    def upsert_publication(
        self,
        slug: str,
        values: dict[str, Any],
        *,
        byline: list[PublicationAuthor],
        topics: list[Topic],
        cross_posts: list[CrossPost],
    ) -> None:
        """The publication with its byline, topics and cross-posts, written in one service call if any of
        them differs; a byline or cross-posts that differ are replaced whole."""
        publication = Publication.objects.filter(slug=slug).first()
        if publication is None:
            publication_create(
                publication=Publication(slug=slug, **values),
                byline=byline,
                topics=topics,
                cross_posts=cross_posts,
            )
            self.rows_written += 1 + len(byline) + len(cross_posts) + bool(topics)
            return
        fields_differ = any(getattr(publication, name) != value for name, value in values.items())
        byline_differs = _differ(publication.authorships.order_by("position"), byline, BYLINE_FIELDS)
        cross_posts_differ = _differ(publication.cross_posts.order_by("pk"), cross_posts, CROSS_POST_FIELDS)
        topics_differ = set(publication.topics.values_list("pk", flat=True)) != {topic.pk for topic in topics}
        if not (fields_differ or byline_differs or cross_posts_differ or topics_differ):
            return
        for name, value in values.items():
            setattr(publication, name, value)
        publication_update(
            publication=publication,
            byline=byline if byline_differs else (),
            byline_removed=list(publication.authorships.all()) if byline_differs else (),
            topics=topics if topics_differ else None,
            cross_posts=cross_posts if cross_posts_differ else (),
            cross_posts_removed=list(publication.cross_posts.all()) if cross_posts_differ else (),
        )
        self.rows_written += fields_differ + topics_differ
        self.rows_written += len(byline) * byline_differs + len(cross_posts) * cross_posts_differ

    def replace_rows(
        self, manager: models.Manager, parent_field: str, parent: models.Model, rows: list[dict[str, Any]]
    ) -> None:
        """Make the related rows equal `rows`, in that order; untouched when they already are."""
        fields = list(rows[0]) if rows else ["pk"]
        if [dict(zip(fields, values, strict=True)) for values in manager.values_list(*fields)] == rows:
            return
        manager.all().delete()
        for row in rows:
            obj = manager.model(**{parent_field: parent}, **row)
            obj.full_clean()
            obj.save()
            self.rows_written += 1

    def set_m2m(self, manager: ManyRelatedManager, objs: list[models.Model]) -> None:
        if {obj.pk for obj in manager.all()} != {obj.pk for obj in objs}:
            manager.set(objs)
            self.rows_written += 1


@transaction.atomic
def load_demo(*, now: dt.datetime | None = None) -> int:
    """Load the demo catalogue and return how many rows were written (0 when it was already loaded)."""
    now = now or timezone.now()
    writer = _Writer()
    topics = {
        slug: writer.upsert(
            Topic,
            slug,
            {"name": name},
            create=topic_create,
            update=lambda obj, **v: topic_update(topic=obj, **v),
        )
        for slug, name in TOPICS.items()
    }
    outlets = {
        row["slug"]: writer.upsert(
            Outlet,
            row["slug"],
            {"name": row["name"], "domain": row["domain"], "homepage": f"https://{row['domain']}/"},
            create=outlet_create,
            update=lambda obj, **v: outlet_update(outlet=obj, **v),
        )
        for row in OUTLETS
    }
    series = {
        row["slug"]: writer.upsert(
            Series,
            row["slug"],
            _without(row, "slug"),
            create=series_create,
            update=lambda obj, **v: series_update(series=obj, **v),
        )
        for row in SERIES
    }

    authors = {}
    for row in AUTHORS:
        values = _without(row, "slug", "positions", "education", "works", "links", "interests", "outlets")
        values["bio"] = sanitize_html(values["bio"])
        author = authors[row["slug"]] = writer.upsert(
            Author,
            row["slug"],
            values,
            create=author_create,
            update=lambda obj, **v: author_update(author=obj, **v),
        )
        for manager, rows in [
            (author.positions, row["positions"]),
            (author.education, row["education"]),
            (author.works, row["works"]),
            (author.links, row["links"]),
        ]:
            writer.replace_rows(manager, "author", author, _numbered(rows))
        writer.set_m2m(author.interests, [topics[slug] for slug in row["interests"]])
        writer.set_m2m(author.outlets, [outlets[slug] for slug in row["outlets"]])

    for seed in _publications(now):
        values = dict(seed.values)
        values["body"] = sanitize_html(values["body"])
        values["series"] = series[values["series"]] if "series" in values else None
        values["first_published_at"] = (
            values["published_at"] if values["status"] == Publication.Status.PUBLISHED else None
        )
        writer.upsert_publication(
            seed.slug,
            values,
            byline=[
                PublicationAuthor(author_id=authors[slug].pk, role=role, position=position)
                for position, (slug, role) in enumerate(seed.authors)
            ],
            topics=[topics[slug] for slug in seed.topics],
            cross_posts=[
                CrossPost(**_without(row, "outlet"), outlet_id=outlets[row["outlet"]].pk)
                for row in seed.cross_posts
            ],
        )
    return writer.rows_written


def _differ(stored: models.QuerySet, rows: Sequence[models.Model], fields: list[str]) -> bool:
    """Whether the stored rows differ from the unsaved `rows`, in order, in the fields the demo sets."""
    return list(stored.values(*fields)) != [{name: getattr(row, name) for name in fields} for row in rows]


def _without(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in keys}


def _numbered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "position": position} for position, row in enumerate(rows)]
