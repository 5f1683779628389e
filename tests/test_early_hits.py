"""Early cache hits (cissapi/early_hits.py): an anonymous read answered before the middleware below and DRF is
the full stack's answer, byte for byte and header for header, and is never served once the shared cache
would not serve it (an edit, an unpublish, a new generation, a scheduled piece's time)."""

import datetime as dt
import gc
import gzip
import io
import os
import time
import uuid
import weakref
from wsgiref.util import setup_testing_defaults

import pytest
import time_machine
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import text

from cissapi.api import change_listener
from cissapi.api.generation import Validity
from cissapi.api.throttling import AnonymousRateThrottle
from cissapi.compression import PublicGZipMiddleware
from cissapi.early_hits import ANSWERED, EarlyHitApp, EarlyHitMiddleware, KeptResponse, ProcessResponses
from publications.services import publication_unpublish, publication_update
from tests.factories import AuthorFactory, PublicationFactory, TopicFactory
from tests.test_change_listener import heard_after, in_another_connection

pytestmark = pytest.mark.django_db

ORIGIN = "https://frontend.example"


@pytest.fixture(autouse=True)
def api_cache(settings):
    settings.API_CACHE = True
    settings.API_CACHE_COUNTS = True
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]


@pytest.fixture
def piece():
    topic = TopicFactory(slug="arms-control")
    return PublicationFactory(
        published=True, title="Deterrence today", authors=[AuthorFactory()], topics=[topic]
    )


@pytest.fixture
def early_answers(monkeypatch) -> list[str]:
    """The paths answered early: a request goes through the stack exactly when the middleware learns from
    its answer afterwards."""
    answered: list[str] = []
    original = EarlyHitMiddleware.__call__

    def spy(self, request):
        passed: list[bool] = []
        learn = self.learn
        self.learn = lambda *args: (passed.append(True), learn(*args))
        try:
            response = original(self, request)
        finally:
            self.learn = learn
        if not passed and self.route(request) is not None:
            answered.append(request.path)
        return response

    monkeypatch.setattr(EarlyHitMiddleware, "__call__", spy)
    return answered


def clients(settings) -> tuple[Client, Client]:
    """A client whose server keeps no responses (the full stack every time), and one that does."""
    settings.API_CACHE_PROCESS_BYTES = 0
    full = Client()
    full.get("/robots.txt")  # loads the middleware with the setting as it is now
    settings.API_CACHE_PROCESS_BYTES = 1024 * 1024
    return full, Client()


def fetch(client: Client, method: str, url: str, **headers: str):
    # Both answers show the same allowance (RateLimit: r=299). Only this client's counter: on Redis the
    # throttle shares its database with the response cache, which clear() would empty.
    throttle = AnonymousRateThrottle()
    caches["throttle"].delete(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})
    return getattr(client, method)(url, **headers)


def as_sent(response) -> tuple[int, list[tuple[str, str]], bytes, str]:
    content, headers = response.content, list(response.headers.items())
    if response.get("Content-Encoding") == "gzip":
        # Django's BREACH mitigation pads each compressed body with random bytes, so its length differs from
        # one answer to the next, the full stack's too; what it holds must not.
        content = gzip.decompress(content)
        headers = [(name, value) for name, value in headers if name != "Content-Length"]
    return response.status_code, headers, content, response.cookies.output()


def urls(piece) -> list[tuple[str, dict[str, str]]]:
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    return [
        (reverse("v1:publication-list"), {}),
        (f"{reverse('v1:publication-list')}?topic=arms-control&page_size=5", {}),
        (detail, {}),
        (
            reverse("v1:publication-cite", kwargs={"slug": piece.slug}),
            {"HTTP_ACCEPT": "application/x-bibtex"},
        ),
        ("/feeds/json/", {}),
        ("/feeds/rss/", {}),
        ("/", {}),
        (reverse("v1:author-list"), {}),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ORIGIN": ORIGIN},
        {"HTTP_ACCEPT_ENCODING": "gzip"},
        {"HTTP_HOST": "TESTSERVER:80"},
    ],
    ids=["plain", "cors", "gzip", "host-spelling"],
)
def test_an_early_hit_is_the_full_stacks_answer(settings, piece, early_answers, headers):
    full, early = clients(settings)
    for url, extra in urls(piece):
        sent = {**headers, **extra}
        fetch(early, "get", url, **sent)  # learned from the stack's answer
        for method in ("get", "head"):
            expected = as_sent(fetch(full, method, url, **sent))
            assert expected[0] == 200, url
            before = len(early_answers)
            got = as_sent(fetch(early, method, url, **sent))
            assert got[1] == expected[1], (method, url)
            assert got == expected, (method, url)
            assert len(early_answers) == before + 1, f"{method} {url} was not answered early"


