"""The content types of Topic, Series and Outlet follow the models from publications to taxonomy.

Renaming the rows (rather than letting Django create new ones) keeps their ids, so the admin's history,
the permissions (add_topic, ...) and the groups and users holding them stay attached to the same models.
A database that never had the old rows (a fresh one) has nothing to rename; Django creates the new ones.
"""

from django.db import migrations

MODELS = ("topic", "series", "outlet")


def _relabel(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def forwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, old="publications", new="taxonomy")


def backwards(apps, schema_editor) -> None:
    _relabel(apps, schema_editor, old="taxonomy", new="publications")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("taxonomy", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
