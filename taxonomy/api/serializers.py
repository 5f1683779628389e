"""Summaries of topics and outlets, shared by publication and author documents of API v1."""

from __future__ import annotations

from rest_framework import serializers

from cissapi.api.serializers import BlankAsNullCharField


class TopicSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class OutletSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    homepage = BlankAsNullCharField()
