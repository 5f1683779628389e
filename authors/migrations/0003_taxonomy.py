"""Areas of interest and outlets now point at taxonomy's Topic and Outlet: the same tables, so state only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("authors", "0002_interests_outlets"),
        ("taxonomy", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="author",
                    name="interests",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="interested_authors",
                        to="taxonomy.topic",
                        verbose_name="areas of interest",
                    ),
                ),
                migrations.AlterField(
                    model_name="author",
                    name="outlets",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Outlets they have written for.",
                        related_name="authors",
                        to="taxonomy.outlet",
                    ),
                ),
            ]
        )
    ]
