"""The shape of the API's image object: its OpenAPI schema only (media/api/documents.py produces it)."""

from __future__ import annotations

from rest_framework import serializers

from cissapi.api.serializers import BlankAsNullCharField


class RenditionSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    format = serializers.ChoiceField(choices=["jpeg", "png", "gif", "webp"])


class ImageSerializer(serializers.Serializer):
    """A library image: the original and its renditions."""

    url = serializers.URLField(
        help_text="The original, as uploaded less its private metadata (GPS, camera, names)."
    )
    width = serializers.IntegerField(
        help_text="Of the original as displayed (turned by its EXIF), in pixels."
    )
    height = serializers.IntegerField(
        help_text="Of the original as displayed (turned by its EXIF), in pixels."
    )
    alt = BlankAsNullCharField()
    caption = BlankAsNullCharField()
    credit = BlankAsNullCharField()
    renditions = RenditionSerializer(
        many=True,
        help_text="Narrower copies, in the original format and in WebP, narrowest first: a srcset a "
        'frontend can use directly (`url` + " " + `width` + "w" for each of one format). Empty for a '
        "moment after upload, while the worker makes them, and for good for an animated image or one "
        "narrower than the narrowest width: the original is then the only candidate.",
    )
