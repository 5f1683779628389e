"""Topic, Series and Outlet now live in taxonomy (taxonomy.0001), on the same tables: state only.

The relations are pointed at taxonomy's models first, then the three models leave this app's state; no
table, column or constraint changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0004_publish_permission"),
        ("taxonomy", "0001_initial"),
        ("authors", "0003_taxonomy"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="crosspost",
                    name="outlet",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cross_posts",
                        to="taxonomy.outlet",
                    ),
                ),
                migrations.AlterField(
                    model_name="publication",
                    name="series",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="publications",
                        to="taxonomy.series",
                    ),
                ),
                migrations.AlterField(
                    model_name="publication",
                    name="topics",
                    field=models.ManyToManyField(
                        blank=True, related_name="publications", to="taxonomy.topic"
                    ),
                ),
                migrations.DeleteModel(name="Topic"),
                migrations.DeleteModel(name="Outlet"),
                migrations.DeleteModel(name="Series"),
            ]
        )
    ]
