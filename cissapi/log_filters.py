"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging

SECURITY_LOGGERS = "django.security."


class SecurityWithoutTraceback(logging.Filter):
    """Keeps Django's security lines (a Host header outside ALLOWED_HOSTS, too many query parameters) to
    one line each: Django logs them with their traceback, which says nothing about a request refused on
    purpose, and a scanner sends thousands of them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(SECURITY_LOGGERS):
            record.exc_info = None
            record.exc_text = None
        return True
