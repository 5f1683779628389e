import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(**options) -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out, **options)
    return out.getvalue()


def test_creates_the_admin_from_settings_and_prints_the_login_but_not_its_password(settings):
    settings.ADMIN_USERNAME, settings.ADMIN_PASSWORD = "chief", "a-long-editor-password"

    printed = run(port="8123")

    user = get_user_model().objects.get(username="chief")
    assert user.is_superuser and user.check_password("a-long-editor-password")
    assert "http://127.0.0.1:8123/admin/" in printed
    # A password from the environment is never echoed to a terminal or a log.
    assert "a-long-editor-password" not in printed
    assert "password: (the one in ADMIN_PASSWORD)" in printed


def test_a_generated_password_is_kept_so_a_second_run_prints_the_same(settings, tmp_path):
    settings.VAR_DIR, settings.ADMIN_PASSWORD = tmp_path, ""

    first, second = run(), run()

    password = (tmp_path / "admin_password").read_text().strip()
    assert f"password: {password}" in first
    assert first == second
    assert get_user_model().objects.get(username="admin").check_password(password)


def test_a_changed_admin_password_is_set_but_not_printed(settings):
    settings.ADMIN_USERNAME, settings.ADMIN_PASSWORD = "chief", "the-first-long-password"
    run()
    settings.ADMIN_PASSWORD = "the-second-long-password"

    printed = run()

    assert get_user_model().objects.get(username="chief").check_password("the-second-long-password")
    assert "long-password" not in printed
