"""Exports as real WordPress sites write them, mess included: each test is one thing seen in the wild."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import quote

import pytest

from authors.models import Author
from publications.models import Publication
from publications.services import publication_update
from taxonomy.models import Topic

from .test_import import piece, run

pytestmark = pytest.mark.django_db


def post(wp_id: int, *, title: str = "A post", status: str = "publish", extra: str = "", **dates: str) -> str:
    """One `<item>` as WordPress 6 exports a post; `dates` may override post_date and post_date_gmt."""
    post_date = dates.get("post_date", "2022-06-01 10:00:00")
    post_date_gmt = dates.get("post_date_gmt", "2022-06-01 05:00:00")
    return f"""
	<item>
		<title><![CDATA[{title}]]></title>
		<link>https://thinktank.example.org/post-{wp_id}/</link>
		<dc:creator><![CDATA[editor]]></dc:creator>
		<guid isPermaLink="false">https://thinktank.example.org/?p={wp_id}</guid>
		<content:encoded><![CDATA[Words of post {wp_id}.]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>{wp_id}</wp:post_id>
		<wp:post_date><![CDATA[{post_date}]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[{post_date_gmt}]]></wp:post_date_gmt>
		<wp:comment_status><![CDATA[open]]></wp:comment_status>
		<wp:post_name><![CDATA[post-{wp_id}]]></wp:post_name>
		<wp:status><![CDATA[{status}]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
		<wp:is_sticky>0</wp:is_sticky>{extra}
	</item>
"""


def with_posts(site_xml: str, *items: str) -> str:
    """The test site's export with `items` added at its end."""
    return site_xml.replace("</channel>", "".join(items) + "</channel>")


def test_an_id_the_export_repeats_is_imported_once(site_xml, write_export):
    output, _ = run(write_export(with_posts(site_xml, post(301, title="First"), post(301, title="Again"))))

    assert piece(301).title == "First"
    assert Publication.objects.filter(title__in=["First", "Again"]).count() == 1
    assert "post 301 “Again”: its id is in the export twice, imported once (the first)" in output


def test_a_date_mysql_kept_although_it_does_not_exist_is_left_out(site_xml, write_export):
    impossible = post(
        302, status="draft", post_date="2022-02-30 10:00:00", post_date_gmt="2022-02-30 05:00:00"
    )

    output, _ = run(write_export(with_posts(site_xml, impossible)))

    assert (piece(302).status, piece(302).published_at) == ("draft", None)
    assert "post 302 “A post”: “2022-02-30 10:00:00” is not a valid date, left out" in output


def test_a_user_without_first_and_last_name_is_unchanged_by_a_second_run(site_xml, write_export):
    no_names = site_xml.replace("<![CDATA[Sam]]>", "<![CDATA[]]>").replace(
        "<![CDATA[Editor]]>", "<![CDATA[]]>"
    )
    path = write_export(no_names)
    run(path)

    output, _ = run(path)

    assert "updated 0;" in output
    assert Author.objects.get(name="Sam Editor").sort_name == "Sam Editor"


def test_a_live_post_without_a_date_keeps_the_date_of_its_first_import(site_xml, write_export):
    undated = post(303, post_date="0000-00-00 00:00:00", post_date_gmt="0000-00-00 00:00:00")
    path = write_export(with_posts(site_xml, undated))
    run(path)
    first = piece(303).published_at

    output, _ = run(path)

    assert piece(303).is_live and piece(303).published_at == first
    assert "unchanged 7 publication" in output
    assert piece(303).history.count() == 1


def test_a_post_trashed_on_wordpress_since_the_last_run_leaves_the_public_site(site_xml, write_export):
    run(write_export(with_posts(site_xml, post(304)), "first.xml"))
    assert piece(304).is_live

    output, _ = run(write_export(with_posts(site_xml, post(304, status="trash")), "second.xml"))

    assert piece(304).trashed_at is not None
    assert not Publication.objects.published().filter(pk=piece(304).pk).exists()
    assert "updated 1 publication" in output


def test_a_post_trashed_on_wordpress_is_kept_when_an_editor_changed_it(site_xml, write_export):
    run(write_export(with_posts(site_xml, post(305)), "first.xml"))
    edited = piece(305)
    edited.title = "The editor's title"
    publication_update(publication=edited)

    output, _ = run(write_export(with_posts(site_xml, post(305, status="trash")), "second.xml"))

    assert piece(305).is_live and piece(305).trashed_at is None
    assert "kept editor's changes 1 publication" in output


def test_an_urdu_post_keeps_its_old_address_and_gets_a_readable_slug(client, site_xml, write_export):
    encoded = "%d8%af%d9%81%d8%a7%d8%b9"  # دفاع, as WordPress stores and links a non-Latin slug
    urdu = (
        post(306, title="دفاع")
        .replace("post-306/", f"2022/06/01/{encoded}/")
        .replace("<![CDATA[post-306]]>", f"<![CDATA[{encoded}]]>")
    )
    run(write_export(with_posts(site_xml, urdu)))

    assert piece(306).slug == "wp-306"
    for address in ["/2022/06/01/دفاع/", f"/2022/06/01/{encoded}/", "/دفاع"]:
        response = client.get(address)
        assert (response.status_code, response["Location"]) == (301, piece(306).public_url), address


def test_windows_1252_quotes_in_a_utf_8_export_are_marked_not_fatal(site_xml, write_export):
    # A plugin wrote cp1252 bytes (0x93, 0x94) into a database WordPress exports as UTF-8.
    export = with_posts(site_xml, post(307)).encode().replace(b"Words of post 307", b"\x93Quoted\x94 words")

    output, _ = run(write_export(export))

    assert piece(307).body == "<p>\ufffdQuoted\ufffd words.</p>"
    assert "post 307 “A post”: characters the export garbled are shown as � (check the text)" in output


def category(nicename: str, name: str, parent: str = "") -> str:
    return (
        f"<wp:category><wp:category_nicename><![CDATA[{nicename}]]></wp:category_nicename>"
        f"<wp:category_parent><![CDATA[{parent}]]></wp:category_parent>"
        f"<wp:cat_name><![CDATA[{name}]]></wp:cat_name></wp:category>\n"
    )


def with_terms(site_xml: str, *terms: str) -> str:
    """The test site's export with `terms` added to its categories and tags."""
    return site_xml.replace("\t<wp:tag>", "".join(terms) + "\t<wp:tag>", 1)


def test_a_category_with_a_long_urdu_slug_is_imported_again_without_a_duplicate(site_xml, write_export):
    # WordPress keeps a term's slug percent-encoded up to 200 characters: 33 Urdu letters and a space.
    name = "پاکستان کی خارجہ پالیسی اور علاقائی سلامتی"
    nicename = quote(name.replace(" ", "-")).lower()[:200]
    filed = f'<category domain="category" nicename="{nicename}"><![CDATA[{name}]]></category>'
    path = write_export(with_terms(with_posts(site_xml, post(308, extra=filed)), category(nicename, name)))
    run(path)

    output, _ = run(path)

    assert [topic.name for topic in piece(308).topics.all()] == [name]
    assert Topic.objects.filter(name=name).count() == 1
    assert "unchanged 7 publication" in output


def test_an_urdu_category_is_named_by_its_wordpress_id_rather_than_the_hex_of_its_bytes(
    client, site_xml, write_export
):
    name = "دفاعی امور"
    nicename = quote(name.replace(" ", "-")).lower()
    term = category(nicename, name).replace("<wp:category>", "<wp:category><wp:term_id>57</wp:term_id>")
    filed = f'<category domain="category" nicename="{nicename}"><![CDATA[{name}]]></category>'
    run(write_export(with_terms(with_posts(site_xml, post(309, extra=filed)), term)))

    topic = Topic.objects.get(name=name)
    assert topic.slug == "topic-57"
    assert [found.slug for found in piece(309).topics.all()] == ["topic-57"]
    assert client.get("/topics/topic-57/").status_code == 200


def test_a_category_with_neither_slug_nor_name_is_left_out(site_xml, write_export):
    run(write_export(with_terms(site_xml, category("", ""), category("", "&nbsp;"))))

    assert Topic.objects.count() == 4


def test_a_tag_named_as_a_nested_category_leaves_the_category_as_it_is_on_every_run(site_xml, write_export):
    # Sites often have both a "Nuclear" category (under "Security") and a "nuclear" tag: one topic here.
    tag = (
        "<wp:tag><wp:tag_slug><![CDATA[nuclear]]></wp:tag_slug>"
        "<wp:tag_name><![CDATA[Nuclear]]></wp:tag_name></wp:tag>"
    )
    path = write_export(site_xml.replace("</channel>", tag + "</channel>"))
    run(path)

    outputs = [run(path)[0], run(path)[0]]

    assert Topic.objects.get(slug="nuclear").parent.slug == "security"
    assert all("updated 0;" in output and "kept editor's changes 0;" in output for output in outputs)


def test_an_upload_too_large_for_pillow_stays_where_it_was(site_xml, write_export, uploads):
    # A 20,000 by 20,000 infographic: Pillow refuses it (DecompressionBombError); its header suffices.
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 20_000, 20_000, 8, 2, 0, 0, 0))
    (uploads / "2021" / "03" / "ship.jpg").write_bytes(b"\x89PNG\r\n\x1a\n" + header + chunk(b"IEND", b""))

    output, _ = run(write_export(site_xml), "--media-dir", str(uploads))

    assert piece(101).lead_image is None
    assert "note: image 2021/03/ship.jpg not imported: not an image Pillow reads" in output


