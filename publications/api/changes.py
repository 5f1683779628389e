"""`/api/v1/changes/`: the change feed partners replay to hold an exact copy of the public catalogue.

`?since=<cursor>` (from a previous `next_cursor`; omit to start from the beginning) and `?limit=` (default
100, at most 500). Each result names the item (`id`, `uuid`, `slug`), the `kind` of change, its `time`,
`old_slug` for slug changes, and for upserts (`published`, `updated`, `slug_changed`) the item's current
representation in `publication`, exactly as a publications list item — or null when the item is no longer
public, in which case a later `unpublished` or `deleted` result for it follows.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cissapi.api.documents import ApiUrls, computed_field
from cissapi.api.http_caching import ConditionalGetMixin
from cissapi.api.parameters import Parameter
from publications.api.documents import change_item, item_addresses
from publications.api.serializers import PublicationListSerializer
from publications.changelog import changes_page, decode_cursor, encode_cursor
from publications.models import PublicationChange

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class ChangeQuerySerializer(serializers.Serializer):
    """The query parameters; errors name the parameter, as everywhere in the API."""

    since = serializers.CharField(
        required=False,
        help_text="A next_cursor from an earlier page; omit to start from the beginning. A cursor this "
        "feed did not give out is a 404, as for the cursors of lists.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIMIT,
        default=DEFAULT_LIMIT,
        help_text=f"Changes per page (default {DEFAULT_LIMIT}).",
    )

    def validate_since(self, value: str) -> tuple[dt.datetime, int]:
        try:
            return decode_cursor(value)
        except ValueError as error:
            # Any string is a well-formed value; one that is not our cursor names nothing, like a list's
            # tampered cursor (cissapi.api.pagination), so it is a 404 rather than a 400.
            raise NotFound("Invalid cursor in since: use a next_cursor from an earlier response.") from error


# A result's shape, for the schema only (a docstring would be its description there): change_item
# (publications.api.documents) produces the results.
class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PublicationChange.Kind.choices)
    time = serializers.DateTimeField()
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    slug = serializers.CharField()
    old_slug = computed_field(serializers.CharField(allow_null=True))
    notice = computed_field(
        serializers.CharField(allow_null=True, help_text="On `withdrawn`: the public notice; else null.")
    )
    publication = computed_field(PublicationListSerializer(allow_null=True))


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    has_more = serializers.BooleanField()


class ChangeFeedView(ConditionalGetMixin, APIView):
    """Every public change since a cursor, oldest first, deletions and scheduled go-lives included."""

    def query_parameters(self) -> dict[str, Parameter]:
        # `since` is an opaque cursor: any text that is not one of ours is a 404.
        return {**super().query_parameters(), "since": Parameter(free_text=True), "limit": Parameter()}

    @extend_schema(
        operation_id="changes_list",
        summary="Changes to the public catalogue since a cursor",
        parameters=[ChangeQuerySerializer],
        responses={200: ChangePageSerializer},
    )
    def get(self, request: Request) -> Response:
        # Not answer_from_cache: read under the change log's shared lock so no committed-later row is
        # skipped; each partner walks its own cursors, so a shared cache would hold many pages that are
        # each read about once.
        # An empty value means "not given", as for every filter of the API; so does one of only whitespace
        # (the serializer's fields strip it, and "" would then be refused as blank).
        # items() gives each parameter's last value, a string; the stubs say it may be a list.
        given = {name: value for name, value in request.query_params.items() if value.strip()}  # type: ignore[union-attr]
        query = ChangeQuerySerializer(data=given)
        query.is_valid(raise_exception=True)
        urls = ApiUrls(request)
        page = changes_page(
            since=query.validated_data.get("since"),
            limit=query.validated_data["limit"],
            addresses=item_addresses(urls),
        )
        self.response_meta.note_last_modified(change.effective_at for change in page.changes)
        self.response_meta.note_last_modified(
            publication.updated_at for publication in page.publications.values()
        )
        return Response(
            {
                "results": [
                    change_item(change, publication=page.publications.get(change.publication_id))
                    for change in page.changes
                ],
                "next_cursor": encode_cursor(page.changes[-1])
                if page.changes
                else request.query_params.get("since") or None,
                "has_more": page.has_more,
            }
        )