@pytest.mark.parametrize("validator", ["etag", "last-modified"])
def test_an_early_304_is_the_full_stacks_304(settings, piece, early_answers, validator):
    full, early = clients(settings)
    for url, extra in urls(piece):
        first = fetch(early, "get", url, **extra)
        conditional = (
            {"HTTP_IF_NONE_MATCH": first["ETag"]}
            if validator == "etag"
            else {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
        )
        headers = {**extra, **conditional, "HTTP_ORIGIN": ORIGIN}
        expected = as_sent(fetch(full, "get", url, **headers))
        assert expected[0] == 304, url
        assert as_sent(fetch(early, "get", url, **headers)) == expected  # the stack's, learned
        before = len(early_answers)
        assert as_sent(fetch(early, "get", url, **headers)) == expected, url
        assert len(early_answers) == before + 1, f"{url} was not answered early"


def test_a_stale_validator_gets_the_whole_answer_early(client, piece, early_answers):
    url = reverse("v1:publication-list")
    first = client.get(url)
    again = client.get(url, HTTP_IF_NONE_MATCH='"not-this-one"')
    assert again.status_code == 200
    assert again.content == first.content
    assert early_answers == [url]


def test_an_early_hit_costs_one_read_of_the_shared_cache(client, piece, django_assert_num_queries):
    url = reverse("v1:publication-list")
    client.get(url)
    client.get(url)
    with django_assert_num_queries(1):  # the generation and the time of the last change, together
        client.get(url)


def test_an_edit_is_seen_by_the_next_request(client, piece, early_answers):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    for url in (detail, reverse("v1:publication-list"), "/feeds/json/"):
        client.get(url)
    piece.summary = "Revised."
    publication_update(publication=piece)

    assert client.get(detail).json()["summary"] == "Revised."
    assert "Revised." in client.get("/feeds/json/").content.decode()
    assert early_answers == []


def test_an_unpublished_piece_is_never_served_early(client, piece, early_answers, editor):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    assert client.get(detail).status_code == 200
    assert client.get(detail).status_code == 200
    assert early_answers == [detail]

    publication_unpublish(publication=piece, by=editor)

    assert client.get(detail).status_code != 200
    assert piece.title not in client.get(reverse("v1:publication-list")).content.decode()


def test_a_scheduled_piece_appears_on_time_with_early_hits(client, piece):
    scheduled = PublicationFactory(scheduled=True, title="Not yet")
    url = reverse("v1:publication-list")
    assert "Not yet" not in client.get(url).content.decode()
    assert "Not yet" not in client.get(url).content.decode()

    with time_machine.travel(scheduled.published_at + dt.timedelta(seconds=1)):
        assert "Not yet" in client.get(url).content.decode()


def test_early_hits_are_counted_by_the_anonymous_throttle(client, settings, piece, early_answers):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    url = reverse("v1:publication-list")
    answers = [client.get(url) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert [answer["RateLimit"] for answer in answers[:3]] == [
        '"anonymous";r=2;t=60',
        '"anonymous";r=1;t=60',
        '"anonymous";r=0;t=60',
    ]
    assert answers[3]["Content-Type"] == "application/problem+json"
    assert early_answers == [url, url]


def test_site_pages_are_not_throttled_early_either(client, settings, piece):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/minute"}}
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_COOKIE": "csrftoken=abc"},
    ],
    ids=["authorization", "session", "csrf"],
)
def test_requests_with_credentials_or_a_session_go_through_the_stack(client, piece, early_answers, headers):
    url = reverse("v1:publication-list")
    client.get(url, **headers)
    assert client.get(url, **headers).status_code == 200
    assert early_answers == []


