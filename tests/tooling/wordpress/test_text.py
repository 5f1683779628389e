"""What happens to a post's text on the way in: WordPress's paragraphs, shortcodes, cross-post lines."""

from __future__ import annotations

import pytest

from publications.models import CrossPost
from tooling.wordpress import autop, crossposts, shortcodes

Relation = CrossPost.Relation


# --- wpautop: the outputs follow the rules of wpautop() in wp-includes/formatting.php (not run here) ---


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("One\n\nTwo", "<p>One</p>\n<p>Two</p>\n"),
        ("Line one\nline two", "<p>Line one<br />\nline two</p>\n"),
        (
            "Intro\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\nOutro",
            "<p>Intro</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<p>Outro</p>\n",
        ),
        ("<blockquote>Quoted</blockquote>", "<blockquote><p>Quoted</p></blockquote>\n"),
        ("<h2>Title</h2>\nText", "<h2>Title</h2>\n<p>Text</p>\n"),
        ("<pre>a\n\nb</pre>", "<pre>a\n\nb</pre>\n"),
        ('<a\nhref="x">link</a>', '<p><a\nhref="x">link</a></p>\n'),
        ("   \n ", ""),
    ],
)
def test_wpautop_makes_paragraphs_as_wordpress_does(source, expected):
    assert autop.wpautop(source) == expected


def test_block_editor_posts_keep_their_own_paragraphs():
    assert autop.is_block_content("<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->")
    assert not autop.is_block_content("Hi\n\nthere")


# --- Shortcodes ----------------------------------------------------------------------------------------


def test_caption_shortcode_becomes_the_editors_figure():
    text = (
        '[caption id="attachment_5" align="alignnone" width="300"]'
        '<a href="/big.jpg"><img src="/a.jpg" alt="A" /></a> The caption[/caption]'
    )

    assert (
        shortcodes.expand(text)
        == '<figure><img src="/a.jpg" alt="A" /><figcaption>The caption</figcaption></figure>'
    )


def test_caption_given_as_an_attribute():
    text = '[caption caption="From the attribute"]<img src="/a.jpg" alt="A" />[/caption]'

    assert "<figcaption>From the attribute</figcaption>" in shortcodes.expand(text)


def test_plugin_shortcodes_are_removed_and_enclosing_ones_leave_their_content():
    removed: set[str] = set()
    text = (
        'Before [contact-form-7 id="4" title="Contact"] '
        "[vc_row][vc_column]Inside[/vc_column][/vc_row] [gallery] after"
    )

    assert shortcodes.expand(text, removed) == "Before  Inside  after"
    assert removed == {"contact-form-7", "vc_row", "vc_column", "gallery"}


def test_prose_in_brackets_and_note_markers_stay():
    text = "He said [sic] it twice [1] and [2]."

    assert shortcodes.expand(text) == text


def test_escaped_shortcodes_are_literal_text():
    assert shortcodes.expand("Type [[gallery]] to show one.") == "Type [gallery] to show one."


def test_embed_becomes_a_link():
    assert shortcodes.expand("[embed]https://youtu.be/x?a=1&b=2[/embed]") == (
        '<p><a href="https://youtu.be/x?a=1&amp;b=2">https://youtu.be/x?a=1&amp;b=2</a></p>'
    )


# --- Cross-post lines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "relation"),
    [
        (
            'This article was published in another form at <a href="https://www.nationalinterest.org/a">TNI</a>.',
            Relation.ANOTHER_FORM,
        ),
        ("This piece appeared in another form at https://www.nationalinterest.org/a.", Relation.ANOTHER_FORM),
        (
            '<em>Originally published at <a href="https://www.nationalinterest.org/a">TNI</a></em>',
            Relation.ORIGINAL_ELSEWHERE,
        ),
        (
            'Originally published in <a href="https://www.nationalinterest.org/a">TNI</a> on 3 May.',
            Relation.ORIGINAL_ELSEWHERE,
        ),
        (
            'This commentary originally appeared in <a href="https://www.nationalinterest.org/a">TNI</a>.',
            Relation.ORIGINAL_ELSEWHERE,
        ),
        (
            'It first appeared in <a href="https://www.nationalinterest.org/a">The National Interest</a>.',
            Relation.ORIGINAL_ELSEWHERE,
        ),
        (
            'First published by <a href="https://www.nationalinterest.org/a">TNI</a>.',
            Relation.ORIGINAL_ELSEWHERE,
        ),
        (
            'Republished with permission from <a href="https://www.nationalinterest.org/a">TNI</a>.',
            Relation.ORIGINAL_ELSEWHERE,
        ),
    ],
)
def test_every_cross_post_phrasing_is_found_and_removed(line, relation):
    body, found = crossposts.extract_from_html(f"<p>The text.</p>\n<p>{line}</p>\n<p>More text.</p>\n")

    assert found == [crossposts.FoundCrossPost(url="https://www.nationalinterest.org/a", relation=relation)]
    assert body == "<p>The text.</p>\n<p>More text.</p>\n"


def test_a_cross_post_line_without_an_address_stays():
    html = "<p>Originally published in Dawn on 3 May.</p>\n"

    assert crossposts.extract_from_html(html) == (html, [])


def test_paragraphs_that_merely_mention_publishing_stay():
    html = '<p>The report was published in <a href="https://example.org/r">a journal</a> last year.</p>\n'

    assert crossposts.extract_from_html(html) == (html, [])


def test_a_cross_post_sentence_leaves_an_excerpt():
    text, found = crossposts.extract_from_text(
        "A summary. This piece originally appeared in Dawn, https://www.dawn.com/news/123. The end."
    )

    assert text == "A summary. The end."
    assert found == [
        crossposts.FoundCrossPost(url="https://www.dawn.com/news/123", relation=Relation.ORIGINAL_ELSEWHERE)
    ]