def meta(key: str, value: str) -> str:
    return f"""
		<wp:postmeta>
			<wp:meta_key><![CDATA[{key}]]></wp:meta_key>
			<wp:meta_value><![CDATA[{value}]]></wp:meta_value>
		</wp:postmeta>"""


def test_a_post_without_an_excerpt_is_summarized_by_its_seo_description(site_xml, write_export):
    yoast = post(
        311, extra=meta("_yoast_wpseo_metadesc", "Why the Indus Waters Treaty still holds &amp; matters.")
    )
    rank_math = post(312, extra=meta("rank_math_description", "Deterrence after 1998."))
    template = post(313, extra=meta("_yoast_wpseo_metadesc", "%%excerpt%% %%sep%% %%sitename%%"))
    with_excerpt = post(314, extra=meta("_yoast_wpseo_metadesc", "The plugin's line.")).replace(
        "<excerpt:encoded><![CDATA[]]>", "<excerpt:encoded><![CDATA[The editor's excerpt.]]>"
    )

    run(write_export(with_posts(site_xml, yoast, rank_math, template, with_excerpt)))

    assert piece(311).summary == "Why the Indus Waters Treaty still holds & matters."
    assert piece(312).summary == "Deterrence after 1998."
    assert piece(313).summary == ""
    assert piece(314).summary == "The editor's excerpt."
