"""django-csp's middleware with one addition: responses that are not HTML pages get the strictest policy.

CONTENT_SECURITY_POLICY (settings.py) is written for the pages a browser renders: the admin and the API
docs. JSON, feeds, sitemaps and files load nothing and are never framed, so a browser that opens one
directly (or is tricked into rendering one) may run, load and embed nothing at all.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.http import HttpRequest, HttpResponseBase

NON_HTML_DIRECTIVES = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        is_page = response.get("Content-Type", "").startswith("text/html")
        # A policy a view chose itself (django-csp's decorators) wins over this default.
        if not report_only and not is_page and parts.config is None:
            parts.config = default_config(NON_HTML_DIRECTIVES)
        return parts
