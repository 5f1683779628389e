"""A publication's lead image moves into the media library: each stored image, with its caption, credit and
alt text, becomes a library image the piece points at. The files stay where they are."""

from django.db import migrations, models
import django.db.models.deletion

from media.migration_helpers import library_image


def images_to_library(apps, schema_editor):
    Image = apps.get_model("media", "Image")
    Publication = apps.get_model("publications", "Publication")
    for publication in Publication.objects.exclude(image="").only(
        "image", "image_caption", "image_credit", "image_alt"
    ):
        publication.lead_image = library_image(
            Image,
            publication.image.name,
            alt=publication.image_alt,
            caption=publication.image_caption,
            credit=publication.image_credit,
        )
        publication.save(update_fields=["lead_image"])


def images_back(apps, schema_editor):
    Publication = apps.get_model("publications", "Publication")
    for publication in Publication.objects.exclude(lead_image=None).select_related("lead_image"):
        image = publication.lead_image
        publication.image = image.file.name
        publication.image_alt, publication.image_caption = image.alt, image.caption
        publication.image_credit = image.credit
        publication.save(update_fields=["image", "image_alt", "image_caption", "image_credit"])


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_initial"),
        ("publications", "0008_trash"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="lead_image",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lead_of",
                to="media.image",
            ),
        ),
        migrations.RunPython(images_to_library, images_back),
        migrations.RemoveField(model_name="publication", name="image"),
        migrations.RemoveField(model_name="publication", name="image_caption"),
        migrations.RemoveField(model_name="publication", name="image_credit"),
        migrations.RemoveField(model_name="publication", name="image_alt"),
        migrations.AddField(
            model_name="publication",
            name="pdf_size",
            field=models.PositiveBigIntegerField(
                blank=True, editable=False, null=True, verbose_name="PDF size (bytes)"
            ),
        ),
        migrations.AddField(
            model_name="publication",
            name="pdf_pages",
            field=models.PositiveIntegerField(
                blank=True, editable=False, null=True, verbose_name="PDF pages"
            ),
        ),
    ]
