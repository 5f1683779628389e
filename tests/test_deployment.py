"""The deployment files agree with each other, with settings.py and with what the README promises."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Every name settings.py reads: os.environ.get("X"), os.environ["X"], env_bool("X"), env_list("X").
SETTING_READ = re.compile(
    r"""(?:environ\.get\(|environ\[|env_bool\(|env_list\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
EXAMPLE_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_read() -> set[str]:
    return set(SETTING_READ.findall((ROOT / "cissapi" / "settings.py").read_text()))


def test_compose_runs_postgres_18_with_a_health_check_and_a_volume():
    db = compose()["services"]["db"]

    assert db["image"] == "postgres:18"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]


def test_compose_web_migrates_then_serves_with_gunicorn_once_the_database_is_healthy():
    web = compose()["services"]["web"]
    command = " ".join(web["command"])

    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert command.index("manage.py migrate") < command.index("gunicorn cissapi.wsgi")
    assert (ROOT / web["build"] / "Dockerfile").exists()


def test_compose_requires_a_secret_key_and_reads_only_known_settings():
    environment = compose()["services"]["web"]["environment"]

    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert (
        environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
    )
    # A misspelt name would be silently ignored by the app.
    assert set(environment) <= settings_read()


def test_env_example_lists_every_setting_with_a_comment():
    text = (ROOT / ".env.example").read_text()
    listed = EXAMPLE_LINE.findall(text)

    assert settings_read() <= set(listed)
    assert len(listed) == len(set(listed))
    # Each setting, or a run of related settings, sits under a comment that explains it.
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if EXAMPLE_LINE.match(line):
            above = index - 1
            while EXAMPLE_LINE.match(lines[above]):
                above -= 1
            assert lines[above].startswith("# ") and not lines[above].startswith("# ---"), line


def test_readme_starts_with_the_two_commands_and_names_the_compose_services():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]

    assert re.findall(r"^make \w+", first_block.split("\n", 1)[1], re.MULTILINE) == ["make run", "make test"]
    for service in compose()["services"]:
        assert f"`{service}`" in readme


def test_compose_runs_the_webhook_worker_as_its_own_service_with_the_app_settings():
    services = compose()["services"]
    worker = services["worker"]
    assert worker["command"] == ["python", "manage.py", "webhook_worker"]
    assert worker["environment"] == services["web"]["environment"]
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_worker_is_supervised_and_has_a_health_check():
    worker = compose()["services"]["worker"]

    assert worker["healthcheck"]["test"] == ["CMD", "python", "manage.py", "webhook_worker", "--check"]
    assert "manage.py webhook_worker &" in (ROOT / "Makefile").read_text()
