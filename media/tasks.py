"""Worker jobs of the media library (procrastinate, in Postgres; the same worker as webhooks)."""

from __future__ import annotations

from procrastinate.contrib.django import app

from media.services import image_renditions_make

QUEUE = "media"


@app.task(queue=QUEUE)
def make_renditions(image_id: int) -> None:
    """Resize an uploaded image into its renditions, off the request that uploaded it."""
    image_renditions_make(image_id=image_id)
