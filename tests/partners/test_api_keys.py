import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from partners.models import ApiKey, ApiKeyUsage
from partners.services import api_key_issue, api_key_revoke, hash_key
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/changes/"


def auth(key):
    return {"authorization": f"Api-Key {key}"}


def test_issued_key_is_stored_only_as_prefix_and_hash(partner_key):
    api_key, key = partner_key
    stored = ApiKey.objects.filter(pk=api_key.pk).values().get()

    assert key not in {str(value) for value in stored.values()}
    assert key.split(".")[1] not in "".join(str(value) for value in stored.values())
    assert stored["prefix"] == key.split(".")[0]
    assert stored["hashed_key"] == hash_key(key)


def test_a_valid_key_is_accepted_and_counted_per_day(client, partner_key):
    api_key, key = partner_key

    assert client.get(URL, headers=auth(key)).status_code == 200
    assert client.get(URL, headers=auth(key)).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert client.get(URL, headers=auth(key)).status_code == 200

    today = timezone.now().astimezone(dt.UTC).date()
    assert list(
        ApiKeyUsage.objects.filter(api_key=api_key).order_by("day").values_list("day", "requests")
    ) == [
        (today, 2),
        (today + dt.timedelta(days=1), 1),
    ]


def test_no_key_is_anonymous_access(client):
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Api-Key nonsense", "Api-Key", "Api-Key two parts", "Api-Key 0123456789ab.wrong-secret"],
)
def test_a_bad_key_is_a_401_not_anonymous_access(client, partner_key, header):
    response = client.get(URL, headers={"authorization": header})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert "detail" in response.json() or "title" in response.json()


def test_a_right_prefix_with_a_wrong_secret_is_refused(client, partner_key):
    _, key = partner_key
    prefix = key.split(".")[0]

    assert client.get(URL, headers=auth(f"{prefix}.{'A' * 43}")).status_code == 401


def test_a_revoked_key_is_refused(client, partner_key):
    api_key, key = partner_key
    api_key_revoke(api_key=api_key)

    response = client.get(URL, headers=auth(key))

    assert response.status_code == 401
    assert response.json()["detail"] == "This API key has been revoked."


def test_a_key_stops_working_when_it_expires(client):
    expires_at = timezone.now() + dt.timedelta(days=30)
    _, key = api_key_issue(partner=PartnerFactory(), name="trial", expires_at=expires_at)

    assert client.get(URL, headers=auth(key)).status_code == 200
    with time_machine.travel(expires_at + dt.timedelta(seconds=1)):
        response = client.get(URL, headers=auth(key))

    assert response.status_code == 401
    assert response.json()["detail"] == "This API key has expired."


def test_each_partner_is_throttled_at_its_own_rate_with_retry_after(client, mid_window):
    _, slow_key = api_key_issue(partner=PartnerFactory(throttle_rate="2/minute"), name="slow")
    _, fast_key = api_key_issue(partner=PartnerFactory(throttle_rate="100/minute"), name="fast")

    statuses = [client.get(URL, headers=auth(slow_key)).status_code for _ in range(3)]
    throttled = client.get(URL, headers=auth(slow_key))

    assert statuses == [200, 200, 429]
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) == 50
    assert [client.get(URL, headers=auth(fast_key)).status_code for _ in range(3)] == [200, 200, 200]


def test_a_throttled_partner_gets_in_again_in_the_next_window(client, mid_window):
    _, key = api_key_issue(partner=PartnerFactory(throttle_rate="1/minute"), name="sync")
    assert [client.get(URL, headers=auth(key)).status_code for _ in range(2)] == [200, 429]

    mid_window.shift(dt.timedelta(seconds=50))

    assert [client.get(URL, headers=auth(key)).status_code for _ in range(2)] == [200, 429]


def test_the_rate_window_counts_each_request_once_and_restarts_in_a_new_window(mid_window):
    from partners.throttles import partner_window_hit

    partner = PartnerFactory()
    hits = [partner_window_hit(partner_id=partner.pk, window=7, duration=60) for _ in range(5)]

    # Each hit returns the running total from one atomic UPSERT; a new window starts again at 1.
    assert hits == [1, 2, 3, 4, 5]
    assert partner_window_hit(partner_id=partner.pk, window=8, duration=60) == 1


def test_admin_issues_a_key_shown_once_on_its_own_page_and_revokes_it(editor_client):
    partner = PartnerFactory()

    response = editor_client.post(
        "/admin/partners/apikey/add/",
        {
            "partner": partner.pk,
            "name": "news app",
            "expires_at_0": "",
            "expires_at_1": "",
            "usage-TOTAL_FORMS": "0",
            "usage-INITIAL_FORMS": "0",
        },
    )

    # The key is on the response page itself, never in a redirect's messages cookie or the session.
    assert response.status_code == 200
    assert response.templates[0].name == "admin/partners/apikey/key_issued.html"
    key = response.context["key"]
    page = response.content.decode()
    assert key in page
    assert "no-store" in response["Cache-Control"]
    api_key = ApiKey.objects.get(partner=partner)
    assert api_key.hashed_key == hash_key(key)
    secret = key.split(".")[1]
    assert all(secret not in morsel.value for morsel in editor_client.cookies.values())
    assert secret not in str(dict(editor_client.session))
    assert not list(response.context["messages"])
    assert key not in editor_client.get(f"/admin/partners/apikey/{api_key.pk}/change/").content.decode()
    assert key not in editor_client.get("/admin/partners/apikey/").content.decode()

    editor_client.post(
        "/admin/partners/apikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_someone_who_may_only_view_keys_cannot_revoke_them(client, partner_key, django_user_model):
    api_key, _ = partner_key
    # Say an analyst who follows partners' usage: view permissions on keys and their usage, nothing else.
    analyst = django_user_model.objects.create_user("analyst", password="a-long-test-password", is_staff=True)
    analyst.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_apikey", "view_apikeyusage", "view_partner"])
    )
    client.force_login(analyst)
    assert client.get("/admin/partners/apikey/").status_code == 200

    response = client.post("/admin/partners/apikey/", {"action": "revoke", "_selected_action": [api_key.pk]})

    assert response.status_code == 200  # the list again, with Django's "No action selected."
    api_key.refresh_from_db()
    assert api_key.revoked_at is None


def test_admin_shows_usage_by_day(editor_client, client, partner_key):
    api_key, key = partner_key
    client.get(URL, headers=auth(key))

    response = editor_client.get("/admin/partners/apikeyusage/")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("api_key", "requests")) == [(api_key.pk, 1)]
