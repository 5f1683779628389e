"""Serializer building blocks every resource shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import serializers

FIELDS_PARAM = "fields"


class BlankAsNullCharField(serializers.CharField):
    """An optional text field: an empty string is rendered as null, so clients test one thing."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    # A field may render as null (allow_null); the stubs' CharField says str only.
    def to_representation(self, value: Any) -> str | None:  # type: ignore[override]
        return value or None


if TYPE_CHECKING:
    # What the mixin is mixed into, for the type checker only.
    _SerializerBase = serializers.Serializer
else:
    _SerializerBase = object


class SparseFieldsMixin(_SerializerBase):
    """`?fields=slug,title` trims the response to those top-level fields; unknown names are a 400."""

    def __init__(self, *args: Any, fields: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fields:
            if len(fields) > len(self.fields):
                # Repeated names (`fields=slug&fields=slug&...`) bounded like every other list parameter.
                raise serializers.ValidationError(
                    {FIELDS_PARAM: f"Give at most {len(self.fields)} fields, each once."}
                )
            unknown = [name for name in fields if name not in self.fields]
            if unknown:
                raise serializers.ValidationError(
                    {
                        FIELDS_PARAM: f"Unknown field(s): {', '.join(unknown)}. "
                        f"Available: {', '.join(self.fields)}."
                    }
                )
            for name in set(self.fields) - set(fields):
                self.fields.pop(name)


def absolute_url(request: Any, path: str) -> str:
    """`path` as an absolute URL on the host the client used."""
    return request.build_absolute_uri(path) if request is not None else path
