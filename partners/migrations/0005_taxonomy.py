"""Webhook topic filters now point at taxonomy's Topic: the same table, so state only."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0004_webhook_safety"),
        ("taxonomy", "0001_initial"),
    ]
    # Before publications drops Topic from its state, which this relation still names until here.
    run_before = [("publications", "0005_taxonomy")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="webhooksubscription",
                    name="topics",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Only pieces on any of these topics.",
                        related_name="+",
                        to="taxonomy.topic",
                    ),
                ),
            ]
        )
    ]
