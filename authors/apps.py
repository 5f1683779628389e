from django.apps import AppConfig

from cissapi.api import invalidation


class AuthorsConfig(AppConfig):
    name = "authors"

    def ready(self) -> None:
        from authors import signals  # noqa: F401
        from authors.models import Author, AuthorLink, Education, Position, Work

        # A bio, a name or a link shows on the author's page and in the authors list; what a new name
        # changes in bylines is publications' to say (author_changed). Revisions are never public.
        bio_row = invalidation.owner_keys("author")
        invalidation.connect(
            self,
            {
                Author: invalidation.own_keys,
                AuthorLink: bio_row,
                Position: bio_row,
                Education: bio_row,
                Work: bio_row,
                Author.history.model: None,
            },
        )
