"""`manage.py import_wordpress`: the test site's export into the catalogue, again, and to the public."""

from __future__ import annotations

import datetime as dt
import io

import feedparser
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse

from authors.models import Author
from media.models import Image
from publications.models import CrossPost, LegacyPath, Publication, PublicationChange, RelatedCandidates
from publications.related import related_candidates_rebuild_missing
from publications.services import publication_trash, publication_update
from publications.tasks import _defer_rebuild
from taxonomy.models import Outlet, Topic
from tooling.models import ImportedObject
from tooling.wordpress import importer

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def run(path, *args):
    """Run the command; its output and its stderr (the progress bar)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_wordpress", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def piece(wp_id: int) -> Publication:
    record = ImportedObject.objects.get(kind="publication", wp_id=str(wp_id))
    return Publication.objects.get(pk=record.object_id)


def byline(publication: Publication) -> list[str]:
    return [row.author.name for row in publication.authorships.order_by("position")]


def test_every_status_becomes_its_state(site_xml, write_export):
    output, _ = run(write_export(site_xml))

    assert (piece(101).status, piece(101).published_at) == (
        "published",
        dt.datetime(2021, 3, 4, 7, 30, tzinfo=UTC),
    )
    assert piece(101).first_published_at == piece(101).published_at
    assert piece(102).status == "published"
    # Drafts are exported without a GMT date: the site's offset (+5, from posts with both) is taken off.
    assert (piece(103).status, piece(103).published_at) == (
        "draft",
        dt.datetime(2021, 5, 1, 5, 0, tzinfo=UTC),
    )
    assert piece(104).status == "draft"  # pending
    assert piece(105).status == "draft"  # private
    assert piece(106).is_scheduled  # future
    assert piece(106).published_at == dt.datetime(2099, 1, 1, 5, 0, tzinfo=UTC)
    # The change feed announces the scheduled piece at its time, and nothing of the drafts.
    assert PublicationChange.objects.get(publication_id=piece(106).pk).effective_at == piece(106).published_at
    assert not PublicationChange.objects.filter(publication_id__in=[piece(103).pk, piece(104).pk]).exists()
    assert not ImportedObject.objects.filter(wp_id__in=["107", "108"]).exists()  # trash; a page by default
    assert set(Publication.objects.published().values_list("slug", flat=True)) == {
        "deterrence-ocean",
        "originally-elsewhere",
    }
    assert piece(101).comments_enabled and not piece(102).comments_enabled
    assert piece(101).internal_notes == "Sticky on WordPress (shown first on its blog)."
    assert piece(103).slug == "a-draft"  # drafts have no post_name; the title gives one
    assert "skipped 1 trash" in output


def test_unpublished_posts_can_go_to_review_and_pages_to_a_type(site_xml, write_export):
    run(
        write_export(site_xml),
        "--unpublished-as",
        "in_review",
        "--post-type",
        "post=commentary",
        "--post-type",
        "page=report",
    )

    assert {piece(wp_id).status for wp_id in (103, 104, 105)} == {"in_review"}
    assert (piece(108).type, piece(108).status) == ("report", "published")


def test_the_utc_offset_of_drafts_can_be_given(site_xml, write_export):
    run(write_export(site_xml), "--utc-offset=-03:30")

    assert piece(103).published_at == dt.datetime(2021, 5, 1, 13, 30, tzinfo=UTC)


def test_co_authors_plus_guests_make_the_byline_in_the_plugins_order(site_xml, write_export):
    swapped = site_xml.replace(
        '<category domain="author" nicename="cap-jane-doe"><![CDATA[jane-doe]]></category>\n'
        '\t\t<category domain="author" nicename="cap-editor"><![CDATA[editor]]></category>',
        '<category domain="author" nicename="cap-editor"><![CDATA[editor]]></category>\n'
        '\t\t<category domain="author" nicename="cap-jane-doe"><![CDATA[jane-doe]]></category>',
    )
    assert swapped != site_xml
    run(write_export(site_xml, "first.xml"))
    assert byline(piece(101)) == ["Dr Jane Doe", "Sam Editor"]
    # A post without co-author terms has its dc:creator.
    assert byline(piece(102)) == ["Sam Editor"]

    jane = Author.objects.get(name="Dr Jane Doe")
    assert (jane.kind, jane.email, jane.sort_name) == ("guest", "jane@private.example.org", "Doe, Jane")
    assert jane.short_bio == "Jane studies naval strategy."
    assert [link.url for link in jane.links.all()] == ["https://janedoe.example.org"]

    run(write_export(swapped, "second.xml"))
    assert byline(piece(101)) == ["Sam Editor", "Dr Jane Doe"]
    assert Author.objects.count() == 2


def test_nested_categories_become_nested_topics_and_tags_topics(site_xml, write_export):
    run(write_export(site_xml))

    topics = {topic.slug: topic for topic in Topic.objects.all()}
    assert set(topics) == {"security", "nuclear", "arms-control", "south-asia"}
    assert topics["arms-control"].parent == topics["nuclear"]
    assert topics["nuclear"].parent == topics["security"]
    assert topics["security"].parent is None
    assert topics["nuclear"].name == "Nuclear & strategic"
    assert sorted(piece(101).topics.values_list("slug", flat=True)) == ["arms-control", "south-asia"]


def test_cross_post_lines_become_cross_posts_and_leave_the_text(site_xml, write_export):
    run(write_export(site_xml))

    first = piece(101)
    [cross_post] = first.cross_posts.all()
    assert (cross_post.url, cross_post.relation) == (
        "https://www.nationalinterest.org/feature/deterrence-1234",
        "another_form",
    )
    assert cross_post.outlet.domain == "nationalinterest.org"
    assert "another form" not in first.body
    second = piece(102)
    assert sorted(second.cross_posts.values_list("outlet__domain", "relation")) == [
        ("dawn.com", CrossPost.Relation.ORIGINAL_ELSEWHERE),
        ("southasianvoices.org", CrossPost.Relation.ORIGINAL_ELSEWHERE),
        ("strafasia.com", CrossPost.Relation.ORIGINAL_ELSEWHERE),
    ]
    assert second.body == "<p>The body.</p>"
    assert second.summary == "A summary."
    assert Outlet.objects.count() == 4


def test_the_body_gets_wordpress_paragraphs_without_shortcodes(site_xml, write_export):
    output, _ = run(write_export(site_xml))

    body = piece(101).body
    assert body.startswith("<p>First paragraph about the sea 🌊.<br>\nSecond line of it.</p>")
    assert "<figcaption>The fleet at dawn</figcaption></figure>" in body
    assert "a ]]&gt; b and [sic] and [1]." in body
    assert "<p>Kept inside a row.</p>" in body
    assert "contact-form" not in body and "vc_row" not in body
    assert "Shortcodes removed: [contact-form-7] (1), [vc_row] (1)" in output
    assert piece(101).title == "Deterrence & the Ocean: a view"


def test_images_come_into_the_library_from_the_media_dir(site_xml, write_export, uploads):
    run(write_export(site_xml), "--media-dir", str(uploads))

    [image] = Image.objects.all()
    assert (image.alt, image.caption, image.width) == ("A ship at sea", "The fleet at dawn", 60)
    first = piece(101)
    assert first.lead_image == image
    # The body's resized copy (ship-300x200.jpg) is the same attachment: the library's file.
    assert f'<img src="{image.file.url}" alt="A ship at sea"' in first.body
    assert "wp-content" not in first.body


def test_a_file_that_is_no_image_stays_where_it_was(site_xml, write_export, uploads):
    (uploads / "2021" / "03" / "ship.jpg").write_bytes(b"%PDF-1.4 not an image")

    output, _ = run(write_export(site_xml), "--media-dir", str(uploads))

    assert not Image.objects.exists()
    assert "note: image 2021/03/ship.jpg not imported:" in output
    assert piece(101).lead_image is None


def test_a_cross_post_line_with_a_broken_address_is_left_out(site_xml, write_export):
    broken = site_xml.replace("https://strafasia.com/two", "https://strafasia..com/two")

    output, _ = run(write_export(broken))

    assert sorted(piece(102).cross_posts.values_list("outlet__domain", flat=True)) == [
        "dawn.com",
        "southasianvoices.org",
    ]
    assert "is not a valid URL: left out" in output


def test_without_a_media_dir_image_addresses_are_kept_and_listed(site_xml, write_export):
    output, _ = run(write_export(site_xml))

    assert not Image.objects.exists()
    assert piece(101).lead_image is None
    assert (
        'src="https://thinktank.example.org/wp-content/uploads/2021/03/ship-300x200.jpg"' in piece(101).body
    )
    assert "Image addresses kept as they were (2):" in output
    assert "  https://thinktank.example.org/wp-content/uploads/2021/03/ship.jpg" in output


@pytest.mark.parametrize("cut_at", ["<title><![CDATA[A draft]]>", "</channel>"])
def test_a_truncated_export_imports_nothing(site_xml, write_export, cut_at):
    cut = site_xml[: site_xml.index(cut_at) + 12]

    with pytest.raises(
        CommandError, match=r"not well-formed XML at line \d+, column \d+.*Nothing was imported"
    ):
        run(write_export(cut))
    assert not Publication.objects.exists()
    assert not Topic.objects.exists() and not Author.objects.exists() and not ImportedObject.objects.exists()


def test_a_malformed_export_imports_nothing(site_xml, write_export):
    broken = site_xml.replace("<wp:post_id>106</wp:post_id>", "<wp:post_id>106</wp:post_id><oops>")

    with pytest.raises(CommandError, match="mismatched tag"):
        run(write_export(broken))
    assert not Publication.objects.exists()


def test_a_second_run_changes_nothing_and_duplicates_nothing(site_xml, write_export):
    path = write_export(site_xml)
    run(path)
    revisions = Publication.history.model.objects.count()
    changes = PublicationChange.objects.count()

    output, _ = run(path)

    assert "unchanged 6 publication" in output
    assert Publication.objects.count() == 6
    assert Author.objects.count() == 2 and Topic.objects.count() == 4 and Outlet.objects.count() == 4
    assert LegacyPath.objects.count() == 11
    assert Publication.history.model.objects.count() == revisions
    assert PublicationChange.objects.count() == changes


def test_a_changed_post_is_updated_with_a_revision(site_xml, write_export):
    run(write_export(site_xml, "first.xml"))
    updated_xml = site_xml.replace(
        "<![CDATA[Originally elsewhere]]>", "<![CDATA[Originally elsewhere, revised]]>"
    )

    output, _ = run(write_export(updated_xml, "second.xml"))

    second = piece(102)
    assert second.title == "Originally elsewhere, revised"
    assert "updated 1 publication" in output
    assert [revision.title for revision in second.history.order_by("history_date")] == [
        "Originally elsewhere",
        "Originally elsewhere, revised",
    ]
    assert PublicationChange.objects.filter(publication_id=second.pk).values_list("kind", flat=True)[::1] == [
        "published",
        "updated",
    ]


def test_a_state_changed_on_wordpress_follows_on_re_import(site_xml, write_export):
    run(write_export(site_xml, "first.xml"), "--unpublished-as", "in_review")
    assert (piece(101).status, piece(104).status) == ("published", "in_review")
    moved = site_xml.replace(
        "<wp:status><![CDATA[pending]]></wp:status>", "<wp:status><![CDATA[publish]]></wp:status>"
    ).replace(
        "<wp:post_name><![CDATA[deterrence-ocean]]></wp:post_name>\n\t\t<wp:status><![CDATA[publish]]>",
        "<wp:post_name><![CDATA[deterrence-ocean]]></wp:post_name>\n\t\t<wp:status><![CDATA[pending]]>",
    )

    output, _ = run(write_export(moved, "second.xml"), "--unpublished-as", "in_review")

    assert "updated 2 publication" in output
    assert piece(104).is_live
    assert piece(101).status == "in_review"
    assert not Publication.objects.published().filter(pk=piece(101).pk).exists()
    assert PublicationChange.objects.filter(publication_id=piece(101).pk).latest("id").kind == "unpublished"


def test_what_an_editor_changed_is_kept_unless_overwritten(site_xml, write_export):
    run(write_export(site_xml, "first.xml"))
    edited = piece(102)
    edited.title = "The editor's title"
    publication_update(publication=edited)
    updated_xml = site_xml.replace("<![CDATA[Originally elsewhere]]>", "<![CDATA[WordPress's new title]]>")
    path = write_export(updated_xml, "second.xml")

    output, _ = run(path)

    assert piece(102).title == "The editor's title"
    assert "kept editor's changes 1 publication" in output

    output, _ = run(path, "--overwrite")

    assert piece(102).title == "WordPress's new title"
    assert "updated 1 publication" in output


def test_a_piece_an_editor_deleted_is_not_brought_back(site_xml, write_export):
    path = write_export(site_xml)
    run(path)
    piece(103).delete()

    output, _ = run(path)

    assert Publication.objects.count() == 5
    assert "kept editor's changes 1 publication" in output

    run(path, "--overwrite")

    assert piece(103).title == "A draft"
    assert Publication.objects.count() == 6


def test_a_dry_run_prints_the_plan_and_saves_nothing(site_xml, write_export, uploads):
    output, _ = run(write_export(site_xml), "--dry-run", "--media-dir", str(uploads))

    assert "would have created post 101 “Deterrence & the Ocean: a view”" in output
    assert "would have created author “Dr Jane Doe”" in output
    assert "would have created image 2021/03/ship.jpg" in output
    assert "would have skipped post 107 “Binned” (trash)" in output
    assert (
        "Dry run, nothing saved. Would have: created 2 author, 1 image, 4 outlet, 6 publication, 4 topic"
        in output
    )
    assert not Publication.objects.exists() and not Author.objects.exists() and not Image.objects.exists()
    assert not ImportedObject.objects.exists() and not LegacyPath.objects.exists()


def test_a_published_post_failing_the_pre_publish_check_stays_live_and_is_reported(site_xml, write_export):
    emptied = site_xml.replace("<![CDATA[<p>The body.</p>", "<![CDATA[<p></p>").replace(
        "<p>It first appeared", "<p>It first appeared"
    )
    emptied = emptied.replace("<![CDATA[<p></p>\n<p>Originally", "<![CDATA[\n<p>Originally")

    output, _ = run(write_export(emptied))

    assert piece(102).is_live
    assert "live on WordPress, imported live, fails the pre-publish check: post 102" in output
    assert "No body" in output


def test_a_large_export_imports_in_batches_with_a_progress_bar_and_every_side_effect(
    write_export, monkeypatch, tmp_path
):
    from bench.wordpress import write_export as write_bench_export

    monkeypatch.setattr(importer, "BATCH_SIZE", 90)
    path = tmp_path / "large.xml"
    write_bench_export(path, posts=250)

    output, progress = run(path)

    assert "created 60 author" in output and "250 publication" in output
    assert "] 250/250 pieces\n" in progress
    live = Publication.objects.published()
    assert live.count() == 250
    assert not live.filter(search_vector__isnull=True).exists()
    assert live.filter(search_vector="word7").exists()
    assert PublicationChange.objects.filter(kind="published").count() == 250
    assert Publication.history.model.objects.count() == 250
    assert Publication.objects.filter(transitions__action="publish").count() == 250
    assert CrossPost.objects.count() == 50
    assert LegacyPath.objects.filter(path="/2011/02/02/piece-1").exists()
    # Fingerprints of the bulk path agree with the rows: a second run finds nothing changed.
    output, _ = run(path)
    assert "unchanged 250 publication" in output


# --- The old addresses ----------------------------------------------------------------------------------


@pytest.fixture
def imported(site_xml, write_export):
    run(write_export(site_xml), "--post-type", "post=commentary", "--post-type", "page=report")


@pytest.mark.parametrize(
    ("address", "wp_id"),
    [
        ("/2021/03/04/deterrence-ocean/", 101),
        ("/2021/03/04/deterrence-ocean", 101),
        ("/deterrence-ocean/", 101),
        ("/?p=101", 101),
        ("/?p=102&utm_source=x", 102),
        ("/?page_id=108", 108),
        ("/about/", 108),
        ("/anything/?p=101", 101),
    ],
)
def test_old_addresses_of_live_pieces_redirect_for_good(client, imported, address, wp_id):
    response = client.get(address)

    assert response.status_code == 301
    assert response["Location"] == piece(wp_id).public_url


@pytest.mark.parametrize(
    "address", ["/?p=103", "/?p=106", "/private-note/", "/?p=105", "/?p=999", "/?p=abc", "/nothing-here/"]
)
def test_old_addresses_of_drafts_scheduled_and_unknown_pieces_do_not_redirect(client, imported, address):
    response = client.get(address)

    assert response.status_code != 301
    assert piece(103).slug not in response.get("Location", "")


@pytest.mark.parametrize("address", ["/sitemap.xml?p=101", "/sitemap-publications.xml?p=101"])
def test_a_sitemap_page_is_not_taken_for_a_wordpress_post(client, imported, address):
    # The sitemaps number their pages `?p=`, as WordPress numbered its posts.
    assert client.get(address).status_code != 301


def test_a_trashed_piece_no_longer_redirects(client, imported):
    publication_trash(publication=piece(101))

    assert client.get("/2021/03/04/deterrence-ocean/").status_code == 404
    assert client.get("/?p=101").status_code != 301


@pytest.mark.parametrize("address", ["/2021/03/04/deterrence-ocean%00/", "/%00", "/static/%00"])
def test_an_address_holding_a_nul_is_a_404_not_a_failed_lookup(client, imported, address):
    # A NUL reaches the path decoded; Postgres text cannot hold one, so the old-address lookup would fail.
    assert client.get(address).status_code == 404


def test_the_api_answers_its_own_paths(client, imported):
    LegacyPath.objects.create(publication=piece(101), path="/api/v1/old-thing")

    assert client.get("/api/v1/old-thing/").status_code == 404


# --- The imported catalogue through the public doors ----------------------------------------------------


def test_the_public_api_shows_the_imported_catalogue(client, imported):
    listing = client.get(reverse("v1:publication-list")).json()

    assert sorted(item["slug"] for item in listing["results"]) == [
        "about",
        "deterrence-ocean",
        "originally-elsewhere",
    ]
    detail = client.get(reverse("v1:publication-detail", kwargs={"slug": "deterrence-ocean"})).json()
    assert [author["name"] for author in detail["authors"]] == ["Dr Jane Doe", "Sam Editor"]
    assert [(post["outlet"]["domain"], post["relation"]) for post in detail["cross_posts"]] == [
        ("nationalinterest.org", "another_form")
    ]
    assert "jane@private.example.org" not in str(client.get(reverse("v1:author-list")).json())
    for draft in ("a-draft", "pending-review", "private-note", "coming-soon"):
        assert client.get(reverse("v1:publication-detail", kwargs={"slug": draft})).status_code == 404


def test_the_feeds_show_only_live_imported_pieces(client, imported):
    feed = feedparser.parse(client.get(reverse("feeds:site-rss")).content)

    assert sorted(entry.title for entry in feed.entries) == [
        "About us",
        "Deterrence & the Ocean: a view",
        "Originally elsewhere",
    ]


def test_editors_see_the_old_addresses_in_the_admin(editor_client, imported):
    page = editor_client.get(reverse("admin:publications_publication_change", args=[piece(101).pk]))

    assert page.status_code == 200
    assert "/2021/03/04/deterrence-ocean<br>/?p=101<br>/deterrence-ocean" in page.content.decode()


def test_the_topic_api_names_the_parent_topic(client, imported):
    topic = client.get(reverse("v1:topic-detail", kwargs={"slug": "arms-control"})).json()

    assert topic["parent"] == "nuclear"
    assert client.get(reverse("v1:topic-detail", kwargs={"slug": "south-asia"})).json()["parent"] is None


def test_only_the_system_imports(editor, imported):
    with pytest.raises(PermissionDenied):
        publication_update(publication=piece(103), by=editor, imported=True)


def test_an_import_has_the_worker_rebuild_related_candidates_after_commit(
    site_xml, write_export, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        run(write_export(site_xml))

    # One job for the whole import (publications.tasks), which rebuilds every piece without candidates.
    assert [callback for callback in callbacks if callback is _defer_rebuild] == [_defer_rebuild]
    assert not RelatedCandidates.objects.exists()
    related_candidates_rebuild_missing()
    assert RelatedCandidates.objects.count() == Publication.objects.count()


def test_an_import_is_one_change_told_as_it_commits_and_a_dry_run_none(
    site_xml, write_export, uploads, django_capture_on_commit_callbacks
):
    """The cached API answers end once for the whole import, and the caches in front (Varnish, a CDN) are
    told to purge everything after commit; a dry run, which commits nothing, tells nothing."""
    from cissapi.api.generation import current_generation
    from cissapi.api.invalidation import surrogate_keys_changed

    sent: list[frozenset[str]] = []
    surrogate_keys_changed.connect(lambda sender, keys, **kw: sent.append(keys), weak=False, dispatch_uid="t")
    try:
        export = write_export(site_xml)
        before = current_generation().token
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            run(export, "--dry-run", "--media-dir", str(uploads))
        assert current_generation().token == before
        assert sent == [] and callbacks == []

        with django_capture_on_commit_callbacks(execute=True):
            run(export, "--media-dir", str(uploads))
    finally:
        surrogate_keys_changed.disconnect(dispatch_uid="t")

    assert Publication.objects.exists()
    assert current_generation().token != before
    assert sent == [frozenset({"catalogue"})]
