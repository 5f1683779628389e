"""django-csp's middleware with one addition: responses that are not HTML pages get the strictest policy.

CONTENT_SECURITY_POLICY (settings.py) is written for the pages a browser renders: the admin and the API
docs. JSON, feeds, sitemaps and files load nothing and are never framed, so a browser that opens one
directly (or is tricked into rendering one) may run, load and embed nothing at all.
"""

from __future__ import annotations

from functools import cache

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy, default_config
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

NON_HTML_DIRECTIVES = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
# What django-csp's decorators set on a response to choose its own policy (or none).
PER_VIEW_ATTRIBUTES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")


def excluded_prefixes() -> tuple[str, ...]:
    return tuple((getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES") or ())


@cache
def non_html_policy() -> str:
    """The header of every response that is not a page, built once: it depends on nothing but the above."""
    return build_policy(config=default_config(NON_HTML_DIRECTIVES))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # Optimization: django-csp copies and rebuilds the policy on every response (a quarter of a cache
        # hit's time). A response that is not a page, with no per-view policy and no report-only policy
        # configured, always gets the same header: set it directly.
        if (
            not response.get("Content-Type", "").startswith("text/html")
            and HEADER not in response
            and not any(hasattr(response, name) for name in PER_VIEW_ATTRIBUTES)
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            and not request.path_info.startswith(excluded_prefixes())
        ):
            response[HEADER] = non_html_policy()
            if getattr(request, "_csp_nonce", None) is None:
                # As django-csp does: a nonce asked for after the header is written is an error.
                request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]  # django-csp adds it to requests
            return response
        return super().process_response(request, response)

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        is_page = response.get("Content-Type", "").startswith("text/html")
        # A policy a view chose itself (django-csp's decorators) wins over this default.
        if not report_only and not is_page and parts.config is None:
            parts.config = default_config(NON_HTML_DIRECTIVES)
        return parts
