"""OAI-PMH responses parsed with lxml and validated against the published XSDs (../shared/schemas/oai/)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.shared_schemas import SHARED_SCHEMAS

SCHEMAS = SHARED_SCHEMAS / "oai"
# Each published schemaLocation the XSDs import, mapped to the local copy (nothing outside is reachable).
LOCAL_COPIES = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": "oai_dc.xsd",
    "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd": "oai-identifier.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": "xml.xsd",
}
NS = {
    "oai": "http://www.openarchives.org/OAI/2.0/",
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
}


class LocalSchemas(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = LOCAL_COPIES.get(url) or (Path(url).name if Path(url).name in LOCAL_COPIES.values() else None)
        if name is None:
            raise AssertionError(f"The schemas import {url}, which has no local copy")
        return self.resolve_filename(str(SCHEMAS / name), context)


def _schema() -> etree.XMLSchema:
    """OAI-PMH.xsd with oai_dc and oai-identifier loaded beside it: the response schema's wildcards for
    metadata and descriptions are strict, so their schemas must be known."""
    parser = etree.XMLParser()
    parser.resolvers.add(LocalSchemas())
    imports = "".join(
        f'<xs:import namespace="{namespace}" schemaLocation="{location}"/>'
        for namespace, location in (
            ("http://www.openarchives.org/OAI/2.0/", "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"),
            ("http://www.openarchives.org/OAI/2.0/oai_dc/", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"),
            (
                "http://www.openarchives.org/OAI/2.0/oai-identifier",
                "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
            ),
        )
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser, base_url=str(SCHEMAS / "driver.xsd")))


OAI_SCHEMA = _schema()


def valid_oai(content: bytes) -> etree._Element:
    """The parsed response, after asserting it is valid OAI-PMH (metadata valid oai_dc)."""
    document = etree.fromstring(content)
    if not OAI_SCHEMA.validate(document):
        raise AssertionError(f"Not valid OAI-PMH: {OAI_SCHEMA.error_log}\n{content.decode()[:3000]}")
    return document


@pytest.fixture
def oai_get(client):
    """GET /oai/ with the given arguments; the response's XML validated and parsed (`.xml`)."""

    def get(**arguments):
        response = client.get("/oai/", arguments)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        response.xml = valid_oai(response.content)
        return response

    return get


def error_codes(document: etree._Element) -> list[str]:
    return [element.get("code") for element in document.findall("oai:error", NS)]