def test_analytics_cookies_do_not_keep_a_request_from_an_early_hit(client, piece, early_answers):
    url = reverse("v1:publication-list")
    client.get(url, HTTP_COOKIE="_ga=GA1.2.3")
    client.get(url, HTTP_COOKIE="_ga=GA1.2.3")
    assert early_answers == [url]


def test_another_spelling_of_the_query_shares_the_views_entry(client, piece, django_assert_num_queries):
    url = reverse("v1:publication-list")
    client.get(f"{url}?page_size=5&topic=arms-control")
    with django_assert_num_queries(1):  # the view's own lookup: the same entry, under the view's key
        respelled = client.get(f"{url}?topic=arms-control&page_size=5")
    assert respelled.status_code == 200


def test_the_kept_responses_stay_within_their_budget():
    kept = ProcessResponses(budget=4000)
    validity = Validity(token="t", born=0.0, keys=())
    for number in range(10):
        response = KeptResponse(validity, {"ETag": '"x"'}, b"x" * 1000, counted=True, expires=1e12)
        kept.keep(("http://testserver", "/", str(number), ""), f"key-{number}", response)

    assert kept.used == sum(response.size for response in kept.responses.values()) <= 4000
    assert list(kept.responses) == ["key-7", "key-8", "key-9"]  # the least recently used went first
    assert kept.find(("http://testserver", "/", "0", "")) is None


def test_the_early_read_is_the_connections_health_check(client, piece, early_answers, monkeypatch):
    from django.db import connections

    connection = connections["default"]
    url = reverse("v1:publication-list")
    client.get(url)
    checks: list[bool] = []
    is_usable = type(connection).is_usable
    monkeypatch.setattr(type(connection), "is_usable", lambda self: checks.append(True) or is_usable(self))
    connection.health_check_done = False  # as at the start of a request on a persistent connection

    assert client.get(url).status_code == 200

    assert early_answers == [url]
    assert checks == []  # no `SELECT 1` before the read: one round trip, not two


def test_a_failed_read_leaves_the_request_to_the_stack(client, piece, early_answers, monkeypatch):
    from django.db import OperationalError

    url = reverse("v1:publication-list")
    first = client.get(url)

    def unreachable(*args, **kwargs):
        raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr("cissapi.early_hits.still_valid", unreachable)
    again = client.get(url)

    assert (again.status_code, again.content) == (200, first.content)
    assert early_answers == []


@pytest.mark.parametrize("encoding", ["gzip", ""], ids=["gzip", "plain"])
def test_an_early_hit_sends_the_stacks_own_bytes(settings, piece, early_answers, monkeypatch, encoding):
    # Without Django's random padding both compress to the same bytes, Content-Length included.
    monkeypatch.setattr(PublicGZipMiddleware, "max_random_bytes", 0)
    full, early = clients(settings)
    for url, extra in urls(piece):
        sent = {**extra, "HTTP_ACCEPT_ENCODING": encoding}
        fetch(early, "get", url, **sent)
        expected = fetch(full, "get", url, **sent)
        got = fetch(early, "get", url, **sent)
        assert list(got.headers.items()) == list(expected.headers.items()), url
        assert got.content == expected.content, url
    assert len(early_answers) == len(urls(piece))


def test_an_early_hit_is_compressed_once(client, piece, early_answers, monkeypatch):
    compressed: list[int] = []
    django_compress = text.gzip_compress
    monkeypatch.setattr(
        text, "gzip_compress", lambda data, **kw: compressed.append(1) or django_compress(data, **kw)
    )
    once_compress = gzip.compress
    monkeypatch.setattr(
        gzip, "compress", lambda data, **kw: compressed.append(1) or once_compress(data, **kw)
    )
    url = reverse("v1:publication-list")
    answers = [client.get(url, HTTP_ACCEPT_ENCODING="gzip") for _ in range(4)]

    assert early_answers == [url] * 3
    assert len(compressed) == 2  # the stack's answer, and the early hits' stream
    assert len({gzip.decompress(answer.content) for answer in answers}) == 1
    # Each compressed answer is padded anew (Django's BREACH mitigation), as the stack's answers are.
    assert len({answer["Content-Length"] for answer in answers}) > 1


