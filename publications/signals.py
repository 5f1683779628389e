"""Keep derived data in step with edits made anywhere (admin, services, shell): the search vector and the
change log. Writes that bypass signals (QuerySet.update, bulk_create) must call these helpers themselves.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from authors.models import Author
from publications.changelog import changelog_delete, changelog_sync, changelog_sync_many
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.search import refresh_search_vectors
from taxonomy.models import Outlet, Series, Topic

# The fields of related objects that appear in a publication's public representation; saving anything
# else (an author's bio, a topic's description) changes no publication.
PUBLIC_FIELDS: dict[type[Model], tuple[str, ...]] = {
    Author: ("slug", "name", "honorific", "headline"),
    Topic: ("slug", "name"),
    Series: ("slug", "name"),
    Outlet: ("slug", "name", "domain", "homepage"),
}


# A publication's own fields that never reach the API (internal notes) or follow from every save (the
# timestamps, the search vector): saving only these is no public change. Everything else is public, so a
# new field counts as public until it is listed here (an extra `updated` row, never a missed one).
PRIVATE_PUBLICATION_FIELDS = frozenset({"internal_notes", "created_at", "updated_at", "search_vector"})


def public_publication_fields() -> list[str]:
    """The concrete fields of Publication that the API shows, directly or through what they derive."""
    return [
        field.attname
        for field in Publication._meta.concrete_fields
        if field.name not in PRIVATE_PUBLICATION_FIELDS
    ]


@receiver(pre_save, sender=Publication)
def remember_public_publication(sender, instance: Publication, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk:
        instance._public_fields_before = (
            Publication.objects.filter(pk=instance.pk).values_list(*public_publication_fields()).first()
        )


@receiver(post_save, sender=Publication)
def publication_saved(sender, instance: Publication, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_search_vectors([instance.pk])
        # Values as the database returns them: a date given as a string, say, compares as stored.
        after = Publication.objects.filter(pk=instance.pk).values_list(*public_publication_fields()).first()
        public_change = created or getattr(instance, "_public_fields_before", None) != after
        changelog_sync(publication=instance, public_change=public_change)


@receiver(post_delete, sender=Publication)
def publication_deleted(sender, instance: Publication, **kwargs) -> None:
    changelog_delete(publication_id=instance.pk, publication_uuid=instance.uuid, slug=instance.slug)


@receiver(post_save, sender=PublicationAuthor)
@receiver(post_delete, sender=PublicationAuthor)
def authorship_changed(sender, instance: PublicationAuthor, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    refresh_search_vectors([instance.publication_id])
    if not _deleted_with_its_publication(kwargs.get("origin")):
        changelog_sync_many(publication_ids=[instance.publication_id])


@receiver(post_save, sender=CrossPost)
@receiver(post_delete, sender=CrossPost)
def cross_post_changed(sender, instance: CrossPost, raw: bool = False, **kwargs) -> None:
    if not raw and not _deleted_with_its_publication(kwargs.get("origin")):
        changelog_sync_many(publication_ids=[instance.publication_id])


@receiver(m2m_changed, sender=Publication.topics.through)
def topics_changed(sender, instance: Model, action: str, reverse: bool, pk_set: set[int] | None, **kwargs):
    if action in {"post_add", "post_remove"} and not pk_set:
        # A form saving the same topics again (`set()` adds none): nothing changed.
        return
    if reverse and action == "pre_clear":
        # The topic's publications are gone from the table by post_clear.
        changelog_sync_many(publication_ids=instance.publications.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove", "post_clear"}:
        if not reverse:
            changelog_sync_many(publication_ids=[instance.pk])
        elif pk_set:
            changelog_sync_many(publication_ids=pk_set)


@receiver(pre_save, sender=Author)
@receiver(pre_save, sender=Topic)
@receiver(pre_save, sender=Series)
@receiver(pre_save, sender=Outlet)
def remember_public_fields(sender, instance: Model, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk:
        instance._public_fields_before = (
            sender.objects.filter(pk=instance.pk).values_list(*PUBLIC_FIELDS[sender]).first()
        )


@receiver(post_save, sender=Author)
def author_saved(sender, instance: Author, created: bool, raw: bool = False, **kwargs) -> None:
    # A renamed author must be findable under the new name in every piece they wrote.
    if not raw and not created:
        publication_ids = list(instance.authorships.values_list("publication_id", flat=True))
        refresh_search_vectors(publication_ids)
        if _public_fields_changed(instance):
            changelog_sync_many(publication_ids=publication_ids)


@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Series)
def grouping_saved(sender, instance: Topic | Series, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw and not created and _public_fields_changed(instance):
        changelog_sync_many(publication_ids=instance.publications.values_list("pk", flat=True))


@receiver(pre_delete, sender=Topic)
@receiver(pre_delete, sender=Series)
def remember_grouped_publications(sender, instance: Topic | Series, **kwargs) -> None:
    # Deleting a topic removes its links and deleting a series empties the field, both in SQL that sends
    # no signal for the publications; remember which pieces lose it while they are still linked.
    instance._publication_ids = list(instance.publications.values_list("pk", flat=True))


@receiver(post_delete, sender=Topic)
@receiver(post_delete, sender=Series)
def grouping_deleted(sender, instance: Topic | Series, **kwargs) -> None:
    changelog_sync_many(publication_ids=getattr(instance, "_publication_ids", []))


@receiver(post_save, sender=Outlet)
def outlet_saved(sender, instance: Outlet, created: bool, raw: bool = False, **kwargs) -> None:
    if not raw and not created and _public_fields_changed(instance):
        changelog_sync_many(publication_ids=instance.cross_posts.values_list("publication_id", flat=True))


def _public_fields_changed(instance: Model) -> bool:
    now = tuple(getattr(instance, field) for field in PUBLIC_FIELDS[type(instance)])
    return getattr(instance, "_public_fields_before", None) != now


def _deleted_with_its_publication(origin: object) -> bool:
    # Deleting a publication cascades to its authorships and cross-posts; its tombstone says it all.
    if isinstance(origin, QuerySet):
        return origin.model is Publication
    return isinstance(origin, Publication)
