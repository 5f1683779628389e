# Every write that stales related candidates counts itself on a sequence, so a rebuild can rank many pieces
# without the advisory lock and find out, under the lock, whether a write came in meanwhile
# (publications.related._rebuild_in_memory). Sequences ignore rollbacks: a write that rolled back counts
# too, which only costs a rebuild its shortcut.

from django.db import migrations

FORGET = """
CREATE OR REPLACE FUNCTION publications_related_forget(
    publication_ids bigint[], topic_ids bigint[], author_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('publications.related'));
    {count}
    DELETE FROM publications_relatedcandidates
    WHERE publication_id = ANY(publication_ids)
        OR publication_id IN (
            SELECT publication_id FROM publications_publication_topics WHERE topic_id = ANY(topic_ids))
        OR publication_id IN (
            SELECT publication_id FROM publications_publicationauthor WHERE author_id = ANY(author_ids));
END $$;
"""

FORWARD = "CREATE SEQUENCE publications_related_writes;" + FORGET.format(
    count="PERFORM nextval('publications_related_writes');"
)
BACKWARD = FORGET.format(count="") + "DROP SEQUENCE publications_related_writes;"


class Migration(migrations.Migration):
    dependencies = [("publications", "0014_related_candidates")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
