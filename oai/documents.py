"""The OAI-PMH response documents, written with Django's SAX-based XML writer (escaping done by it; every
text through cissapi.text.xml_text, since the database may hold characters XML 1.0 cannot carry).

The oai_dc metadata is made from the citation producer's CSL item (publications.citations), so a record
says what a citation says: authors in order, the organisation as publisher, the DOI, the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO

from django.conf import settings
from django.utils.xmlutils import SimplerXMLGenerator

from cissapi.text import xml_text
from oai.protocol import GRANULARITY, METADATA_PREFIX, datestamp
from oai.records import Record
from publications.citations import citation_item
from publications.models import Publication

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


class OAIWriter:
    """One response: the OAI-PMH envelope (responseDate, request) around what `body` writes."""

    def __init__(self) -> None:
        self.stream = StringIO()
        self.xml = SimplerXMLGenerator(self.stream, "utf-8", short_empty_elements=True)

    @contextmanager
    def element(self, name: str, attributes: dict[str, str] | None = None) -> Iterator[None]:
        cleaned = {key: xml_text(value) for key, value in (attributes or {}).items()}
        # SAX writers read attributes as a mapping; Django's feed generators pass dicts too.
        self.xml.startElement(name, cleaned)  # type: ignore[arg-type]  # the stubs ask for AttributesImpl
        yield
        self.xml.endElement(name)

    def text(self, name: str, value: str, attributes: dict[str, str] | None = None) -> None:
        self.xml.addQuickElement(
            name, xml_text(value), {k: xml_text(v) for k, v in (attributes or {}).items()}
        )

    def document(
        self, base_url: str, request_attributes: dict[str, str], body: Callable[[OAIWriter], None]
    ) -> bytes:
        self.xml.startDocument()
        root = {"xmlns": OAI_NS, "xmlns:xsi": XSI_NS, "xsi:schemaLocation": f"{OAI_NS} {OAI_SCHEMA}"}
        with self.element("OAI-PMH", root):
            self.text("responseDate", datestamp(dt.datetime.now(tz=dt.UTC)))
            self.text("request", base_url, request_attributes)
            body(self)
        self.xml.endDocument()
        return self.stream.getvalue().encode()


def error(code: str, message: str) -> Callable[[OAIWriter], None]:
    return lambda writer: writer.text("error", message, {"code": code})


def identify(*, base_url: str, earliest: dt.datetime | None, host: str | None) -> Callable[[OAIWriter], None]:
    def body(writer: OAIWriter) -> None:
        with writer.element("Identify"):
            writer.text("repositoryName", settings.PUBLISHER_NAME)
            writer.text("baseURL", base_url)
            writer.text("protocolVersion", "2.0")
            writer.text("adminEmail", settings.OAI_ADMIN_EMAIL)
            writer.text("earliestDatestamp", datestamp(earliest or dt.datetime.now(tz=dt.UTC)))
            writer.text("deletedRecord", "persistent")
            writer.text("granularity", GRANULARITY)
            if host:
                with writer.element("description"):
                    attributes = {
                        "xmlns": IDENTIFIER_NS,
                        "xsi:schemaLocation": f"{IDENTIFIER_NS} {IDENTIFIER_SCHEMA}",
                    }
                    with writer.element("oai-identifier", attributes):
                        writer.text("scheme", "oai")
                        writer.text("repositoryIdentifier", host)
                        writer.text("delimiter", ":")
                        writer.text("sampleIdentifier", f"oai:{host}:00000000-0000-4000-8000-000000000000")

    return body


def metadata_formats(writer: OAIWriter) -> None:
    with writer.element("ListMetadataFormats"), writer.element("metadataFormat"):
        writer.text("metadataPrefix", METADATA_PREFIX)
        writer.text("schema", OAI_DC_SCHEMA)
        writer.text("metadataNamespace", OAI_DC_NS)


def list_sets(specs: list[tuple[str, str]]) -> Callable[[OAIWriter], None]:
    def body(writer: OAIWriter) -> None:
        with writer.element("ListSets"):
            for spec, name in specs:
                with writer.element("set"):
                    writer.text("setSpec", spec)
                    writer.text("setName", name)

    return body


def header(writer: OAIWriter, record: Record) -> None:
    with writer.element("header", {"status": "deleted"} if record.publication is None else {}):
        writer.text("identifier", record.identifier)
        writer.text("datestamp", datestamp(record.datestamp))
        for spec in record.set_specs:
            writer.text("setSpec", spec)


def full_record(writer: OAIWriter, record: Record) -> None:
    with writer.element("record"):
        header(writer, record)
        if record.publication is not None:
            with writer.element("metadata"):
                oai_dc(writer, record.publication)


def oai_dc(writer: OAIWriter, publication: Publication) -> None:
    """Simple Dublin Core from the citation's CSL item."""
    item = citation_item(publication)
    attributes = {
        "xmlns:oai_dc": OAI_DC_NS,
        "xmlns:dc": DC_NS,
        "xsi:schemaLocation": f"{OAI_DC_NS} {OAI_DC_SCHEMA}",
    }
    with writer.element("oai_dc:dc", attributes):
        writer.text("dc:title", item["title"])
        for name in item.get("author", []):
            writer.text("dc:creator", _name(name))
        for role in ("editor", "translator"):
            for name in item.get(role, []):
                writer.text("dc:contributor", _name(name))
        for topic in publication.topic_list:
            writer.text("dc:subject", topic["name"])
        if "abstract" in item:
            writer.text("dc:description", item["abstract"])
        writer.text("dc:publisher", item["publisher"])
        if publication.published_at:
            writer.text("dc:date", publication.published_at.astimezone(dt.UTC).date().isoformat())
        writer.text("dc:type", "Text")
        writer.text("dc:type", Publication.Type(publication.type).label)
        writer.text("dc:format", "text/html")
        writer.text("dc:identifier", item["URL"])
        if "DOI" in item:
            writer.text("dc:identifier", f"https://doi.org/{item['DOI']}")
        if "number" in item:
            writer.text("dc:identifier", item["number"])
        for venue in ("container-title", "collection-title"):
            if venue in item and item[venue] != item["publisher"]:
                writer.text("dc:relation", item[venue])
        writer.text("dc:language", item["language"])


def _name(name: dict[str, str]) -> str:
    return name.get("literal") or f"{name['family']}, {name['given']}"


def list_body(
    verb: str, records: list[Record], token: tuple[str, dict[str, str]] | None
) -> Callable[[OAIWriter], None]:
    """ListIdentifiers or ListRecords, with the resumption token of the next page (an empty one ends a list
    that had tokens, as the specification asks)."""

    def body(writer: OAIWriter) -> None:
        with writer.element(verb):
            for item in records:
                (header if verb == "ListIdentifiers" else full_record)(writer, item)
            if token is not None:
                writer.text("resumptionToken", *token)

    return body
