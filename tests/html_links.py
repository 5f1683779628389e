"""The links of an admin page, read with the standard library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser


class Links(HTMLParser):
    """Every <a href>, with its text (whitespace collapsed)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open.append((dict(attrs).get("href") or "", []))

    def handle_data(self, data: str) -> None:
        for _, text in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open:
            href, text = self._open.pop()
            self.found.append((href, " ".join("".join(text).split())))


def page(client, url: str) -> list[tuple[str, str]]:
    """GET `url` (200 expected) and return its links as (href, text)."""
    response = client.get(url)
    assert response.status_code == 200
    parser = Links()
    parser.feed(response.content.decode())
    return parser.found


def links(found: list[tuple[str, str]], text: str) -> list[str]:
    """The hrefs of the links whose text is `text` (case-insensitive)."""
    return [href for href, label in found if label.lower() == text.lower()]
