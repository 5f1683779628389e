"""The topic summary publications and author bios embed (TopicSummarySerializer): one producer."""

from __future__ import annotations

from typing import Any

from cissapi.api.documents import ApiUrls
from taxonomy.models import Topic


def topic_summary(topic: dict[str, Any], *, urls: ApiUrls) -> dict[str, Any]:
    """A topic from a JSON column ({"slug", "name"}), with its API and public URLs, so a client needs no
    further call to link it."""
    return {
        "slug": topic["slug"],
        "name": topic["name"],
        "url": urls.resource("topic-detail", topic["slug"]),
        "public_url": Topic.public_url_of(topic["slug"]),
    }
