"""The deployment files agree with each other, with settings.py and with what the README promises."""

from __future__ import annotations

import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests.processes import child_environment, manage

ROOT = Path(settings.BASE_DIR)
# Every name settings.py (or gunicorn.conf.py) reads: os.environ.get("X"), os.environ["X"], env_bool("X"), ...
SETTING_READ = re.compile(
    r"""(?:environ\.get\(|environ\[|env_bool\(|env_list\()\s*["']([A-Z][A-Z0-9_]*)["']"""
)
EXAMPLE_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def settings_read() -> set[str]:
    sources = [ROOT / "cissapi" / "settings.py", ROOT / "gunicorn.conf.py"]
    return {name for source in sources for name in SETTING_READ.findall(source.read_text())}


def compose_environment(**required: str) -> dict[str, str]:
    """The web service's environment as compose resolves it with nothing set but the `required` names."""

    def resolve(match: re.Match) -> str:
        name, operator, default = match.groups()
        return default if operator == "-" else required[name]

    environment = compose()["services"]["web"]["environment"]
    return {
        name: re.sub(r"\$\{(\w+):([-?])([^}]*)\}", resolve, str(value)) for name, value in environment.items()
    }


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
    assert "--config gunicorn.conf.py" in command
    assert (ROOT / web["build"] / "Dockerfile").exists()


def test_compose_requires_a_secret_key_and_reads_only_known_settings():
    environment = compose()["services"]["web"]["environment"]

    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert (
        environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
    )
    # A misspelt name would be silently ignored by the app.
    assert set(environment) <= settings_read()


def test_compose_serves_uploads_so_images_and_pdfs_are_found():
    # Nothing else in compose serves MEDIA_URL: without it every image and PDF would be a 404.
    assert compose_environment(SECRET_KEY="k", POSTGRES_PASSWORD="p")["SERVE_MEDIA"] == "1"
    # A .env copied from the example must not turn it off.
    assert re.search(r"^SERVE_MEDIA=1$", (ROOT / ".env.example").read_text(), re.MULTILINE)


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


def test_compose_gives_gunicorn_explicit_workers_threads_and_timeout(monkeypatch):
    environment = compose_environment(SECRET_KEY="k", POSTGRES_PASSWORD="p")
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.setenv(name, environment[name])

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))

    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == int(environment["WEB_CONCURRENCY"]) >= 2
    assert config["threads"] == int(environment["GUNICORN_THREADS"]) >= 2
    assert config["timeout"] == int(environment["GUNICORN_TIMEOUT"]) <= 60


@pytest.mark.django_db
def test_check_deploy_is_clean_with_the_settings_compose_runs():
    environment = compose_environment(SECRET_KEY=secrets.token_urlsafe(50), POSTGRES_PASSWORD="unused")
    # The test database stands in for compose's `db` service: the schema check builds the API's schema.
    environment.pop("DATABASE_URL")

    result = manage("check", "--deploy", "--fail-level", "WARNING", env=child_environment(**environment))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_check_deploy_warns_without_the_https_settings():
    """The clean check above is not vacuous: the same run without compose's security block warns."""
    environment = {"SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "0"}

    result = manage("check", "--deploy", env=child_environment(**environment))

    # W010: the session cookie's warning in the form Django gives when its session middleware is not named
    # in MIDDLEWARE (cissapi.request_state's lazy one stands in for it); it says the same as W012.
    for warning in ("security.W004", "security.W008", "security.W010", "security.W016"):
        assert warning in result.stdout + result.stderr
    assert "drf_spectacular" not in result.stdout + result.stderr


# --- Scale-out engines (issue 16, h16-engines) ---
def test_compose_puts_varnish_with_the_shipped_vcl_in_front_of_web_and_the_worker_purges_it():
    services = compose()["services"]
    varnish = services["varnish"]
    dockerfile = (ROOT / varnish["build"] / "Dockerfile").read_text()
    vcl = (ROOT / varnish["build"] / "default.vcl").read_text()

    assert "varnish-modules" in dockerfile and "COPY default.vcl /etc/varnish/default.vcl" in dockerfile
    assert "import xkey;" in vcl and '.host = "web";' in vcl and '.port = "8000";' in vcl
    assert varnish["depends_on"] == {"web": {"condition": "service_started"}}
    assert services["worker"]["environment"]["VARNISH_PURGE_URLS"] == "${VARNISH_PURGE_URLS:-http://varnish/}"


def test_compose_redis_evicts_only_keys_with_a_ttl():
    command = " ".join(compose()["services"]["redis"]["command"])

    assert "--maxmemory-policy volatile-ttl" in command


@pytest.mark.django_db
def test_the_wsgi_module_freezes_what_it_loaded_so_full_collections_skip_it():
    # A full garbage collection walked every object of Django, DRF and the apps (~130,000) on each run, a
    # pause of tens of milliseconds for all of a worker's threads; frozen, it walks what requests made.
    probe = (
        "import gc, sys\n"
        "import cissapi.wsgi\n"
        "print(gc.get_freeze_count(), 'publications.api.views' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=child_environment(SECRET_KEY=secrets.token_urlsafe(50)),
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    frozen, views_loaded = result.stdout.split()
    assert int(frozen) > 50_000
    assert views_loaded == "True"  # the URLconf's views were loaded before the freeze
