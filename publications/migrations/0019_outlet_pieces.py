# One row per piece and outlet it was cross-posted at, with the piece's `published_at` (issue 16): an outlet's
# newest pieces are read from one index (outlet, published_at, publication) in date order, stopping at the
# page. Filtered on the piece's table, an outlet with one old cross-post walked every live piece (0.7 s at
# 100,000 pieces).
#
# The database writes the rows, for every writer of cross-posts or pieces (the ORM, raw SQL, COPY): a
# cross-post written adds its piece at its outlet (once), its piece's last cross-post there removed (or moved
# away) takes the row with it, and a piece's date moving moves its rows' (the follow trigger of 0018, which
# now keeps these too).

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION publications_outlet_pieces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM publications_outletpiece o
        WHERE o.outlet_id = OLD.outlet_id AND o.publication_id = OLD.publication_id
            AND NOT EXISTS (SELECT 1 FROM publications_crosspost c
                            WHERE c.outlet_id = OLD.outlet_id AND c.publication_id = OLD.publication_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        -- The piece may come later in the transaction (Django's foreign keys are deferred): its date then
        -- comes with it (publications_filing_date_inserted).
        INSERT INTO publications_outletpiece (outlet_id, publication_id, published_at)
        VALUES (NEW.outlet_id, NEW.publication_id,
                (SELECT published_at FROM publications_publication WHERE id = NEW.publication_id))
        ON CONFLICT (outlet_id, publication_id) DO NOTHING;
    END IF;
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

-- The cross-posts locked against writers until commit, so none is missed between the fill and the trigger.
LOCK TABLE publications_crosspost IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO publications_outletpiece (outlet_id, publication_id, published_at)
SELECT DISTINCT c.outlet_id, c.publication_id, p.published_at
FROM publications_crosspost c JOIN publications_publication p ON p.id = c.publication_id;

CREATE TRIGGER publications_outlet_pieces AFTER INSERT OR DELETE OR UPDATE OF outlet_id, publication_id
    ON publications_crosspost
    FOR EACH ROW EXECUTE FUNCTION publications_outlet_pieces();
"""

BACKWARD = """
DROP TRIGGER publications_outlet_pieces ON publications_crosspost;
DROP FUNCTION publications_outlet_pieces();
CREATE OR REPLACE FUNCTION publications_filing_date_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE publications_publication_topics SET published_at = NEW.published_at
    WHERE publication_id = NEW.id AND published_at IS DISTINCT FROM NEW.published_at;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0018_topic_filing_dates"),
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutletPiece",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("published_at", models.DateTimeField(editable=False, null=True)),
                (
                    "outlet",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="taxonomy.outlet"
                    ),
                ),
                (
                    "publication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="outlet_pieces",
                        to="publications.publication",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("outlet", "publication"), name="outletpiece_unique")
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        # After the fill: built once, not updated row by row.
        migrations.AddIndex(
            model_name="outletpiece",
            index=models.Index(fields=["outlet", "published_at", "publication"], name="outletpiece_date_idx"),
        ),
    ]
