"""The streaming WXR reader: every export version and namespace, CDATA, encodings, broken files."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest

from tooling.wordpress import wxr


def items(path):
    return [record for record in wxr.read(path) if isinstance(record, wxr.WxrItem)]


@pytest.mark.parametrize(
    ("version", "scheme"),
    [("1.0", "http"), ("1.1", "http"), ("1.2", "http"), ("1.0", "https"), ("1.1", "https"), ("1.2", "https")],
)
def test_every_wxr_version_and_namespace_reads_alike(site_xml, write_export, version, scheme):
    text = site_xml.replace("http://wordpress.org/export/1.2/", f"{scheme}://wordpress.org/export/{version}/")
    text = text.replace("<wp:wxr_version>1.2</wp:wxr_version>", f"<wp:wxr_version>{version}</wp:wxr_version>")
    records = list(wxr.read(write_export(text)))

    site = records[0]
    assert isinstance(site, wxr.WxrSite)
    assert (site.version, site.base_site_url) == (version, "https://thinktank.example.org")
    users = [record for record in records if isinstance(record, wxr.WxrAuthor)]
    assert [(user.login, user.display_name) for user in users] == [("editor", "Sam Editor")]
    post = next(record for record in records if isinstance(record, wxr.WxrItem) and record.wp_id == 101)
    assert post.excerpt == "How navies deter."
    assert post.slug == "deterrence-ocean"
    assert post.post_date_gmt == "2021-03-04 07:30:00"
    assert post.is_sticky
    assert post.meta["_thumbnail_id"] == "201"
    assert [(term.domain, term.nicename) for term in post.terms] == [
        ("category", "arms-control"),
        ("post_tag", "south-asia"),
        ("author", "cap-jane-doe"),
        ("author", "cap-editor"),
    ]
    categories = [record for record in records if isinstance(record, wxr.WxrCategory)]
    assert ("nuclear", "security") in [(category.nicename, category.parent) for category in categories]


def test_cdata_holding_its_own_end_marker_is_read_whole(site_xml, write_export):
    # WordPress splits "]]>" inside CDATA as "]]]]><![CDATA[>"; the text is the original.
    post = next(item for item in items(write_export(site_xml)) if item.wp_id == 101)

    assert "<code>a ]]> b</code>" in post.content


def test_emoji_and_a_declared_legacy_encoding_are_honoured(write_export):
    text = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.1/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        "<wp:wxr_version>1.1</wp:wxr_version>"
        "<item><title>Défense à Genève</title><content:encoded>Café &#127754; naïve</content:encoded>"
        "<wp:post_id>5</wp:post_id><wp:post_type>post</wp:post_type></item></channel></rss>"
    )
    [item] = items(write_export(text.encode("iso-8859-1")))

    assert item.title == "Défense à Genève"
    assert item.content == "Café 🌊 naïve"


def test_windows_1252_exports_are_read(write_export):
    text = (
        '<?xml version="1.0" encoding="windows-1252"?>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>'
        "<item><title>“Quoted” \u2013 dash</title><wp:post_id>6</wp:post_id></item></channel></rss>"
    )
    [item] = items(write_export(text.encode("cp1252")))

    assert item.title == "“Quoted” \u2013 dash"


def test_a_truncated_export_names_the_line(site_xml, write_export):
    cut = site_xml[: site_xml.index("<title><![CDATA[A draft]]>") + 20]

    with pytest.raises(wxr.WxrError, match=r"line \d+, column \d+"):
        list(wxr.read(write_export(cut)))


def test_a_malformed_export_names_the_line(site_xml, write_export):
    lines = site_xml.splitlines()
    broken_line = next(number for number, line in enumerate(lines, 1) if "<wp:post_id>102" in line)
    lines[broken_line - 1] = lines[broken_line - 1].replace("</wp:post_id>", "</wp:post_idx>")

    with pytest.raises(wxr.WxrError, match=f"line {broken_line}, column"):
        list(wxr.read(write_export("\n".join(lines))))


def test_a_feed_that_is_no_wordpress_export_is_refused(write_export):
    with pytest.raises(wxr.WxrError, match="no <wp:wxr_version>"):
        list(wxr.read(write_export('<rss version="2.0"><channel><title>A blog</title></channel></rss>')))


def test_blank_lines_a_plugin_printed_before_the_xml_declaration_are_ignored(site_xml, write_export):
    # A theme's functions.php with a newline before `<?php` prints it ahead of every export.
    assert len(items(write_export("\n\n  " + site_xml))) == len(items(write_export(site_xml)))


def test_control_characters_pasted_into_a_post_are_dropped(site_xml, write_export):
    pasted = site_xml.replace("Second line of it.", "Second\x0b line\x08 of it.\x01")

    post = next(item for item in items(write_export(pasted)) if item.wp_id == 101)

    assert "Second line of it." in post.content


def test_a_utf_16_export_is_read_as_it_is(site_xml, write_export):
    utf16 = site_xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")

    assert len(items(write_export(utf16))) == len(items(write_export(site_xml)))


@pytest.mark.parametrize(
    ("content", "message"),
    # mtime=0: a gzip header carries the time it was made, and xdist's workers must collect the same ids.
    [
        (gzip.compress(b"<rss/>", mtime=0), "gzip-compressed: decompress it"),
        (b"PK\x03\x04rest", "a zip archive"),
    ],
    ids=["gzip", "zip"],
)
def test_a_compressed_export_is_refused_saying_so(write_export, content, message):
    with pytest.raises(wxr.WxrError, match=message):
        list(wxr.read(write_export(content)))


def test_a_large_export_is_read_in_bounded_memory(write_export):
    # 4,000 posts of 2 kB each: an 8 MB file, of which the reader holds one item at a time.
    body = "word " * 400
    posts = "".join(
        f"<item><title>Post {n}</title><content:encoded>{body}</content:encoded>"
        f"<wp:post_id>{n}</wp:post_id><wp:post_type>post</wp:post_type></item>"
        for n in range(4000)
    )
    path = write_export(
        '<rss xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<wp:wxr_version>1.2</wp:wxr_version>{posts}</channel></rss>"
    )
    tracemalloc.start()
    try:
        count = sum(1 for record in wxr.read(path) if isinstance(record, wxr.WxrItem))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert count == 4000
    assert peak < 2_000_000
