"""`make backup` and `make restore`: a backup restored into a fresh database brings everything back."""

from __future__ import annotations

import stat
import subprocess
import tarfile
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import AuthorFactory, PublicationFactory
from tests.processes import ROOT, child_environment, database_url, manage

# pg_dump reads through its own connection, so the content must be committed, not inside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def make(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    # -o: the virtualenv counts as installed, whatever pyproject.toml's timestamp says.
    return subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        **kwargs,
    )


def server_connection(database: str = "postgres") -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=database,
        autocommit=True,
    )


@pytest.fixture
def fresh_database():
    """An empty database on the test server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    with server_connection() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    yield name
    with server_connection() as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_a_fresh_database_brings_the_content_and_media_back(tmp_path, fresh_database):
    author = AuthorFactory(name="Syed Ali Abbas")
    PublicationFactory(published=True, title="Space Diplomacy Takes Flight", authors=[author])
    PublicationFactory(title="A draft in progress")
    media, restored_media = tmp_path / "media", tmp_path / "restored-media"
    (media / "publications" / "pdfs").mkdir(parents=True)
    (media / "publications" / "pdfs" / "brief.pdf").write_bytes(b"%PDF-1.7 the brief")
    archive = tmp_path / "backup.tar"

    backup = make("backup", f"FILE={archive}", env=child_environment(MEDIA_ROOT=str(media)))
    assert backup.returncode == 0, backup.stdout + backup.stderr
    with tarfile.open(archive) as tar:
        assert {"database.dump", "media/publications/pdfs/brief.pdf"} <= set(tar.getnames())

    restore_env = child_environment(DATABASE_URL=database_url(fresh_database), MEDIA_ROOT=str(restored_media))
    restore = make("restore", f"FILE={archive}", env=restore_env, input="yes\n")
    assert restore.returncode == 0, restore.stdout + restore.stderr
    # Again, over the content now there, as restoring a running site does: replaced, not doubled.
    again = manage("restore", "--noinput", str(archive), env=restore_env)
    assert again.returncode == 0, again.stdout + again.stderr

    with server_connection(fresh_database) as restored:
        titles = restored.execute(
            "SELECT title, status FROM publications_publication ORDER BY title"
        ).fetchall()
        names = restored.execute("SELECT name FROM authors_author").fetchall()
    assert titles == [("A draft in progress", "draft"), ("Space Diplomacy Takes Flight", "published")]
    assert names == [("Syed Ali Abbas",)]
    assert (restored_media / "publications" / "pdfs" / "brief.pdf").read_bytes() == b"%PDF-1.7 the brief"
    # The restored database is a working one for the app: every migration is there, none is missing.
    check = manage("migrate", "--check", env=child_environment(DATABASE_URL=database_url(fresh_database)))
    assert check.returncode == 0, check.stdout + check.stderr


def test_restore_asks_first_and_changes_nothing_without_a_yes(tmp_path, fresh_database):
    archive = tmp_path / "backup.tar"
    assert manage("backup", "--output", str(archive), env=child_environment()).returncode == 0

    restore = make(
        "restore",
        f"FILE={archive}",
        env=child_environment(DATABASE_URL=database_url(fresh_database)),
        input="no\n",
    )

    assert restore.returncode != 0 and "Restore cancelled." in restore.stderr
    with server_connection(fresh_database) as untouched:
        assert untouched.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (
            0,
        )


def test_restore_refuses_an_archive_that_is_not_a_backup(tmp_path, fresh_database):
    archive = tmp_path / "not-a-backup.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(__file__, arcname="notes.py")

    restore = manage(
        "restore", "--noinput", str(archive), env=child_environment(DATABASE_URL=database_url(fresh_database))
    )

    assert restore.returncode != 0 and "Not a backup: no database.dump in the archive." in restore.stderr


def test_a_backup_file_is_readable_by_its_owner_only(tmp_path, settings):
    # It holds the whole database: sessions of signed-in editors, webhook secrets, authors' emails, drafts.
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "backups" / "site.tar"

    call_command("backup", output=str(path), stdout=StringIO())

    assert tarfile.is_tarfile(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
