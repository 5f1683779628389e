"""An author's photo moves into the media library: each stored photo becomes a library image (alt text: the
author's name) the author points at. The files stay where they are."""

from django.db import migrations, models
import django.db.models.deletion

from media.migration_helpers import library_image


def photos_to_library(apps, schema_editor):
    Image = apps.get_model("media", "Image")
    Author = apps.get_model("authors", "Author")
    for author in Author.objects.exclude(photo_file="").only("photo_file", "honorific", "name"):
        author.photo = library_image(
            Image, author.photo_file.name, alt=f"{author.honorific} {author.name}".strip()
        )
        author.save(update_fields=["photo"])


def photos_back(apps, schema_editor):
    Author = apps.get_model("authors", "Author")
    for author in Author.objects.exclude(photo=None).select_related("photo"):
        author.photo_file = author.photo.file.name
        author.save(update_fields=["photo_file"])


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_initial"),
        ("authors", "0005_trash"),
    ]

    operations = [
        migrations.RenameField(model_name="author", old_name="photo", new_name="photo_file"),
        migrations.AddField(
            model_name="author",
            name="photo",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="photo_of",
                to="media.image",
            ),
        ),
        migrations.RunPython(photos_to_library, photos_back),
        migrations.RemoveField(model_name="author", name="photo_file"),
    ]