def test_a_gzip_hit_after_an_unpublish_is_not_served(client, piece, early_answers, editor):
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    listing = reverse("v1:publication-list")
    for url in (detail, detail, listing, listing):
        assert client.get(url, HTTP_ACCEPT_ENCODING="gzip").status_code == 200
    assert early_answers == [detail, listing]

    publication_unpublish(publication=piece, by=editor)

    assert client.get(detail, HTTP_ACCEPT_ENCODING="gzip").status_code == 404
    assert piece.title not in as_sent(client.get(listing, HTTP_ACCEPT_ENCODING="gzip"))[2].decode()
    assert early_answers == [detail, listing]


def test_a_kept_responses_compressed_stream_counts_within_the_budget():
    kept = ProcessResponses(budget=5000)
    validity = Validity(token="t", born=0.0, keys=())
    # Random bytes: a stream about as long as the body, so the two bodies and a stream exceed the budget.
    responses = [KeptResponse(validity, {}, os.urandom(2000), counted=True, expires=1e12) for _ in range(2)]
    for number, response in enumerate(responses):
        response.once.compressed = lambda size, number=number: kept.grown(
            f"key-{number}", responses[number], size
        )
        kept.keep(("http://testserver", "/", str(number), ""), f"key-{number}", response)

    stream = responses[1].once.gzipped()

    assert list(kept.responses) == ["key-1"]  # over the budget: the least recently used went
    assert kept.used == responses[1].size == 2000 + len(stream)


# --- Before Django's handler: EarlyHitApp (cissapi/wsgi.py) --------------------------------------------
# It answers only on the change listener's word (a read goes through Django), so these tests commit for real
# and let the listener hear its heartbeat (as tests/test_change_listener.py does).
Sent = tuple[str, list[tuple[str, str]], bytes]


@pytest.fixture
def listening(settings):
    settings.API_CACHE_LISTEN = True
    settings.API_CACHE_LISTEN_HEARTBEAT = 1.0


@pytest.fixture
def app_answers(monkeypatch) -> list[str]:
    """The paths EarlyHitApp answered itself, before Django's handler."""
    answered: list[str] = []
    original = EarlyHitApp.answer

    def spy(self, environ, *args):
        answer = original(self, environ, *args)
        if answer is not None:
            answered.append(environ["PATH_INFO"])
        return answer

    monkeypatch.setattr(EarlyHitApp, "answer", spy)
    return answered


def wsgi_apps(settings) -> tuple[WSGIHandler, EarlyHitApp]:
    """Django's handler keeping no responses (the full stack every time), and the application as served."""
    settings.API_CACHE_PROCESS_BYTES = 0
    full = WSGIHandler()
    settings.API_CACHE_PROCESS_BYTES = 1024 * 1024
    return full, EarlyHitApp(WSGIHandler())


def call(app, method: str, url: str, *, count_afresh: bool = True, **headers: str) -> Sent:
    """The status line, headers and body a WSGI server gets from `app`, which it then closes (Django's
    request_finished). `count_afresh`: this client's throttle counter emptied first (the same allowance)."""
    if count_afresh:
        throttle = AnonymousRateThrottle()
        caches["throttle"].delete(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})
    path, _, query = url.partition("?")
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    environ["REMOTE_ADDR"] = "127.0.0.1"
    environ.update(headers)
    sent: dict = {}

    def start_response(status, response_headers, exc_info=None):
        sent.update(status=status, headers=list(response_headers))

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        if hasattr(iterable, "close"):
            iterable.close()
    return sent["status"], sent["headers"], body


def unpadded(answer: Sent) -> Sent:
    """A compressed answer's body decompressed and its Content-Length left out (Django's BREACH padding
    makes both differ from one answer to the next, the full stack's too)."""
    status, headers, body = answer
    if ("Content-Encoding", "gzip") in headers:
        return (
            status,
            [(name, value) for name, value in headers if name != "Content-Length"],
            gzip.decompress(body),
        )
    return answer


