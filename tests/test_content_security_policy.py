"""The Content-Security-Policy: pages load only this origin's assets, everything else loads nothing.

No browser runs here, so the pages are checked the way one would enforce the policy: every script,
stylesheet and icon comes from this origin's static files (which exist), and every inline script or style
carries the nonce the header allows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders

from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


class Assets(HTMLParser):
    """The external assets of a page, and the nonce (or None) of each inline script and style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_nonces: list[str | None] = []
        self._open: tuple[str, dict] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        elif tag == "link" and attributes.get("rel") in {"stylesheet", "icon"}:
            self.urls.append(attributes["href"])
        elif tag in {"script", "style"}:
            self._open = (tag, attributes)
        if "style" in attributes or any(name.startswith("on") for name in attributes):
            self.inline_nonces.append(None)  # a style or event-handler attribute: no nonce can allow it

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.inline_nonces.append(self._open[1].get("nonce"))

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def assert_page_loads_only_allowed_assets(client, response) -> None:
    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assets = Assets()
    assets.feed(response.content.decode())
    assert assets.urls
    for url in assets.urls:
        # Same origin: a path, not another host (`//cdn...` or `https://...`).
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
        else:
            assert client.get(url).status_code == 200, url  # e.g. the admin's /admin/jsi18n/
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"])
    for inline in assets.inline_nonces:
        assert nonce and inline == nonce.group(1)


def test_the_api_docs_page_runs_its_inline_script_by_nonce_and_loads_assets_from_self(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert_page_loads_only_allowed_assets(client, response)
    assert "'nonce-" in directives(response)["style-src"]


def test_each_docs_request_gets_a_new_nonce(client):
    first, second = (directives(client.get("/api/docs/"))["script-src"] for _ in range(2))

    assert first != second


def test_the_admin_login_page_loads_only_assets_from_self(client):
    response = client.get("/admin/login/")

    assert response.status_code == 200
    assert_page_loads_only_allowed_assets(client, response)


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/publications/publication/", "/admin/publications/publication/add/"]
)
def test_admin_pages_load_only_assets_from_self(editor_client, path):
    PublicationFactory()

    response = editor_client.get(path)

    assert response.status_code == 200
    assert_page_loads_only_allowed_assets(editor_client, response)
    html = response.content.decode()
    if "/add/" in path:
        # The body editor's import map is inline; the checks above hold it to the page's nonce.
        assert '<script type="importmap" nonce=' in html
    else:
        # The other admin pages have no inline code, so no nonce is offered to them.
        assert "'nonce-" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1/publications/",
        "/api/v1/schema/",
        "/api/v1/nowhere/",
        "/feeds/rss/",
        "/sitemap.xml",
    ],
)
def test_responses_that_are_not_pages_allow_nothing(client, path):
    response = client.get(path)

    assert directives(response) == {"default-src": "'none'", "frame-ancestors": "'none'"}


def test_the_policy_of_responses_that_are_not_pages_is_the_one_django_csp_builds(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from cissapi.content_security_policy import ContentSecurityPolicyMiddleware

    ours, theirs = (
        HttpResponse(b"{}", content_type="application/json"),
        HttpResponse(b"{}", content_type="application/json"),
    )
    ContentSecurityPolicyMiddleware(lambda request: ours).process_response(rf.get("/api/v1/"), ours)
    CSPMiddleware.process_response(
        ContentSecurityPolicyMiddleware(lambda request: theirs), rf.get("/api/v1/"), theirs
    )

    # django-csp's directive order follows a set's (varies by process): compare directive by directive.
    assert directives(ours) == directives(theirs) == {"default-src": "'none'", "frame-ancestors": "'none'"}


def test_a_report_only_policy_still_reaches_responses_that_are_not_pages(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"]}}

    response = client.get("/api/v1/")

    assert response["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    assert directives(response) == {"default-src": "'none'", "frame-ancestors": "'none'"}
