"""The editors' workflow in the publication admin, driven through real admin POSTs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from publications.models import CrossPost, Publication, PublicationAuthor
from publications.services import publication_publish, publication_unpublish
from taxonomy.models import Outlet
from tests.factories import (
    AuthorFactory,
    CrossPostFactory,
    OutletFactory,
    PublicationFactory,
    TopicFactory,
)
from tooling.corpus import generate_corpus

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:publications_publication_changelist")
ADD = reverse("admin:publications_publication_add")


def change_url(publication: Publication) -> str:
    return reverse("admin:publications_publication_change", args=[publication.pk])


def inline(prefix: str, rows: list[dict[str, Any]], *, initial: int = 0) -> dict[str, Any]:
    """The POST data of an admin inline: its management form and one block of fields per row."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def publication_post(
    *,
    authorships: list[dict[str, Any]] = (),
    cross_posts: list[dict[str, Any]] = (),
    initial_authorships: int = 0,
    initial_cross_posts: int = 0,
    **fields: Any,
) -> dict[str, Any]:
    """What the publication change form posts: its fields plus both inlines."""
    data = {
        "type": Publication.Type.COMMENTARY,
        "title": "Pakistan and the Outer Space Treaty",
        "subtitle": "",
        "slug": "pakistan-and-the-outer-space-treaty",
        "summary": "",
        "body": "<p>Text.</p>",
        "language": "en",
        "status": Publication.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "loaded_version": "",
        "series": "",
        "volume": "",
        "issue": "",
        "lead_image": "",
        "doi": "",
        "report_number": "",
        "internal_notes": "",
        **fields,
    }
    data.update(inline("authorships", list(authorships), initial=initial_authorships))
    data.update(inline("cross_posts", list(cross_posts), initial=initial_cross_posts))
    return data


def byline(publication: Publication) -> list[str]:
    return [a.author.name for a in publication.authorships.order_by("position")]


def assert_deferred_constraints_hold() -> None:
    # Tests never commit, so Postgres would not run the deferred byline-order check; this runs it now.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def formset(response, prefix: str):
    return next(f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == prefix)


# --- Creating and editing ------------------------------------------------------------------------------