def before_django(app: EarlyHitApp, answered: list[str], method: str, url: str, **headers: str) -> Sent:
    """Sends the request until EarlyHitApp answers it (the first go through Django: the view, then the
    middleware's early answers it learns from, and reads while the listener is not yet trusted)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        before = len(answered)
        answer = call(app, method, url, **headers)
        if len(answered) > before:
            return answer
        time.sleep(0.02)
    pytest.fail(f"{method} {url} {headers} was never answered before Django's handler")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_ORIGIN": ORIGIN},
        {"HTTP_ORIGIN": "https://elsewhere.example"},
        {"HTTP_ACCEPT_ENCODING": "gzip, deflate"},
        {"HTTP_HOST": "TESTSERVER:80"},
        {"HTTP_COOKIE": "_ga=GA1.2.3", "HTTP_ORIGIN": ORIGIN, "HTTP_ACCEPT_ENCODING": "gzip"},
    ],
    ids=["plain", "cors-allowed", "cors-refused", "gzip", "host-spelling", "cookie-cors-gzip"],
)
def test_the_app_answers_before_django_as_the_full_stack(settings, listening, piece, app_answers, headers):
    full, app = wsgi_apps(settings)
    for url, extra in urls(piece):
        sent = {**headers, **extra}
        for method in ("GET", "HEAD"):  # a GET first: responses are kept from GETs
            got = before_django(app, app_answers, method, url, **sent)
            expected = call(full, method, url, **sent)
            assert expected[0] == "200 OK", url
            assert unpadded(got)[1] == unpadded(expected)[1], (method, url)
            assert unpadded(got) == unpadded(expected), (method, url)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("encoding", ["gzip", ""], ids=["gzip", "plain"])
def test_the_app_sends_the_stacks_own_bytes(settings, listening, piece, app_answers, monkeypatch, encoding):
    # Without Django's random padding both compress to the same bytes, Content-Length included.
    monkeypatch.setattr(PublicGZipMiddleware, "max_random_bytes", 0)
    full, app = wsgi_apps(settings)
    for url, extra in urls(piece):
        sent = {**extra, "HTTP_ACCEPT_ENCODING": encoding, "HTTP_ORIGIN": ORIGIN}
        assert before_django(app, app_answers, "GET", url, **sent) == call(full, "GET", url, **sent), url


@pytest.mark.django_db(transaction=True)
def test_the_apps_compressed_answers_are_padded_anew(settings, listening, piece, app_answers):
    _, app = wsgi_apps(settings)
    url = reverse("v1:publication-list")
    before_django(app, app_answers, "GET", url, HTTP_ACCEPT_ENCODING="gzip")
    answers = [call(app, "GET", url, HTTP_ACCEPT_ENCODING="gzip") for _ in range(6)]

    assert len(app_answers) >= 4
    assert len({gzip.decompress(body) for _, _, body in answers}) == 1
    assert len({dict(headers)["Content-Length"] for _, headers, _ in answers}) > 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("validator", ["etag", "last-modified"])
def test_the_apps_304_is_the_full_stacks_304(settings, listening, piece, app_answers, validator):
    full, app = wsgi_apps(settings)
    for url, extra in urls(piece):
        first = dict(call(app, "GET", url, **extra)[1])
        conditional = (
            {"HTTP_IF_NONE_MATCH": first["ETag"]}
            if validator == "etag"
            else {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
        )
        headers = {**extra, **conditional, "HTTP_ORIGIN": ORIGIN, "HTTP_ACCEPT_ENCODING": "gzip"}
        expected = call(full, "GET", url, **headers)
        assert expected[0] == "304 Not Modified", url
        assert before_django(app, app_answers, "GET", url, **headers) == expected, url
        # A stale validator gets the whole answer.
        stale = {**headers, "HTTP_IF_NONE_MATCH": '"not-this-one"'}
        assert unpadded(before_django(app, app_answers, "GET", url, **stale)) == unpadded(
            call(full, "GET", url, **stale)
        )


@pytest.mark.django_db(transaction=True)
def test_the_app_counts_first_and_leaves_a_refused_request_to_the_stack(
    settings, listening, piece, app_answers
):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute"}}
    _, app = wsgi_apps(settings)
    url = reverse("v1:publication-list")
    before_django(app, app_answers, "GET", url)
    app_answers.clear()
    throttle = AnonymousRateThrottle()
    caches["throttle"].delete(throttle.cache_format % {"scope": throttle.scope, "ident": "127.0.0.1"})

    answers = [call(app, "GET", url, count_afresh=False) for _ in range(4)]

    assert [status for status, _, _ in answers] == ["200 OK", "200 OK", "200 OK", "429 Too Many Requests"]
    assert [dict(headers)["RateLimit"] for _, headers, _ in answers[:3]] == [
        '"anonymous";r=2;t=60',
        '"anonymous";r=1;t=60',
        '"anonymous";r=0;t=60',
    ]
    assert dict(answers[3][1])["Content-Type"] == "application/problem+json"
    assert app_answers == [url] * 3  # the refused one went through Django, which answered the 429


@pytest.mark.django_db(transaction=True)
def test_a_bad_host_goes_to_the_stack(settings, listening, piece, app_answers):
    _, app = wsgi_apps(settings)
    url = reverse("v1:publication-list")
    before_django(app, app_answers, "GET", url)
    app_answers.clear()

    for host in ("evil.example", "evil.example:80", "127.0.0.1:notaport"):
        assert call(app, "GET", url, HTTP_HOST=host)[0].startswith("400"), host
    assert app_answers == []


@pytest.mark.django_db(transaction=True)
def test_an_edit_is_seen_by_the_apps_next_answer(settings, listening, piece, app_answers, editor):
    _, app = wsgi_apps(settings)
    detail = reverse("v1:publication-detail", kwargs={"slug": piece.slug})
    listing = reverse("v1:publication-list")
    for url in (detail, listing, "/feeds/json/"):
        before_django(app, app_answers, "GET", url, HTTP_ACCEPT_ENCODING="gzip")
    app_answers.clear()
    before = change_listener.listener.change

    piece.summary = "Revised."
    in_another_connection(lambda: publication_update(publication=piece))
    heard_after(before)

    assert b"Revised." in unpadded(call(app, "GET", detail, HTTP_ACCEPT_ENCODING="gzip"))[2]
    assert b"Revised." in unpadded(call(app, "GET", "/feeds/json/", HTTP_ACCEPT_ENCODING="gzip"))[2]
    assert app_answers == []

    before = change_listener.listener.change
    in_another_connection(lambda: publication_unpublish(publication=piece, by=editor))
    heard_after(before)

    assert call(app, "GET", detail)[0].startswith("404")
    assert piece.title.encode() not in call(app, "GET", listing)[2]
    assert app_answers == []


@pytest.mark.django_db(transaction=True)
def test_credentials_and_sessions_go_through_django(settings, listening, piece, app_answers):
    _, app = wsgi_apps(settings)
    url = reverse("v1:publication-list")
    before_django(app, app_answers, "GET", url)
    app_answers.clear()

    for headers in (
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
        {"HTTP_COOKIE": "sessionid=abc"},
        {"HTTP_COOKIE": "_ga=1; csrftoken=abc"},
        {"HTTP_IF_MATCH": '"x"'},
    ):
        call(app, "GET", url, **headers)
    assert app_answers == []


class RequestIdMiddleware:
    """A header that differs on every answer, set above the early layer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["X-Request-Id"] = uuid.uuid4().hex
        return response


