"""Route writes made outside the services into the services' side effects (publications.services), and
hear the hooks of the layers below (authors, taxonomy) whose writes change publications' documents.

The routing receivers exist only so that a bare `save()` or `delete()` (a shell, a factory, a script) is not
missed; while a service writes they stand aside (cissapi.writes), since the service runs the same side
effects itself, once. Writes that send no signals (QuerySet.update, bulk_create) must call the services'
side-effect functions themselves.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from authors.models import Author
from authors.services import author_changed
from cissapi.api.invalidation import everything_changed
from cissapi.writes import is_bare_write
from publications.models import CrossPost, Publication, PublicationAuthor
from publications.services import (
    author_bylines_changed,
    publication_changed,
    publication_deleted,
    publication_revision_record,
    publications_changed,
    stored_publication,
    taxonomy_item_changed,
    taxonomy_item_deleting,
)
from taxonomy.models import Outlet, Series, Topic
from taxonomy.services import taxonomy_changed, taxonomy_deleting


def _bare(raw: bool) -> bool:
    # A fixture load (`raw`) restores rows; it changes nothing anyone was told.
    return not raw and is_bare_write()


@receiver(pre_save, sender=Publication)
def remember_stored_publication(sender, instance: Publication, raw: bool = False, **kwargs) -> None:
    if _bare(raw):
        instance._stored_before = stored_publication(instance.pk)


@receiver(post_save, sender=Publication)
def route_bare_save(sender, instance: Publication, raw: bool = False, **kwargs) -> None:
    if _bare(raw):
        publication_changed(publication=instance, before=getattr(instance, "_stored_before", None))


@receiver(pre_delete, sender=Publication)
def remember_deleted_publication(sender, instance: Publication, **kwargs) -> None:
    if is_bare_write():
        # Its byline, topics and cross-posts are deleted with it: what showed it is known only before.
        instance._stored_before = stored_publication(instance.pk)


@receiver(post_delete, sender=Publication)
def route_bare_delete(sender, instance: Publication, **kwargs) -> None:
    if is_bare_write():
        publication_deleted(
            publication_id=instance.pk,
            uuid=instance.uuid,
            slug=instance.slug,
            before=getattr(instance, "_stored_before", None),
        )


@receiver(post_save, sender=PublicationAuthor)
@receiver(post_delete, sender=PublicationAuthor)
@receiver(post_save, sender=CrossPost)
@receiver(post_delete, sender=CrossPost)
def route_bare_row_write(
    sender, instance: PublicationAuthor | CrossPost, raw: bool = False, **kwargs
) -> None:
    if _bare(raw) and not _deleted_with_its_publication(kwargs.get("origin")):
        if kwargs.get("created") is False:
            # A row changed in place may have pointed at another author or outlet, which is not known.
            everything_changed()
        linked = (
            f"author-{instance.author_id}"
            if isinstance(instance, PublicationAuthor)
            else f"outlet-{instance.outlet_id}"
        )
        publications_changed(
            publication_ids=[instance.publication_id], search=sender is PublicationAuthor, unlinked=[linked]
        )
        publication_revision_record(publication=instance.publication)


@receiver(m2m_changed, sender=Publication.topics.through)
def route_bare_topic_links(
    sender, instance: Model, action: str, reverse: bool, pk_set: set[int] | None, **kwargs
) -> None:
    if not is_bare_write():
        return
    if action in {"post_add", "post_remove"} and not pk_set:
        # A form saving the same topics again (`set()` adds none): nothing changed.
        return
    if reverse and action == "pre_clear":
        # The topic's publications are gone from the table by post_clear.
        # Reversed, the link is cleared from the topic's side: `instance` is a Topic.
        topic = cast(Topic, instance)
        publications_changed(
            publication_ids=topic.publications.values_list("pk", flat=True),
            search=False,
            unlinked=[f"topic-{topic.pk}"],
        )
    elif action == "pre_clear":
        # The topics the publication leaves are gone by post_clear.
        publication = cast(Publication, instance)
        publication._cleared_topics = list(publication.topics.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove", "post_clear"}:
        if not reverse:
            topic_ids = pk_set or getattr(instance, "_cleared_topics", [])
            publications_changed(
                publication_ids=[instance.pk], search=False, unlinked=[f"topic-{pk}" for pk in topic_ids]
            )
            # Not reversed: the link changed from the publication's side, so `instance` is a Publication.
            publication_revision_record(publication=cast(Publication, instance))
        elif pk_set:
            publications_changed(publication_ids=pk_set, search=False, unlinked=[f"topic-{instance.pk}"])


@receiver(author_changed, sender=Author)
def author_was_changed(sender, author: Author, before: dict[str, Any] | None, **kwargs) -> None:
    author_bylines_changed(author=author, before=before)


@receiver(taxonomy_changed)
def taxonomy_was_changed(
    sender, instance: Topic | Series | Outlet, before: dict[str, Any] | None, **kwargs
) -> None:
    taxonomy_item_changed(instance=instance, before=before)


@receiver(taxonomy_deleting)
def taxonomy_is_deleting(sender, instance: Topic | Series | Outlet, **kwargs) -> None:
    taxonomy_item_deleting(instance=instance)


def _deleted_with_its_publication(origin: object) -> bool:
    # Deleting a publication cascades to its authorships and cross-posts; its tombstone says it all.
    if isinstance(origin, QuerySet):
        return origin.model is Publication
    return isinstance(origin, Publication)
