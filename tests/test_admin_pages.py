"""Every model registered in the admin has a changelist, an add form and a change form that render."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse

from tests.factories import (
    AuthorFactory,
    AuthorLinkFactory,
    CrossPostFactory,
    EducationFactory,
    OutletFactory,
    PositionFactory,
    PublicationFactory,
    SeriesFactory,
    TopicFactory,
    WorkFactory,
)

pytestmark = pytest.mark.django_db


def _author_with_bio() -> models.Model:
    author = AuthorFactory()
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
    )
    CrossPostFactory(publication=publication)
    return publication


# A sample for each registered model, with its inlines filled so the change form renders them too.
# Registering a model without adding a sample here fails test_every_registered_model_has_a_sample.
SAMPLES: dict[str, Callable[[], models.Model]] = {
    "auth.user": lambda: get_user_model().objects.create_user("someone", password="a-long-test-password"),
    "auth.group": lambda: Group.objects.create(name="Editors"),
    "authors.author": _author_with_bio,
    "publications.crosspost": CrossPostFactory,
    "publications.outlet": OutletFactory,
    "publications.publication": _full_publication,
    "publications.series": SeriesFactory,
    "publications.topic": TopicFactory,
}
REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


def test_every_registered_model_has_a_sample():
    assert sorted(SAMPLES) == REGISTERED


@pytest.mark.parametrize("label", REGISTERED)
def test_admin_pages_render(editor_client, label):
    obj = SAMPLES[label]()
    app_label, model_name = label.split(".")

    for url in [
        reverse(f"admin:{app_label}_{model_name}_changelist"),
        reverse(f"admin:{app_label}_{model_name}_add"),
        reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]),
    ]:
        assert editor_client.get(url).status_code == 200, url