@pytest.mark.django_db(transaction=True)
def test_a_header_set_anew_on_every_answer_is_never_served_from_memory(
    settings, listening, piece, app_answers
):
    settings.MIDDLEWARE = ["tests.test_early_hits.RequestIdMiddleware", *settings.MIDDLEWARE]
    _, app = wsgi_apps(settings)
    url = reverse("v1:publication-list")
    answers = [call(app, "GET", url) for _ in range(20)]

    assert len({dict(headers)["X-Request-Id"] for _, headers, _ in answers}) == 20
    assert app_answers == []


def test_the_apps_routes_keep_no_evicted_response_alive():
    store = ProcessResponses(budget=1_000_000)
    kept = KeptResponse(Validity(token="t", born=0.0, keys=()), {"ETag": '"x"'}, b"x" * 1000, False, 1e12)
    store.keep(("http://testserver", "/", "", ""), "key", kept)
    app = EarlyHitApp(lambda environ, start_response: [])
    environ = {"REQUEST_METHOD": "GET", ANSWERED: (store, "key", kept)}
    app.learn(environ, ("raw",), "200 OK", [("ETag", '"x"')], HttpResponse(b"x" * 1000))
    assert app.routes == {("raw",): (store, "key")}
    alive = weakref.ref(kept)

    store.drop("key")
    del kept, environ
    gc.collect()

    assert alive() is None
    assert app.answer({"REQUEST_METHOD": "GET"}, store, "key") is None