def test_editor_creates_publication_with_ordered_authors_topics_and_cross_post(editor_client):
    first, second, third = (
        AuthorFactory(name="Created First"),
        AuthorFactory(name="Created Second"),
        (AuthorFactory(name="Created Third")),
    )
    space, diplomacy = TopicFactory(name="Space policy"), TopicFactory(name="Diplomacy")
    response = editor_client.post(
        reverse("admin:taxonomy_outlet_add"),
        {
            "name": "Strafasia",
            "slug": "strafasia",
            "homepage": "https://strafasia.com/",
            "domain": "strafasia.com",
        },
    )
    assert response.status_code == 302
    strafasia = Outlet.objects.get(slug="strafasia")

    # The byline is chosen by position, not by the order of the rows or of the authors' creation.
    response = editor_client.post(
        ADD,
        publication_post(
            topics=[space.pk, diplomacy.pk],
            authorships=[
                {"author": first.pk, "role": "co_author", "position": "3"},
                {"author": second.pk, "role": "author", "position": "1"},
                {"author": third.pk, "role": "co_author", "position": "2"},
            ],
            cross_posts=[
                {
                    "outlet": strafasia.pk,
                    "url": "https://strafasia.com/pakistan-and-the-outer-space-treaty/",
                    "relation": CrossPost.Relation.ANOTHER_FORM,
                    "published_on": "2025-03-05",
                }
            ],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    publication = Publication.objects.get(slug="pakistan-and-the-outer-space-treaty")
    assert byline(publication) == ["Created Second", "Created Third", "Created First"]
    assert list(publication.authorships.order_by("position").values_list("position", "role")) == [
        (0, "author"),
        (1, "co_author"),
        (2, "co_author"),
    ]
    assert set(publication.topics.all()) == {space, diplomacy}
    cross_post = publication.cross_posts.get()
    assert (cross_post.outlet, cross_post.relation, cross_post.is_canonical, cross_post.published_on) == (
        strafasia,
        CrossPost.Relation.ANOTHER_FORM,
        False,
        dt.date(2025, 3, 5),
    )
    assert publication.status == Publication.Status.DRAFT


def test_editor_swaps_two_authors_in_one_save(editor_client):
    first, second, third = AuthorFactory(name="One"), AuthorFactory(name="Two"), AuthorFactory(name="Three")
    publication = PublicationFactory(authors=[first, second, third])
    rows = list(publication.authorships.order_by("position"))
    loaded = editor_client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()

    response = editor_client.post(
        change_url(publication),
        publication_post(
            title=publication.title,
            slug=publication.slug,
            loaded_version=loaded,
            initial_authorships=3,
            authorships=[
                {
                    "id": row.pk,
                    "publication": publication.pk,
                    "author": row.author_id,
                    "role": row.role,
                    "position": str(new_position),
                }
                for row, new_position in zip(rows, [1, 0, 2], strict=True)
            ],
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert byline(publication) == ["Two", "One", "Three"]


def edit_byline(client, publication: Publication, rows: list[dict[str, Any]]):
    """POST the change form of a saved piece with these byline rows (existing ones carry their "id")."""
    loaded = client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()
    return client.post(
        change_url(publication),
        publication_post(
            title=publication.title,
            slug=publication.slug,
            loaded_version=loaded,
            initial_authorships=sum(1 for row in rows if "id" in row),
            authorships=[{"publication": publication.pk, "role": "author", **row} for row in rows],
        ),
    )


def saved_rows(publication: Publication) -> list[dict[str, Any]]:
    """The byline as its change form shows it: one row per author, with its id and position."""
    return [
        {"id": row.pk, "author": row.author_id, "position": str(row.position)}
        for row in publication.authorships.order_by("position")
    ]


def positions(publication: Publication) -> list[tuple[str, int]]:
    return list(publication.authorships.order_by("position").values_list("author__name", "position"))


def test_adding_a_third_author_to_a_saved_piece_puts_them_last(editor_client):
    publication = PublicationFactory(authors=[AuthorFactory(name="One"), AuthorFactory(name="Two")])
    newcomer = AuthorFactory(name="Three")

    response = edit_byline(
        editor_client, publication, [*saved_rows(publication), {"author": newcomer.pk, "position": ""}]
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert positions(publication) == [("One", 0), ("Two", 1), ("Three", 2)]


def test_a_new_authors_row_starts_without_a_number(editor_client):
    publication = PublicationFactory(authors=[AuthorFactory()])

    extra = formset(editor_client.get(change_url(publication)), "authorships").forms[-1]

    assert extra["position"].value() is None


def test_adding_an_author_with_a_number_puts_them_there(editor_client):
    publication = PublicationFactory(authors=[AuthorFactory(name="One"), AuthorFactory(name="Two")])
    newcomer = AuthorFactory(name="Lead")

    response = edit_byline(
        editor_client, publication, [*saved_rows(publication), {"author": newcomer.pk, "position": "0"}]
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    # A tie keeps the row order: the new row comes after the first one, which also says 0.
    assert positions(publication) == [("One", 0), ("Lead", 1), ("Two", 2)]


def test_moving_an_author_up_by_typing_a_lower_number(editor_client):
    names = ["One", "Two", "Three"]
    publication = PublicationFactory(authors=[AuthorFactory(name=name) for name in names])
    rows = saved_rows(publication)
    rows[2]["position"] = "0"
    rows[0]["position"] = "1"

    response = edit_byline(editor_client, publication, rows)

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert positions(publication) == [("Three", 0), ("One", 1), ("Two", 2)]


def test_removing_an_author_closes_the_gap(editor_client):
    names = ["One", "Two", "Three"]
    publication = PublicationFactory(authors=[AuthorFactory(name=name) for name in names])
    rows = saved_rows(publication)
    rows[0]["DELETE"] = "on"

    response = edit_byline(editor_client, publication, rows)

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert positions(publication) == [("Two", 0), ("Three", 1)]


def test_removing_one_author_and_adding_another_in_one_save(editor_client):
    publication = PublicationFactory(authors=[AuthorFactory(name="One"), AuthorFactory(name="Two")])
    rows = saved_rows(publication)
    rows[0]["DELETE"] = "on"

    response = edit_byline(
        editor_client, publication, [*rows, {"author": AuthorFactory(name="New").pk, "position": ""}]
    )

    assert response.status_code == 302, response.context["errors"]
    assert_deferred_constraints_hold()
    assert positions(publication) == [("Two", 0), ("New", 1)]


def test_a_byline_clash_with_a_concurrent_edit_is_a_form_error_that_keeps_the_edit(editor_client):
    publication = PublicationFactory(authors=[AuthorFactory(name="One"), AuthorFactory(name="Two")])
    rows = saved_rows(publication)
    loaded = editor_client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()
    # A colleague adds an author meanwhile, without saving the publication itself.
    PublicationAuthor.objects.create(publication=publication, author=AuthorFactory(name="Theirs"), position=2)
    mine = AuthorFactory(name="Mine")

    # The title typed in the same submission must come back as typed.
    response = editor_client.post(
        change_url(publication),
        publication_post(
            title="My new title",
            slug=publication.slug,
            loaded_version=loaded,
            initial_authorships=2,
            authorships=[
                *[{"publication": publication.pk, "role": "author", **row} for row in rows],
                {"publication": publication.pk, "role": "author", "author": mine.pk, "position": ""},
            ],
        ),
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [
        "The authors or cross-posts of this publication were changed by someone else while you were "
        "editing, so nothing was saved. Check them against what you typed and save again."
    ]
    assert form["title"].value() == "My new title"
    assert formset(response, "authorships").forms[2]["author"].value() == str(mine.pk)
    assert_deferred_constraints_hold()
    publication.refresh_from_db()
    assert publication.title != "My new title"
    assert positions(publication) == [("One", 0), ("Two", 1), ("Theirs", 2)]


# --- Bad input gets a form error, never a 500 ------------------------------------------------------------


def test_duplicate_slug_is_a_form_error(editor_client):
    PublicationFactory(slug="taken")

    response = editor_client.post(ADD, publication_post(slug="taken"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["slug"] == ["Publication with this Slug already exists."]
    assert Publication.objects.count() == 1


def test_second_canonical_cross_post_in_one_submission_is_a_form_error(editor_client):
    outlet = OutletFactory()
    canonical = {"outlet": outlet.pk, "relation": CrossPost.Relation.ORIGINAL_ELSEWHERE, "is_canonical": "on"}

    response = editor_client.post(
        ADD,
        publication_post(
            cross_posts=[
                {**canonical, "url": "https://outlet.example.org/a/"},
                {**canonical, "url": "https://outlet.example.org/b/"},
            ]
        ),
    )

    assert response.status_code == 200
    assert formset(response, "cross_posts").non_form_errors() == [
        "Only one cross-post can be the canonical source."
    ]
    assert not Publication.objects.exists()


def test_malformed_cross_post_url_is_a_form_error(editor_client):
    response = editor_client.post(
        ADD,
        publication_post(
            cross_posts=[
                {"outlet": OutletFactory().pk, "url": "strafasia dot com", "relation": "another_form"}
            ]
        ),
    )

    assert response.status_code == 200
    assert formset(response, "cross_posts").errors[0]["url"] == ["Enter a valid URL."]
    assert not Publication.objects.exists()


def test_malformed_doi_is_a_form_error(editor_client):
    response = editor_client.post(ADD, publication_post(doi="https://doi.org/10.1234/x"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["doi"] == [
        'Enter a DOI such as "10.1234/ciss.2024.001", without "https://doi.org/".'
    ]


def test_published_without_a_date_is_a_form_error(editor_client):
    response = editor_client.post(ADD, publication_post(status=Publication.Status.PUBLISHED))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["published_at"] == [
        "Set when it goes live (now or a future time to schedule it)."
    ]
    assert not Publication.objects.exists()


def test_saving_a_stale_form_is_refused_and_keeps_the_other_edit(editor_client):
    publication = PublicationFactory(title="Original")
    loaded = editor_client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()
    publication.title = "Colleague's edit"
    publication.save()

    response = editor_client.post(
        change_url(publication),
        publication_post(title="My edit", slug=publication.slug, loaded_version=loaded),
    )

    assert response.status_code == 200
    # A bare save has no user; tests/publications/test_admin_revisions.py has the named colleague.
    [error] = response.context["adminform"].form.non_field_errors()
    assert error.startswith("Someone else (a script) saved this publication at ")
    assert "after you opened it" in error and "Nothing was saved." in error
    publication.refresh_from_db()
    assert publication.title == "Colleague's edit"


# --- Publishing ------------------------------------------------------------------------------------------


def test_publish_action_first_shows_what_goes_live_and_what_is_scheduled(editor_client):
    draft = PublicationFactory(title="Draft piece", ready=True)
    in_review = PublicationFactory(title="Reviewed piece", in_review=True, ready=True)
    dated_later = PublicationFactory(
        title="Dated piece", published_at=timezone.now() + dt.timedelta(days=2), ready=True
    )
    live = PublicationFactory(title="Live piece", published=True)

    response = editor_client.post(
        CHANGELIST,
        {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk, in_review.pk, dated_later.pk, live.pk]},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/publications/publication/publish_confirmation.html"
    assert [publication for publication, _ in response.context["live_now"]] == [draft]
    assert [publication for publication, _ in response.context["scheduled"]] == [dated_later]
    # A piece in review waits for an editor's approval: held back with the reason the service gives.
    [(held, readiness)] = response.context["blocked"]
    assert (held, readiness.blocking) == (in_review, ["A piece that is in review cannot be given “Publish”."])
    assert response.context["already_live"] == [live]
    # Nothing changed until the editor confirms.
    assert set(Publication.objects.published()) == {live}
    assert not Publication.objects.filter(status=Publication.Status.PUBLISHED).exclude(pk=live.pk).exists()


def test_confirmed_publish_action_publishes_and_schedules_through_the_service(editor_client, editor):
    draft = PublicationFactory(ready=True)
    later = timezone.now() + dt.timedelta(days=2)
    dated_later = PublicationFactory(published_at=later, ready=True)

    response = editor_client.post(
        CHANGELIST,
        {"action": "publish", "post": "yes", ACTION_CHECKBOX_NAME: [draft.pk, dated_later.pk]},
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    dated_later.refresh_from_db()
    assert draft.is_live and draft.first_published_at == draft.published_at
    assert dated_later.is_scheduled and dated_later.published_at == later
    assert list(Publication.objects.published()) == [draft]
    # The history entries are written by publications.services, so the action went through it.
    messages = dict(LogEntry.objects.filter(user=editor).values_list("object_id", "change_message"))
    assert messages[str(draft.pk)] == "Published"
    assert messages[str(dated_later.pk)].startswith("Scheduled for ")


def test_unpublish_action_returns_live_and_scheduled_pieces_to_draft(editor_client, editor):
    live = PublicationFactory(published=True)
    scheduled = PublicationFactory(scheduled=True)
    draft = PublicationFactory()

    response = editor_client.post(
        CHANGELIST,
        {"action": "unpublish", "post": "yes", ACTION_CHECKBOX_NAME: [live.pk, scheduled.pk, draft.pk]},
    )

    assert response.status_code == 302
    assert set(Publication.objects.values_list("status", flat=True)) == {Publication.Status.DRAFT}
    assert not Publication.objects.published().exists()
    assert sorted(LogEntry.objects.filter(user=editor).values_list("object_id", "change_message")) == sorted(
        [(str(live.pk), "Unpublished"), (str(scheduled.pk), "Unpublished")]
    )


# --- Finding things ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [("draft", "Draft"), ("in_review", "In review"), ("scheduled", "Scheduled"), ("live", "Live")],
)
def test_state_filter_tells_scheduled_from_live(editor_client, state, expected):
    PublicationFactory(title="Draft")
    PublicationFactory(title="In review", in_review=True)
    PublicationFactory(title="Scheduled", scheduled=True)
    PublicationFactory(title="Live", published=True)

    response = editor_client.get(CHANGELIST, {"state": state})

    assert response.status_code == 200
    assert [p.title for p in response.context["cl"].result_list] == [expected]


def test_view_on_site_is_offered_for_live_pieces_only(editor_client, settings):
    settings.SITE_URL = "https://ciss.example"  # a deployed public site (test_admin_links.py: without one)
    live = PublicationFactory(slug="live-piece", published=True)
    scheduled = PublicationFactory(scheduled=True)

    live_page = editor_client.get(change_url(live))
    scheduled_page = editor_client.get(change_url(scheduled))

    assert live_page.context["absolute_url"] == f"{settings.SITE_URL}/publications/live-piece/"
    assert scheduled_page.context["has_absolute_url"] is False


def test_changelist_query_count_does_not_grow_with_rows(editor_client):
    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(CHANGELIST).status_code == 200
        return len(queries)

    publication = PublicationFactory(published=True, authors=[AuthorFactory(), AuthorFactory()])
    CrossPostFactory(publication=publication)
    few = page_queries()
    for _ in range(5):
        PublicationFactory(published=True, authors=[AuthorFactory(), AuthorFactory()])

    assert page_queries() == few


def author_filter(response):
    """The changelist's byline filter (BylineAuthorFilter)."""
    [spec] = [spec for spec in response.context["cl"].filter_specs if spec.title == "authors"]
    return spec


def test_the_author_filter_is_a_search_box_not_a_link_per_author(client, member_of):
    editor, contributor = member_of("editors"), member_of("contributors")
    writers = [AuthorFactory(name=f"Writer {n}", honorific="") for n in range(11)]
    writers.append(AuthorFactory(name="Zubair Iqbal", honorific=""))
    pieces = [PublicationFactory(authors=[writer]) for writer in writers]
    own = PublicationFactory(authors=[writers[0]], created_by=contributor)

    client.force_login(editor)
    response = client.get(CHANGELIST)
    html = response.content.decode()
    # "All" and "-" (no author) as links; the authors are asked for in the box, as they are typed.
    assert [choice["display"] for choice in author_filter(response).choices(response.context["cl"])] == [
        "All",
        "-",
    ]
    assert 'id="author-filter-box"' in html and 'data-field-name="authors"' in html
    assert "admin/js/autocomplete.js" in html and "publications/author_filter.js" in html
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "publications",
            "model_name": "publication",
            "field_name": "authors",
            "term": "Zubair",
        },
    )
    assert [row["text"] for row in found.json()["results"]] == ["Zubair Iqbal"]

    # Chosen, with another filter and a search kept: the box shows the author, the list their pieces.
    chosen = client.get(CHANGELIST, {"authors__id__exact": writers[0].pk, "type": own.type, "q": ""})
    assert set(chosen.context["cl"].result_list) == {pieces[0], own}
    assert f'<option value="{writers[0].pk}" selected>Writer 0</option>' in chosen.content.decode()
    assert ("type", own.type) in author_filter(chosen).kept_parameters
    # A contributor filtering by an author still sees only their own pieces.
    client.force_login(contributor)
    assert list(client.get(CHANGELIST, {"authors__id__exact": writers[0].pk}).context["cl"].result_list) == [
        own
    ]


@pytest.mark.parametrize("authors", [3, 60])
def test_the_changelists_queries_do_not_grow_with_authors(editor_client, django_assert_num_queries, authors):
    writers = [AuthorFactory() for _ in range(authors)]
    for pair in zip(writers[::2], writers[1::2], strict=False):
        PublicationFactory(authors=list(pair))
    chosen = writers[0].pk

    # The session, the user, the topic and series filters' links, the count of the list and of every piece,
    # the page, its bylines, the date hierarchy's bounds and years, the languages. No query for authors.
    with django_assert_num_queries(11):
        assert editor_client.get(CHANGELIST).status_code == 200
    # Choosing an author adds one: the chosen author, shown in the filter's box.
    with django_assert_num_queries(12):
        assert editor_client.get(CHANGELIST, {"authors__id__exact": chosen}).status_code == 200


def test_the_admin_list_its_count_and_dates_read_the_admin_index_not_every_row(editor_client):
    """The list not in the trash, newest first (drafts without a date on top): at 100,000 pieces its page,
    its count and its date hierarchy each read every row (0.1-0.2 s apiece) before publication_admin_idx."""
    generate_corpus(publications=1500, authors=30)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert editor_client.get(CHANGELIST).status_code == 200

    table = Publication._meta.db_table
    read = [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"]]

    def plan(sql: str, *, rows_cheap: bool = False) -> str:
        with connection.cursor() as cursor:
            if rows_cheap:
                # 1,500 rows fit a few pages, and an index-only scan pays off only once VACUUM marks them
                # all-visible (not in a test's transaction): what is checked is that the index alone can
                # answer, as it does at 100,000 pieces.
                cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            found = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET LOCAL enable_seqscan = on; SET LOCAL enable_bitmapscan = on")
        return found

    page = next(sql for sql in read if "LIMIT 50" in sql)
    bounds = next(sql for sql in read if 'MIN("' in sql)
    for sql in (page, bounds):
        assert "publication_admin_idx" in plan(sql), plan(sql)
        assert "Sort" not in plan(sql), plan(sql)
    count = next(sql for sql in read if "COUNT(*)" in sql and "trashed_at" in sql)
    assert "Index Only Scan using publication_admin_idx" in plan(count, rows_cheap=True)
    languages = next(sql for sql in read if 'DISTINCT "publications_publication"."language"' in sql)
    assert "Index Only Scan using publication_language_idx" in plan(languages, rows_cheap=True)


# --- Publishing needs its own permission ----------------------------------------------------------------


@pytest.fixture
def reviser():
    """Staff who may view and change publications but not publish them."""
    user = get_user_model().objects.create_user("reviser", password="a-long-test-password", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="publications",
            codename__in=["view_publication", "change_publication", "add_publication"],
        )
    )
    return user


@pytest.fixture
def reviser_client(client, reviser):
    client.force_login(reviser)
    return client


@pytest.fixture
def publisher(reviser):
    reviser.user_permissions.add(Permission.objects.get(codename="publish_publication"))
    return get_user_model().objects.get(pk=reviser.pk)  # a fresh instance: permissions are cached


def test_without_publish_permission_the_actions_are_not_offered(reviser_client):
    response = reviser_client.get(CHANGELIST)

    # Without any action left (delete needs its own permission too) Django shows no action menu at all.
    action_form = response.context["action_form"]
    actions = [value for value, _ in action_form.fields["action"].choices] if action_form else []
    assert "publish" not in actions and "unpublish" not in actions


def test_without_publish_permission_a_posted_publish_action_changes_nothing(reviser_client):
    draft = PublicationFactory()
    live = PublicationFactory(published=True)

    for action in ("publish", "unpublish"):
        reviser_client.post(
            CHANGELIST, {"action": action, "post": "yes", ACTION_CHECKBOX_NAME: [draft.pk, live.pk]}
        )

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == Publication.Status.DRAFT
    assert live.is_live


def test_without_publish_permission_status_and_time_are_read_only(reviser_client):
    publication = PublicationFactory()

    form = reviser_client.get(change_url(publication)).context["adminform"].form

    assert "status" not in form.fields and "published_at" not in form.fields
    assert "title" in form.fields


def test_without_publish_permission_a_crafted_post_cannot_publish(reviser_client):
    publication = PublicationFactory(title="Draft")
    loaded = reviser_client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()
    now = timezone.localtime()

    response = reviser_client.post(
        change_url(publication),
        publication_post(
            title="Edited draft",
            slug=publication.slug,
            loaded_version=loaded,
            status=Publication.Status.PUBLISHED,
            published_at_0=f"{now:%Y-%m-%d}",
            published_at_1=f"{now:%H:%M:%S}",
        ),
    )

    assert response.status_code == 302
    publication.refresh_from_db()
    # The editable part of the edit is saved; the publishing part is refused.
    assert publication.title == "Edited draft"
    assert (publication.status, publication.published_at) == (Publication.Status.DRAFT, None)
    assert not Publication.objects.published().exists()


def test_without_publish_permission_a_new_piece_is_a_draft_whatever_is_posted(reviser_client):
    now = timezone.localtime()

    response = reviser_client.post(
        ADD,
        publication_post(
            status=Publication.Status.PUBLISHED,
            published_at_0=f"{now:%Y-%m-%d}",
            published_at_1=f"{now:%H:%M:%S}",
        ),
    )

    assert response.status_code == 302
    assert Publication.objects.get().status == Publication.Status.DRAFT


def test_with_publish_permission_staff_may_publish_from_the_form(client, publisher):
    client.force_login(publisher)
    publication = PublicationFactory(ready=True)
    loaded = client.get(change_url(publication)).context["adminform"].form["loaded_version"].value()
    now = timezone.localtime() - dt.timedelta(minutes=1)

    response = client.post(
        change_url(publication),
        publication_post(
            title=publication.title,
            slug=publication.slug,
            loaded_version=loaded,
            status=Publication.Status.PUBLISHED,
            published_at_0=f"{now:%Y-%m-%d}",
            published_at_1=f"{now:%H:%M:%S}",
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    assert list(Publication.objects.published()) == [publication]


def test_the_service_refuses_a_user_without_publish_permission(reviser):
    draft = PublicationFactory()
    live = PublicationFactory(published=True)

    with pytest.raises(PermissionDenied):
        publication_publish(publication=draft, by=reviser)
    with pytest.raises(PermissionDenied):
        publication_unpublish(publication=live, by=reviser)

    draft.refresh_from_db()
    live.refresh_from_db()
    assert draft.status == Publication.Status.DRAFT
    assert live.is_live


def test_the_service_lets_publishers_and_superusers_publish(publisher, editor):
    first, second = PublicationFactory(ready=True), PublicationFactory(ready=True)

    publication_publish(publication=first, by=publisher)
    publication_publish(publication=second, by=editor)
    publication_unpublish(publication=second, by=editor)

    assert list(Publication.objects.published()) == [first]


# --- Uploads ---------------------------------------------------------------------------------------------


def png(size: int | None = None) -> bytes:
    """A real 2x2 PNG, padded to `size` bytes if given (Pillow still opens it)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(buffer, format="PNG")
    return buffer.getvalue().ljust(size or 0, b"\0")


PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MAX_IMAGE_UPLOAD_BYTES = 1000
    settings.MAX_PDF_UPLOAD_BYTES = 1000
    return tmp_path


def post_with_files(client, **files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = {name: SimpleUploadedFile(filename, content) for name, (filename, content) in files.items()}
    return client.post(ADD, {**publication_post(), **uploads})


def test_a_real_image_and_pdf_within_bounds_are_accepted(editor_client, media):
    response = post_with_files(editor_client, pdf=("paper.pdf", PDF))

    assert response.status_code == 302, response.context["errors"]
    publication = Publication.objects.get()
    assert publication.pdf.read() == PDF


@pytest.mark.parametrize(
    ("field", "upload", "error"),
    [
        (
            "pdf",
            ("paper.pdf", PDF.ljust(2048, b"\0")),
            "This file is 2.0\xa0KB; the most allowed is 1000\xa0bytes.",
        ),
        ("pdf", ("paper.pdf", b"<html><script>alert(1)</script></html>"), None),
        ("pdf", ("paper.pdf", png()), None),
    ],
    ids=["pdf-too-large", "html-as-pdf", "png-as-pdf"],
)
def test_an_oversized_or_disguised_upload_is_a_form_error(editor_client, media, field, upload, error):
    response = post_with_files(editor_client, **{field: upload})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors[field]
    expected = (
        error
        or {
            "pdf": "This file is not a PDF (it does not start with %PDF-).",
            "image": "Upload a valid image. The file you uploaded was either not an image or a corrupted "
            "image.",
        }[field]
    )
    assert errors == [expected]
    assert not Publication.objects.exists()
    assert not any(media.rglob("*.*"))
