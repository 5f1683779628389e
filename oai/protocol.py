"""The OAI-PMH 2.0 request rules: verbs and their arguments, datestamps, identifiers, resumption tokens and
the errors the specification names (section 3.6). Knows no models.

A resumption token is opaque and signed (django.core.signing): it carries the list's arguments, the snapshot
time the walk reads the change log at, and the position (datestamp, change id) after the last record sent.
So a token survives edits made during the walk (no OFFSET to shift), and one that was changed or has
expired (settings.OAI_TOKEN_LIFETIME_SECONDS) is a badResumptionToken.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.http import QueryDict

METADATA_PREFIX = "oai_dc"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
TOKEN_SALT = "oai.resumption-token"
# Arguments of each verb: required ones, optional ones, and the exclusive one (resumptionToken).
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
# Longer than any real argument: a huge value is refused before it is parsed or signed-checked.
ARGUMENT_MAX_LENGTH = 2000


class OAIError(Exception):
    """A protocol error: its code (badArgument, ...) and a message for the harvester's log."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ListRequest:
    """What ListIdentifiers or ListRecords lists: from a first request, or restored from a token."""

    verb: str
    start: dt.datetime | None = None
    # Exclusive: the first instant after `until` (the next second, or the next day for a day).
    end: dt.datetime | None = None
    set_spec: str | None = None
    # The time the walk reads the change log at (fixed by its first page), and where it is in it.
    snapshot: dt.datetime | None = None
    after: tuple[dt.datetime, int] | None = None
    cursor: int = 0
    arguments: dict[str, str] = field(default_factory=dict)


def request_arguments(query: QueryDict) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, checked against the verb's rules; OAIError(badVerb | badArgument)."""
    verbs = query.getlist("verb")
    if len(verbs) != 1 or verbs[0] not in VERBS:
        given = "no verb" if not verbs else "more than one verb" if len(verbs) > 1 else f"verb {verbs[0]!r}"
        raise OAIError("badVerb", f"Illegal OAI verb: {given}. Verbs: {', '.join(VERBS)}.")
    verb = verbs[0]
    required, optional, exclusive = VERBS[verb]
    arguments: dict[str, str] = {}
    for name, values in query.lists():
        if name == "verb":
            continue
        if name not in required | optional | {exclusive}:
            raise OAIError("badArgument", f"{verb} takes no argument {name!r}.")
        if len(values) > 1:
            raise OAIError("badArgument", f"The argument {name!r} is given more than once.")
        if len(values[0]) > ARGUMENT_MAX_LENGTH or not values[0].isprintable():
            raise OAIError("badArgument", f"The argument {name!r} is too long or has control characters.")
        arguments[name] = values[0]
    prefix = arguments.get("metadataPrefix")
    if prefix is not None and not _METADATA_PREFIX.fullmatch(prefix):
        raise OAIError("badArgument", f"{prefix!r} is not a metadataPrefix.")
    if exclusive and exclusive in arguments:
        if len(arguments) > 1:
            raise OAIError("badArgument", f"{exclusive} is an exclusive argument: give it alone.")
        return verb, arguments
    missing = sorted(required - arguments.keys())
    if missing:
        raise OAIError("badArgument", f"{verb} needs the argument(s) {', '.join(missing)}.")
    return verb, arguments


def check_metadata_prefix(prefix: str) -> None:
    if prefix != METADATA_PREFIX:
        raise OAIError("cannotDisseminateFormat", f"This repository offers only {METADATA_PREFIX}.")


