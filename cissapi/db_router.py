"""Read replicas (DATABASE_REPLICA_URLS): anonymous public reads go to a streaming replica that has caught
up; everything else stays on the primary.

Which requests may read a replica: GET and HEAD outside the admin, without credentials (an Authorization
header, an editor's session cookie); the public API, feeds, sitemaps and the site (ReplicaReadsMiddleware
marks them). Everything else, every write, every read in a request after it wrote (read-your-writes), and
the shared cache's table (the catalogue generation, cached responses and counts) use the primary.

Why a replica never shows an unpublished piece as live: replicas replay the primary's WAL in order, so a
replica that has replayed up to LSN L has every change committed before L. After every committed write,
the primary's current WAL position is recorded in the shared cache as the *floor* (before the change's own
after-commit invalidation runs: the recording is queued when the write starts, ahead of the invalidation's).
A request reads a replica only if that replica's `pg_last_wal_replay_lsn()` is at or past the floor,
otherwise the primary. So any request that begins after the change's caches were invalidated either sees
the change or reads the primary: it cannot cache or serve the old state again. A request that began
before the invalidation may serve the old state once, exactly as without replicas (the change was not yet
effective for it), and what it cached dies with the invalidation. A missing floor (a fresh or flushed
cache) is replaced by the primary's current position, which is past every change already committed.

Cost: one cache read of the floor per request that reads the database, and a query of the replica's
replay position only when the floor moved past what this process last saw the replica reach (replay only
moves forward), and an advisory lock per committed write while the floor is recorded, so concurrent
writers store their positions in order. Writes that bypass model signals (QuerySet.update, bulk_create,
raw SQL) do not move the floor, as they do not end the catalogue generation either: services save through
the models.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
FLOOR_KEY = "db:replica-floor-lsn"
# The advisory lock writers take, one at a time, to record the floor (an arbitrary constant, "replica").
FLOOR_LOCK = 0x7265706C696361
# Django's cache table model (DatabaseCache): always the primary, where the generation lives.
CACHE_APP_LABEL = "django_cache"

# Whether this request may read a replica; set by ReplicaReadsMiddleware.
_public_read: ContextVar[bool] = ContextVar("replica_public_read", default=False)
# Whether this request wrote: its later reads stay on the primary.
_wrote: ContextVar[bool] = ContextVar("replica_wrote", default=False)
# The database this request's reads use, chosen at its first read.
_chosen: ContextVar[str | None] = ContextVar("replica_chosen", default=None)
# The highest replay position this process has seen each replica reach (it only moves forward).
_replayed: dict[str, int] = {}


def parse_lsn(text: str) -> int:
    """A pg_lsn such as `16/B374D848` as a number."""
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


class ReplicaRouter:
    """Sends anonymous public reads to a caught-up replica; the rest to the primary (module docstring)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label == CACHE_APP_LABEL or not _public_read.get() or _wrote.get():
            return PRIMARY
        chosen = _chosen.get()
        if chosen is None:
            chosen = caught_up_replica() or PRIMARY
            _chosen.set(chosen)
        return chosen

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label != CACHE_APP_LABEL:
            _wrote.set(True)
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


def caught_up_replica() -> str | None:
    """A replica that has replayed every change up to the floor, or None (then the primary serves)."""
    floor = _floor()
    replicas = list(settings.DATABASE_REPLICAS)
    random.shuffle(replicas)  # spread the reads
    for alias in replicas:
        if _replayed.get(alias, -1) >= floor:
            return alias
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_last_wal_replay_lsn()::text")
                row = cursor.fetchone()
        except DatabaseError:
            continue  # a replica that is down: the next one, or the primary
        if row and row[0]:
            _replayed[alias] = max(_replayed.get(alias, -1), parse_lsn(row[0]))
            if _replayed[alias] >= floor:
                return alias
    return None


def record_floor() -> int:
    """Record the primary's current WAL position as the floor replicas must reach to serve reads.

    Writers record one at a time, each reading the position under a transaction-scoped advisory lock and
    storing it before the lock goes: positions are then stored in the order they were read, so a writer
    that read an older position can never store it over a newer one (which would let a replica short of
    the newer write serve reads). With the database cache, the entry commits with the lock's release.
    """
    with transaction.atomic(using=PRIMARY), connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FLOOR_LOCK])
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        position = parse_lsn(cursor.fetchone()[0])
        # No expiry: with Redis's volatile-* policies it is never evicted; evicted anyway, _floor() records
        # anew.
        cache.set(FLOOR_KEY, position, timeout=None)
    return position


def _floor() -> int:
    floor = cache.get(FLOOR_KEY)
    return record_floor() if floor is None else int(floor)


def _queued(connection: Any, callback: Callable[[], object]) -> bool:
    return any(queued is callback for _, queued, _ in connection.run_on_commit)


def write_starting(sender: Any, **kwargs: Any) -> None:
    """pre_save/pre_delete/m2m pre_*: in a transaction, queue the floor's recording for its commit, once.

    Queued before the write, so it runs ahead of the after-commit invalidation that the write queues.
    """
    if not settings.DATABASE_REPLICAS or kwargs.get("raw"):
        return
    if kwargs.get("action", "pre_").startswith("pre_"):
        connection = connections[kwargs.get("using") or PRIMARY]
        if connection.in_atomic_block and not _queued(connection, record_floor):
            transaction.on_commit(record_floor, using=connection.alias)


def write_done(sender: Any, **kwargs: Any) -> None:
    """post_save/post_delete outside a transaction: the write has committed; record the floor now."""
    if not settings.DATABASE_REPLICAS or kwargs.get("raw"):
        return
    if not connections[kwargs.get("using") or PRIMARY].in_atomic_block:
        record_floor()


def connect() -> None:
    """Connect the floor's receivers to every model (CissapiConfig.ready, ahead of the apps' own)."""
    pre_save.connect(write_starting, dispatch_uid="replica-floor-pre-save")
    pre_delete.connect(write_starting, dispatch_uid="replica-floor-pre-delete")
    m2m_changed.connect(write_starting, dispatch_uid="replica-floor-m2m")
    post_save.connect(write_done, dispatch_uid="replica-floor-post-save")
    post_delete.connect(write_done, dispatch_uid="replica-floor-post-delete")


class ReplicaReadsMiddleware:
    """Lets an anonymous GET or HEAD outside the admin read a caught-up replica (added with replicas)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        public = (
            request.method in ("GET", "HEAD")
            and not request.path.startswith("/admin/")
            and "HTTP_AUTHORIZATION" not in request.META
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and settings.CSRF_COOKIE_NAME not in request.COOKIES
        )
        tokens = (_public_read.set(public), _wrote.set(False), _chosen.set(None))
        try:
            return self.get_response(request)
        finally:
            _public_read.reset(tokens[0])
            _wrote.reset(tokens[1])
            _chosen.reset(tokens[2])
