"""A publication's type and status, in a module without models so querysets can name them too.

`publications.querysets` is imported by `publications.models`, so the querysets cannot import the model's
nested choices; both import these instead, and `"published"` is spelt once, here.
"""

from __future__ import annotations

from django.db import models


class PublicationType(models.TextChoices):
    COMMENTARY = "commentary", "Commentary"
    ISSUE_BRIEF = "issue_brief", "Issue brief"
    POLICY_PAPER = "policy_paper", "Policy paper"
    JOURNAL_ARTICLE = "journal_article", "Journal article"
    REPORT = "report", "Report"
    BOOK = "book", "Book"


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    # Sent back by an editor with a comment: the contributor's to fix and submit again.
    RETURNED = "returned", "Sent back"
    IN_REVIEW = "in_review", "In review"
    # Approved by an editor and waiting for a publisher: a state of its own, so publishers have a queue
    # ("waiting for me") and a piece under review cannot go out before an editor said yes.
    APPROVED = "approved", "Approved"
    # Published with a future published_at is "scheduled": it goes live at that time by itself.
    PUBLISHED = "published", "Published"
    # Taken down with a public notice: the API answers 410 Gone with it (publications.workflow).
    WITHDRAWN = "withdrawn", "Withdrawn"
