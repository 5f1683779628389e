"""A real harvester (Sickle) walks the live server's OAI-PMH endpoint over many resumption pages while the
catalogue changes under it, and gets every record exactly once, deletions included."""

from __future__ import annotations

import pytest
from sickle import Sickle

from publications.models import Publication
from publications.services import (
    publication_delete,
    publication_trash,
    publication_unpublish,
    publication_update,
    publication_withdraw,
)
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "www.ciss.example"
PAGE_SIZE = 3


@pytest.fixture(autouse=True)
def _small_pages(settings):
    settings.SITE_URL = f"https://{HOST}"
    settings.OAI_PAGE_SIZE = PAGE_SIZE


def oai_id(publication: Publication) -> str:
    return f"oai:{HOST}:{publication.uuid}"


def test_sickle_harvests_every_record_once_with_deletions_and_edits_during_the_walk(live_server, editor):
    topic = TopicFactory(name="Arms control")
    pieces = [
        PublicationFactory(published=True, title=f"Piece {n}", authors=[AuthorFactory()], topics=[topic])
        for n in range(16)
    ]
    withdrawn, trashed, deleted = pieces[1], pieces[2], pieces[3]
    publication_withdraw(publication=withdrawn, by=editor, notice="Withdrawn.")
    publication_trash(publication=trashed, by=editor)
    deleted_id = oai_id(deleted)
    publication_delete(publication=deleted, by=editor)
    never_public = PublicationFactory(title="Secret draft")
    # Their last changes come after the others': the walk meets them on its last pages.
    expected_deleted = {oai_id(withdrawn), oai_id(trashed), deleted_id}

    harvester = Sickle(f"{live_server.url}/oai/", max_retries=0)
    walk = harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False)
    harvested = []
    for record in walk:
        harvested.append(record)
        if len(harvested) == PAGE_SIZE + 1:
            # In the middle of the walk: an edit to a piece already sent, one to a piece not yet sent, a
            # piece unpublished before it is reached, and a new piece.
            sent, ahead, leaving = pieces[0], pieces[14], pieces[15]
            for piece in (sent, ahead):
                piece.title = f"{piece.title} (revised)"
                publication_update(publication=piece, by=editor)
            publication_unpublish(publication=leaving, by=editor)
            PublicationFactory(published=True, title="Published during the walk")

    identifiers = [record.header.identifier for record in harvested]
    assert len(identifiers) == len(set(identifiers)), "a record came twice"
    assert set(identifiers) == {oai_id(piece) for piece in pieces if piece is not deleted} | {deleted_id}
    assert len(identifiers) > 4 * PAGE_SIZE  # several resumption pages
    deleted_headers = {record.header.identifier for record in harvested if record.deleted}
    # The piece unpublished during the walk is reported as deleted: its content is no longer public.
    assert deleted_headers == expected_deleted | {oai_id(pieces[15])}
    for record in harvested:
        if record.deleted:
            assert record.xml.find(".//{http://www.openarchives.org/OAI/2.0/}metadata") is None
        else:
            assert record.metadata["publisher"] == ["Center for International Strategic Studies"]
    titles = [title for record in harvested if not record.deleted for title in record.metadata["title"]]
    assert "Secret draft" not in titles and never_public.title not in titles
    assert "Piece 14 (revised)" in titles

    # The next incremental harvest, from the walk's last datestamp, brings what changed during it.
    since = max(record.header.datestamp for record in harvested)
    headers = harvester.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **{"from": since})
    later = {header.identifier for header in headers}
    assert {oai_id(pieces[0]), oai_id(pieces[15])} <= later


def test_sickle_reads_identify_sets_and_one_record(live_server):
    piece = PublicationFactory(published=True, topics=[TopicFactory(name="Space", slug="space")])
    harvester = Sickle(f"{live_server.url}/oai/", max_retries=0)

    assert harvester.Identify().repositoryName == "Center for International Strategic Studies"
    assert "topic:space" in [oai_set.setSpec for oai_set in harvester.ListSets()]
    assert [fmt.metadataPrefix for fmt in harvester.ListMetadataFormats()] == ["oai_dc"]
    record = harvester.GetRecord(identifier=oai_id(piece), metadataPrefix="oai_dc")
    assert record.metadata["title"] == [piece.title]
