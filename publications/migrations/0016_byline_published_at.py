# Each byline carries its piece's `published_at` (issue 16): an author's newest pieces are read from one index
# (author, published_at, publication) in date order, stopping at the page, instead of probing the piece of
# every one of a prolific author's bylines and sorting them (half a second for 62,000 bylines at 1M pieces).
#
# The database keeps the copy, so every writer (the ORM, queryset.update(), bulk_create, raw SQL, COPY) does:
# a byline written takes its piece's date (whatever the writer gave), and a piece's date moving moves its
# bylines'. Visibility (status, trash, a date still to come) is still read from the piece itself.
#
# The backfill is one UPDATE, with the related-candidates trigger on bylines (migration 0014) disabled for it:
# no link changes, and that trigger would forget every stored candidate and author's count.

from django.db import migrations, models

FORWARD = """
CREATE FUNCTION publications_byline_date() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.published_at := (SELECT published_at FROM publications_publication WHERE id = NEW.publication_id);
    RETURN NEW;
END $$;

CREATE FUNCTION publications_byline_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE publications_publicationauthor SET published_at = NEW.published_at
    WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    RETURN NULL;
END $$;

-- First, so no piece's date moves (its row locked by the trigger's creation) between the backfill and commit.
CREATE TRIGGER publications_byline_date_follows AFTER UPDATE OF published_at ON publications_publication
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION publications_byline_date_follows();
-- Bylines written before their piece in one transaction (Django's foreign keys are deferred: fixtures).
CREATE TRIGGER publications_byline_date_inserted AFTER INSERT ON publications_publication
    FOR EACH ROW WHEN (NEW.published_at IS NOT NULL)
    EXECUTE FUNCTION publications_byline_date_follows();

ALTER TABLE publications_publicationauthor DISABLE TRIGGER publications_related_bylines_update;
UPDATE publications_publicationauthor pa SET published_at = p.published_at
FROM publications_publication p WHERE p.id = pa.publication_id AND p.published_at IS NOT NULL;
ALTER TABLE publications_publicationauthor ENABLE TRIGGER publications_related_bylines_update;

CREATE TRIGGER publications_byline_date BEFORE INSERT OR UPDATE OF publication_id, published_at
    ON publications_publicationauthor
    FOR EACH ROW EXECUTE FUNCTION publications_byline_date();
"""

BACKWARD = """
DROP TRIGGER publications_byline_date ON publications_publicationauthor;
DROP TRIGGER publications_byline_date_inserted ON publications_publication;
DROP TRIGGER publications_byline_date_follows ON publications_publication;
DROP FUNCTION publications_byline_date_follows();
DROP FUNCTION publications_byline_date();
"""


class Migration(migrations.Migration):
    dependencies = [("publications", "0015_related_writes_sequence")]

    operations = [
        # Replaced by the date index below (its leading column serves the same lookups by author); dropped
        # first, so the backfill does not update it.
        migrations.RemoveIndex(model_name="publicationauthor", name="publicationauthor_author_idx"),
        migrations.AddField(
            model_name="publicationauthor",
            name="published_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        # After the backfill: built once, not updated row by row.
        migrations.AddIndex(
            model_name="publicationauthor",
            index=models.Index(
                fields=["author", "published_at", "publication"], name="publicationauthor_date_idx"
            ),
        ),
    ]
