"""Topic, Series and Outlet move here from publications, keeping their tables (publications_topic, ...).

State only: the tables were created by publications.0001 and keep their names, rows, indexes and foreign
keys, so no data moves. publications.0004, authors.0003 and partners.0004 then point their relations here
(state only as well) and publications.0004 drops the three models from the publications app's state.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        # The tables this app adopts exist from here on.
        ("publications", "0003_publication_live_id_index"),
    ]

    state_operations = [
        migrations.CreateModel(
            name="Outlet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=160)),
                ("slug", models.SlugField(max_length=180, unique=True)),
                ("homepage", models.URLField(blank=True, max_length=300)),
                (
                    "domain",
                    models.CharField(
                        help_text='Host name without "www.", e.g. "strafasia.com".',
                        max_length=253,
                        unique=True,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "publications_outlet", "ordering": ["name"]},
        ),
        migrations.CreateModel(
            name="Series",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=160, unique=True)),
                ("slug", models.SlugField(max_length=180, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[("journal", "Journal"), ("series", "Series"), ("newsletter", "Newsletter")],
                        default="series",
                        max_length=20,
                    ),
                ),
                ("description", models.TextField(blank=True)),
                ("issn", models.CharField(blank=True, max_length=9, verbose_name="ISSN")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name_plural": "series",
                "db_table": "publications_series",
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="Topic",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, unique=True)),
                ("slug", models.SlugField(max_length=140, unique=True)),
                ("description", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "publications_topic", "ordering": ["name"]},
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
