"""Every model registered in the admin has a changelist, an add form and a change form that render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import (
    AuthorFactory,
    AuthorLinkFactory,
    CrossPostFactory,
    EducationFactory,
    OutletFactory,
    PartnerFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    WorkFactory,
    stored_image,
)

pytestmark = pytest.mark.django_db


def _author_with_bio() -> models.Model:
    author = AuthorFactory(photo=stored_image("images/2026/portrait.jpg", alt="A portrait"))
    author.interests.add(TopicFactory())
    PositionFactory(author=author)
    EducationFactory(author=author)
    WorkFactory(author=author)
    AuthorLinkFactory(author=author)
    return author


def _full_publication() -> models.Model:
    publication = PublicationFactory(
        published=True,
        authors=[AuthorFactory(), AuthorFactory()],
        topics=[TopicFactory()],
        series=SeriesFactory(),
        lead_image=stored_image("images/2026/launch.jpg", alt="A rocket"),
    )
    CrossPostFactory(publication=publication)
    return publication


def _api_key() -> models.Model:
    from partners.services import api_key_issue

    return api_key_issue(partner=PartnerFactory(), name="sync")[0]


def _api_key_usage() -> models.Model:
    from partners.models import ApiKeyUsage

    return ApiKeyUsage.objects.create(api_key=_api_key(), day=dt.date(2026, 1, 2), requests=3)


def _webhook() -> models.Model:
    from partners.models import WebhookSubscription

    # A public address literal: saving resolves the host (partners.targets), and the tests have no DNS.
    subscription = WebhookSubscription.objects.create(partner=PartnerFactory(), url="https://8.8.8.8/hook")
    subscription.topics.add(TopicFactory())
    return subscription


def _webhook_delivery() -> models.Model:
    from partners.models import WebhookDelivery
    from publications.models import PublicationChange

    publication = PublicationFactory(published=True)
    change = PublicationChange.objects.filter(publication_id=publication.pk).first()
    return WebhookDelivery.objects.create(
        subscription=_webhook(), change=change, event="published", body="{}"
    )


# A sample for each registered model, with its inlines filled so the change form renders them too.
# Registering a model without adding a sample here fails test_every_registered_model_has_a_sample.
SAMPLES: dict[str, Callable[[], models.Model]] = {
    "auth.user": lambda: get_user_model().objects.create_user("someone", password="a-long-test-password"),
    "auth.group": lambda: Group.objects.create(name="Editors"),
    "authors.author": _author_with_bio,
    "publications.crosspost": CrossPostFactory,
    "taxonomy.outlet": OutletFactory,
    "publications.publication": _full_publication,
    "taxonomy.series": SeriesFactory,
    "taxonomy.topic": TopicFactory,
    "media.image": lambda: stored_image("images/2026/map.jpg", alt="A map", thumbnail="renditions/map.webp"),
    "partners.partner": PartnerFactory,
    "partners.apikey": _api_key,
    "partners.apikeyusage": _api_key_usage,
    "partners.webhooksubscription": _webhook,
    "partners.webhookdelivery": _webhook_delivery,
}
# Read-only admins of third-party apps, whose rows their app writes, not editors: procrastinate's jobs and
# django-axes' login attempts and logs (an editor deletes an attempt to lift a lockout early).
THIRD_PARTY = {
    "procrastinate.procrastinatejob",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}
REGISTERED = sorted(
    label for model in admin.site._registry if (label := model._meta.label_lower) not in THIRD_PARTY
)


def test_every_registered_model_has_a_sample():
    assert sorted(SAMPLES) == REGISTERED


@pytest.mark.parametrize("label", REGISTERED)
def test_admin_pages_render(editor, editor_client, label):
    obj = SAMPLES[label]()
    app_label, model_name = label.split(".")

    model_admin = admin.site._registry[type(obj)]
    urls = [
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]),
    ]
    # Logs (usage counts, deliveries) are written by the system; their admins rightly offer no add form.
    request = RequestFactory().get("/")
    request.user = editor
    if model_admin.has_add_permission(request):
        urls.append(reverse(f"admin:{app_label}_{model_name}_add"))
    for url in urls:
        assert editor_client.get(url).status_code == 200, url


def test_queue_job_admin_renders(editor_client):
    assert editor_client.get(reverse("admin:procrastinate_procrastinatejob_changelist")).status_code == 200


@pytest.mark.parametrize("model_name", ["accessattempt", "accesslog", "accessfailurelog"])
def test_login_attempt_admins_render(editor_client, model_name):
    assert editor_client.get(reverse(f"admin:axes_{model_name}_changelist")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/publications/publication/?language=%00",
        "/admin/publications/publication/?type=%00",
        "/admin/authors/author/?kind=%00",
        "/admin/publications/crosspost/?relation=%00",
        "/admin/publications/publication/?o=1&%00=1",
    ],
)
def test_a_nul_in_an_admin_lists_filters_is_a_400_not_a_500(editor_client, url):
    PublicationFactory(published=True, language="en")

    response = editor_client.get(url)

    assert response.status_code == 400
    # The same list without the NUL still answers.
    assert editor_client.get(url.replace("%00", "en")).status_code in (200, 302)
