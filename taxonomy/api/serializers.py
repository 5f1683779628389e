"""Summaries of topics and outlets, shared by publication and author documents of API v1."""

from __future__ import annotations

from rest_framework import serializers

from cissapi.api.serializers import BlankAsNullCharField


class TopicSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField(help_text="The topic in this API.")
    public_url = serializers.URLField(help_text="The topic's page on the public site.")


class OutletSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    homepage = BlankAsNullCharField()
