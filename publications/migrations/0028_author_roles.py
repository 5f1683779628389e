# The workflow's roles (0011) gave nobody but superusers the right to add or change an author, yet editors are
# the people who keep bios current. Groups are data made by migration, so their permissions are given the
# same way, as 0027 did for the media library. Written by hand.

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The bio's rows, as the author form's inlines edit them (authors.admin): a position that ended is removed, so
# delete is among them.
BIO_ROWS = [
    ("authors", f"{verb}_{model}")
    for model in ("position", "education", "work", "authorlink")
    for verb in ("add", "change", "delete", "view")
]
# Editors keep bios: the author and their rows. The bio's pickers need to see what they pick (topics as areas
# of interest, outlets, library images: 0011 and 0027 gave every role those); an outlet missing from the
# picker can be added, but not renamed or deleted, which would change every piece cross-posted there.
KEEPING_BIOS = [
    ("authors", "add_author"),
    ("authors", "change_author"),
    ("authors", "view_author"),
    *BIO_ROWS,
    ("taxonomy", "add_outlet"),
]
# Moving an author to the trash takes them off the bylines of live pieces, and restoring puts them back:
# a public change, so a publisher's (Django's delete permission is what the trash asks).
AUTHOR_ROLES = {
    "editors": KEEPING_BIOS,
    "publishers": [*KEEPING_BIOS, ("authors", "delete_author")],
}


def _permissions(apps, codes):
    Permission = apps.get_model("auth", "Permission")
    return [Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in codes]


def give_author_permissions(apps, schema_editor) -> None:
    # Permissions are made after all migrations (post_migrate); on a new database they do not exist yet.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, codes in AUTHOR_ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(*_permissions(apps, codes))


def take_author_permissions(apps, schema_editor) -> None:
    Group = apps.get_model("auth", "Group")
    for name, codes in AUTHOR_ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            # view_author stays: 0011 gave it to every role for the byline picker.
            group.permissions.remove(
                *_permissions(apps, [code for code in codes if code[1] != "view_author"])
            )


class Migration(migrations.Migration):
    dependencies = [
        ("publications", "0027_media_roles"),
        ("authors", "0007_history_follows_media"),
        ("taxonomy", "0003_topic_parent"),
    ]

    operations = [migrations.RunPython(give_author_permissions, take_author_permissions)]
