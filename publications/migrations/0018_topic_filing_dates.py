# Each topic filing carries its piece's `published_at`, as bylines do since 0016 (issue 16): a topic's newest
# pieces are read from one index (topic, published_at, publication) in date order, stopping at the page.
# Filtered on the piece's table, the list walked the live pieces newest first and probed each one's topics: a
# topic with 3 old pieces walked all 100,000 (1.4 s), and a cursor deep into a small topic the same.
#
# Topic filings are the table of Publication.topics, which Django creates and writes; the column is added here
# and read through an unmanaged model (TopicFiling), so the admin's topics field stays a plain many-to-many.
# The database keeps the copy for every writer (the ORM, raw SQL, COPY), with the byline's rules: a filing
# written takes its piece's date, and a piece's date moving moves its filings'.
#
# A series is one column of the piece: its pieces newest first get a partial index of their own, for the same
# reason (a small series walked every live piece).

from django.db import migrations, models
import django.db.models.deletion

FORWARD = """
ALTER TABLE publications_publication_topics ADD COLUMN published_at timestamp with time zone NULL;

CREATE FUNCTION publications_filing_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.published_at := (SELECT published_at FROM publications_publication WHERE id = NEW.publication_id);
    RETURN NEW;
END $$;

CREATE FUNCTION publications_filing_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE publications_publication_topics SET published_at = NEW.published_at
    WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    RETURN NULL;
END $$;

-- First, so no piece's date moves (its row locked by the trigger's creation) between the backfill and commit.
CREATE TRIGGER publications_filing_date_follows AFTER UPDATE OF published_at ON publications_publication
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION publications_filing_date_follows();
-- Filings written before their piece in one transaction (Django's foreign keys are deferred: fixtures).
CREATE TRIGGER publications_filing_date_inserted AFTER INSERT ON publications_publication
    FOR EACH ROW WHEN (NEW.published_at IS NOT NULL)
    EXECUTE FUNCTION publications_filing_date_follows();

-- The related-candidates trigger (0014) off for the backfill: no filing changes its topic or piece, and it
-- would forget every stored candidate.
ALTER TABLE publications_publication_topics DISABLE TRIGGER publications_related_topics_update;
UPDATE publications_publication_topics f SET published_at = p.published_at
FROM publications_publication p WHERE p.id = f.publication_id AND p.published_at IS NOT NULL;
ALTER TABLE publications_publication_topics ENABLE TRIGGER publications_related_topics_update;

CREATE TRIGGER publications_filing_date BEFORE INSERT OR UPDATE OF publication_id, published_at
    ON publications_publication_topics
    FOR EACH ROW EXECUTE FUNCTION publications_filing_date();

-- After the backfill: built once, not updated row by row.
CREATE INDEX publication_topics_date_idx ON publications_publication_topics (topic_id, published_at, publication_id);
"""

BACKWARD = """
DROP INDEX publication_topics_date_idx;
DROP TRIGGER publications_filing_date ON publications_publication_topics;
DROP TRIGGER publications_filing_date_inserted ON publications_publication;
DROP TRIGGER publications_filing_date_follows ON publications_publication;
DROP FUNCTION publications_filing_date_follows();
DROP FUNCTION publications_filing_date();
ALTER TABLE publications_publication_topics DROP COLUMN published_at;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0017_byline_dates_vacuumed"),
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.CreateModel(
            name="TopicFiling",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("published_at", models.DateTimeField(editable=False, null=True)),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="topic_filings",
                        to="publications.publication",
                    ),
                ),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="taxonomy.topic"
                    ),
                ),
            ],
            options={"db_table": "publications_publication_topics", "managed": False},
        ),
        migrations.AddIndex(
            model_name="publication",
            index=models.Index(
                condition=models.Q(("status", "published")),
                fields=["series", "-published_at", "-id"],
                name="publication_series_live_idx",
            ),
        ),
    ]
