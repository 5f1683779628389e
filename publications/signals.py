"""Keep derived data (the search vector) in step with edits made anywhere: admin, services, shell."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from authors.models import Author
from publications.models import Publication, PublicationAuthor
from publications.search import refresh_search_vectors


@receiver(post_save, sender=Publication)
def publication_saved(sender, instance: Publication, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_search_vectors([instance.pk])


@receiver(post_save, sender=PublicationAuthor)
@receiver(post_delete, sender=PublicationAuthor)
def authorship_changed(sender, instance: PublicationAuthor, raw: bool = False, **kwargs) -> None:
    if not raw:
        refresh_search_vectors([instance.publication_id])


@receiver(post_save, sender=Author)
def author_saved(sender, instance: Author, created: bool, raw: bool = False, **kwargs) -> None:
    # A renamed author must be findable under the new name in every piece they wrote.
    if not raw and not created:
        refresh_search_vectors(instance.authorships.values_list("publication_id", flat=True))
