# After 0018's backfill (a new version of every topic filing) and 0019's fill: statistics of the new columns,
# and the visibility map set again, so a topic's or an outlet's list walks its date index by an index-only scan
# from the start (as 0017 did for bylines) instead of waiting for autovacuum. VACUUM runs outside a
# transaction, so this migration is not atomic (and 0018 and 0019, which are, stay whole).

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("publications", "0019_outlet_pieces")]

    operations = [
        migrations.RunSQL(
            "VACUUM ANALYZE publications_publication_topics, publications_outletpiece", migrations.RunSQL.noop
        ),
    ]
