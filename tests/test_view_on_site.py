"""The admin's "view on site" redirect (/admin/r/<content type>/<id>/) answers only for what the person may
see in the admin: Django's own answers any staff member for any row, naming the address (the slug) of
pieces they may not open."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from publications.models import Publication
from publications.services import publication_create
from tests.factories import AuthorFactory, PublicationFactory

pytestmark = pytest.mark.django_db


def view_on_site(obj) -> str:
    return reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def test_a_contributor_learns_nothing_of_anothers_draft_from_view_on_site(client, member_of):
    other = member_of("contributors")
    theirs = publication_create(
        publication=Publication(title="Unannounced", slug="unannounced-talks-with-x"), by=other
    )
    in_review = PublicationFactory(slug="embargoed-report", in_review=True)
    client.force_login(member_of("contributors"))

    for piece in (theirs, in_review):
        response = client.get(view_on_site(piece))
        assert response.status_code == 404
        assert piece.slug not in response.content.decode()


def test_staff_without_a_models_permission_are_not_redirected_to_its_rows(client, django_user_model):
    author = AuthorFactory(slug="hidden-author")
    client.force_login(
        django_user_model.objects.create_user("clerk", password="a-long-test-password", is_staff=True)
    )

    assert client.get(view_on_site(author)).status_code == 404


def test_view_on_site_still_redirects_what_the_person_may_see(client, member_of):
    contributor = member_of("contributors")
    mine = publication_create(publication=Publication(title="Mine", slug="mine"), by=contributor)
    client.force_login(contributor)

    response = client.get(view_on_site(mine))

    assert response.status_code == 302 and response["Location"].endswith("/publications/mine/")


@pytest.mark.parametrize("path", ["/admin/r/abc/1/", "/admin/r/99999999999999999999/1/", "/admin/r/1/%00/"])
def test_a_view_on_site_address_that_names_nothing_is_a_404(editor_client, path):
    assert editor_client.get(path).status_code == 404
