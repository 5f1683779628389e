from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("media", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="image",
            name="rendition_error",
            field=models.CharField(blank=True, editable=False, max_length=300),
        ),
    ]