def list_request(verb: str, arguments: dict[str, str]) -> ListRequest:
    """A first ListIdentifiers or ListRecords request, or the one its resumption token continues."""
    if "resumptionToken" in arguments:
        return read_token(verb, arguments["resumptionToken"])
    start = parse_datestamp(arguments["from"], "from") if "from" in arguments else None
    end = parse_datestamp(arguments["until"], "until", end=True) if "until" in arguments else None
    if "from" in arguments and "until" in arguments:
        if len(arguments["from"]) != len(arguments["until"]):
            raise OAIError("badArgument", "from and until must have the same granularity.")
        if start and end and start >= end:
            raise OAIError("badArgument", "from is later than until.")
    set_spec = arguments.get("set")
    if set_spec is not None and not _SET_SPEC.fullmatch(set_spec):
        raise OAIError("badArgument", f"{set_spec!r} is not a setSpec.")
    # After the other arguments' syntax: an error answer echoes the arguments, which must then be valid.
    check_metadata_prefix(arguments["metadataPrefix"])
    return ListRequest(verb=verb, start=start, end=end, set_spec=set_spec, arguments=arguments)


def parse_datestamp(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """A UTC datestamp at day or seconds granularity; `end=True` gives the first instant after it (until is
    inclusive)."""
    try:
        if _SECONDS.fullmatch(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            return moment + dt.timedelta(seconds=1) if end else moment
        if _DAY.fullmatch(value):
            moment = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.UTC)
            return moment + dt.timedelta(days=1) if end else moment
    except (ValueError, OverflowError):
        pass
    raise OAIError("badArgument", f"{name} must be a UTC datestamp: YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")


def datestamp(moment: dt.datetime) -> str:
    """A datestamp at the repository's granularity (seconds, UTC)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def identifier_prefix() -> str:
    """`oai:<host>:`, the host being the public site's (stable whichever address answers)."""
    return f"oai:{urlsplit(settings.SITE_URL).hostname}:"


def record_identifier(publication_uuid: uuid.UUID) -> str:
    return f"{identifier_prefix()}{publication_uuid}"


def parse_identifier(identifier: str) -> uuid.UUID:
    """The publication uuid an identifier names; OAIError(idDoesNotExist) if it is not one of ours."""
    prefix = identifier_prefix()
    if identifier.startswith(prefix):
        try:
            return uuid.UUID(identifier.removeprefix(prefix))
        except ValueError:
            pass
    raise OAIError("idDoesNotExist", f"No item has the identifier {identifier!r}.")


# --- Resumption tokens ------------------------------------------------------------------------------------
def _micros(moment: dt.datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1_000_000)


def _moment(micros: Any) -> dt.datetime | None:
    if micros is None:
        return None
    return dt.datetime.fromtimestamp(0, tz=dt.UTC) + dt.timedelta(microseconds=int(micros))


def make_token(request: ListRequest, *, last: tuple[dt.datetime, int], sent: int) -> str:
    """The token of the page after `last` (the datestamp and change id of the last record sent)."""
    payload = {
        "v": request.verb,
        "s": _micros(request.start),
        "e": _micros(request.end),
        "set": request.set_spec,
        "t": _micros(request.snapshot),
        "a": [_micros(last[0]), last[1]],
        "c": request.cursor + sent,
    }
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def token_expiry() -> dt.datetime:
    return dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=settings.OAI_TOKEN_LIFETIME_SECONDS)


def read_token(verb: str, token: str) -> ListRequest:
    """The request a token continues; OAIError(badResumptionToken) if it is not ours, was changed, expired,
    or belongs to another verb."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=settings.OAI_TOKEN_LIFETIME_SECONDS)
        if payload["v"] != verb:
            raise ValueError("another verb's token")
        after_micros, after_id = payload["a"]
        after = (_moment(after_micros), int(after_id))
        return ListRequest(
            verb=verb,
            start=_moment(payload["s"]),
            end=_moment(payload["e"]),
            set_spec=payload["set"],
            snapshot=_moment(payload["t"]),
            after=after,  # type: ignore[arg-type]  # a token always has its position's datestamp
            cursor=int(payload["c"]),
            arguments={"resumptionToken": token},
        )
    except signing.SignatureExpired as error:
        raise OAIError(
            "badResumptionToken", "The resumption token has expired; start the list again."
        ) from error
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError) as error:
        raise OAIError("badResumptionToken", "The resumption token is not valid.") from error
