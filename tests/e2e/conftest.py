"""Browser tests: the app under a real server, driven by Playwright in Debian's headless Chromium.

Every test here is marked `e2e` (`make e2e` runs them; `make test` runs the rest). The browser is the
`chromium` Debian package at /usr/bin/chromium, installed with apt-get when missing; Playwright's own
browser download is never used. Each `step(page, name)` saves a screenshot under
var/screenshots/<test>/<nn>-<name>.png (git-ignored), so a failure can be seen as the editor saw it.
The README's screenshots (docs/screenshots/) are taken by the same flows but written only when asked
(`make screenshots`, E2E_UPDATE_DOCS=1), so a test run leaves the checkout as it found it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
DOCS_SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"
ADMIN_USERNAME = "desk"
ADMIN_PASSWORD = "a-long-e2e-password"
# The widths the admin must serve: a common laptop and a small phone.
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


def _apt_get(*args: str) -> subprocess.CompletedProcess[str]:
    # Other sessions on the machine may hold the dpkg lock; wait for it rather than fail.
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "-y", *args]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(command, capture_output=True, text=True, env=environment, check=False)


def ensure_chromium() -> Path:
    """Debian's Chromium, installed with apt-get when missing; a failure (never a skip) when it cannot be."""
    if CHROMIUM.exists():
        return CHROMIUM
    if shutil.which("apt-get") is None:
        pytest.fail(f"{CHROMIUM} is missing and there is no apt-get to install it.", pytrace=False)
    installed = _apt_get("install", "chromium")
    if installed.returncode != 0:
        # A fresh machine has no package lists yet, or stale ones.
        _apt_get("update")
        installed = _apt_get("install", "chromium")
    if installed.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(
            f"Could not install Debian's chromium (apt-get install chromium, run as root):\n"
            f"{installed.stdout[-2000:]}{installed.stderr[-2000:]}",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def browser() -> Iterator:
    executable = ensure_chromium()
    # Playwright's sync API runs an event loop in this thread; Django then refuses database calls from
    # it (the factories and assertions of a test) unless told that this thread is really synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def open_tab(browser, live_server, transactional_db) -> Iterator[Callable]:
    """`open_tab(**context_options)`: a new tab in a fresh browser (own cookies) on the live server.

    Desktop width unless `viewport` says otherwise; any other option of Browser.new_context applies
    (`timezone_id`, `locale`...).
    """
    contexts = []

    def open_one(**options):
        context = browser.new_context(base_url=live_server.url, **{"viewport": DESKTOP, **options})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_tab):
    """A fresh browser tab at desktop width whose relative URLs go to the live server."""
    return open_tab()


@pytest.fixture
def step(request: pytest.FixtureRequest) -> Callable:
    """`step(page, "saved")` saves the page as var/screenshots/<test>/<nn>-saved.png and returns its path."""
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    taken = 0

    def take(page, name: str, *, full_page: bool = True) -> Path:
        nonlocal taken
        taken += 1
        path = folder / f"{taken:02d}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def update_docs_screenshot(taken: Path, name: str) -> None:
    """Copies a step's screenshot to docs/screenshots/<name> when E2E_UPDATE_DOCS=1 (`make screenshots`):
    pixels differ from run to run, and a plain test run must not dirty the checkout."""
    if os.environ.get("E2E_UPDATE_DOCS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(taken, DOCS_SCREENSHOTS / name)


@pytest.fixture
def desk_user(transactional_db):
    """The superuser the browser logs in as (editors work as superusers today)."""
    return get_user_model().objects.create_superuser(ADMIN_USERNAME, "desk@ciss.example", ADMIN_PASSWORD)


def log_in(page, *, username: str = ADMIN_USERNAME, password: str = ADMIN_PASSWORD) -> None:
    """Log in through the real admin login form (django-axes and all)."""
    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")


@pytest.fixture
def admin_page(page, desk_user, step):
    """A tab logged in to the admin as `desk_user`, at the admin index."""
    log_in(page)
    step(page, "logged in")
    return page


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of the current page at the given impacts (axe.min.js from the package)."""
    from axe_playwright_python.sync_playwright import Axe

    # Axe evaluates its script through the DevTools protocol, so the app's CSP needs no exception.
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in impacts]
