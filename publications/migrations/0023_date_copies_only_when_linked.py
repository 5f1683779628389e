# A piece's date is copied to its bylines, topic filings and outlet pieces only when it has some whose
# copy differs (issue 16). The triggers of 0016, 0018 and 0019 ran an UPDATE of each link table for every
# piece inserted or re-dated, and an UPDATE fires its table's statement triggers (the related pieces', the
# stored counts') even when it changes no row: 0.6-0.8 ms a table, so a WordPress import of 10,000 posts,
# whose pieces are written before their links, spent about two of its three minutes there.
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION publications_byline_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM publications_publicationauthor
               WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at) THEN
        UPDATE publications_publicationauthor SET published_at = NEW.published_at
        WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION publications_filing_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM publications_publication_topics
               WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at) THEN
        UPDATE publications_publication_topics SET published_at = NEW.published_at
        WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    END IF;
    IF EXISTS (SELECT FROM publications_outletpiece
               WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at) THEN
        UPDATE publications_outletpiece SET published_at = NEW.published_at
        WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    END IF;
    RETURN NULL;
END $$;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION publications_byline_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE publications_publicationauthor SET published_at = NEW.published_at
    WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION publications_filing_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE publications_publication_topics SET published_at = NEW.published_at
    WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    UPDATE publications_outletpiece SET published_at = NEW.published_at
    WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("publications", "0022_live_indexes_without_the_trash")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
