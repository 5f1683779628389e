"""Sessions and messages built only when used (cissapi/request_state.py): an anonymous read builds
neither, and answers exactly as Django's middleware would."""

import pytest
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse

from cissapi.request_state import LazyMessageMiddleware, LazySessionMiddleware, _unused
from tests.factories import PublicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def piece():
    return PublicationFactory(published=True, slug="piece")


@pytest.mark.parametrize("url", ["/api/v1/publications/piece/", "/api/v1/publications/", "/feeds/json/"])
def test_an_anonymous_read_builds_no_session_and_no_message_store(client, url):
    response = client.get(url)

    assert response.status_code == 200
    # An API read does not even pass the two middleware (cissapi/anonymous_reads.py): no lazy object either.
    for name in ("session", "_messages"):
        assert not hasattr(response.wsgi_request, name) or _unused(getattr(response.wsgi_request, name))
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")


def test_a_stale_session_cookie_is_still_cleared(client):
    client.cookies["sessionid"] = "stale"  # no such session, as after a logout elsewhere

    response = client.get("/api/v1/publications/piece/")

    assert response.status_code == 200
    assert response.cookies["sessionid"].value == ""  # deleted, as Django's middleware does
    assert response.cookies["sessionid"]["max-age"] == 0


def test_a_message_added_by_one_request_is_read_by_the_next(rf):
    def view(request):
        if request.GET.get("add"):
            messages.add_message(request, messages.INFO, "Saved.")
            return HttpResponse(b"")
        return HttpResponse(" ".join(str(message) for message in messages.get_messages(request)))

    handler = LazySessionMiddleware(LazyMessageMiddleware(view))
    adding = handler(rf.get("/", {"add": "1"}))
    reading = rf.get("/")
    reading.COOKIES = {name: morsel.value for name, morsel in adding.cookies.items()}
    shown = handler(reading)
    after = handler(rf.get("/"))

    assert "messages" in adding.cookies  # stored for the next request, as Django's messages are
    assert shown.content == b"Saved."
    assert after.content == b""


def test_an_editor_still_logs_in(client):
    get_user_model().objects.create_superuser("state-editor", "", "a-long-test-password")

    login = client.post(
        "/admin/login/?next=/admin/", {"username": "state-editor", "password": "a-long-test-password"}
    )
    page = client.get("/admin/")

    assert login.status_code == 302 and "sessionid" in login.cookies
    assert page.status_code == 200
    assert b"state-editor" in page.content
