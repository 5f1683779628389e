"""Logging in to the admin through its real form, and the login page's accessibility."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import axe_violations, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_editor_logs_in_through_the_form_and_lands_on_the_catalogue(page, desk_user, step):
    page.goto("/admin/")
    page.wait_for_url("**/admin/login/?next=/admin/")
    step(page, "login form")

    log_in(page)

    assert page.get_by_role("heading", name="Catalogue").is_visible()
    assert page.get_by_role("link", name="Publications").first.is_visible()
    step(page, "catalogue")


def test_a_wrong_password_is_refused_on_the_form(page, desk_user, step):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(desk_user.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    assert page.locator(".errornote").is_visible()
    assert "/admin/login/" in page.url
    step(page, "refused")


def test_axe_reports_violations_it_finds(page, step):
    page.goto("/admin/login/")
    # A field without a label is a serious violation axe-core knows ("label"); it proves the check runs.
    page.locator("#login-form").evaluate("form => form.insertAdjacentHTML('beforeend', '<input type=text>')")

    assert "label" in {violation["id"] for violation in axe_violations(page)}


def test_the_login_page_has_no_serious_accessibility_violation(page, step):
    page.goto("/admin/login/")
    step(page, "login page")

    assert axe_violations(page) == []
