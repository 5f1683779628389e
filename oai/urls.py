"""Included at /oai/ by cissapi.urls: the one OAI-PMH base URL."""

from django.urls import path

from oai.views import OAIView

app_name = "oai"
urlpatterns = [path("", OAIView.as_view(), name="endpoint")]
