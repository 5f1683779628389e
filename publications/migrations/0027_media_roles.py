# The workflow's roles (0011) were given no permission on the media library, so nobody but a superuser could
# choose a lead image, browse images from the body editor's figure dialog or upload one. Groups are data
# made by migration, so their permissions are given the same way. Written by hand.

from django.contrib.auth.management import create_permissions
from django.db import migrations

# What each role may do in the library, added to 0011's ROLES: contributors pick and upload images for their
# pieces, editors also correct an image's alt text, caption or credit, publishers also delete (an image in use
# cannot be deleted).
PICKING = [("media", "view_image"), ("media", "add_image")]
MEDIA_ROLES = {
    "contributors": PICKING,
    "editors": [*PICKING, ("media", "change_image")],
    "publishers": [*PICKING, ("media", "change_image"), ("media", "delete_image")],
}


def _permissions(apps, codes):
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in codes]


def give_media_permissions(apps, schema_editor) -> None:
    # Permissions are made after all migrations (post_migrate); on a new database they do not exist yet.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codes in MEDIA_ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(apps, codes))


def take_media_permissions(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    for name, codes in MEDIA_ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, codes))


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0026_language_live_index"),
        ("media", "0001_initial"),
    ]

    operations = [migrations.RunPython(give_media_permissions, take_media_permissions)]
