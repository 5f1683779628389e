"""Settings for cissapi, read once from the environment (see .env.example for the full list).

Defaults are the safe ones: DEBUG off, no secret key baked in, only loopback hosts allowed.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
# Local state (embedded Postgres data, generated secret, uploads, collected static) lives here, git-ignored.
VAR_DIR = Path(os.environ.get("CISSAPI_VAR_DIR", BASE_DIR / "var"))


def unless_off(value: str) -> str | None:
    """A setting's value from the environment, or None when it says "off" (or "none", or nothing)."""
    return None if value.lower() in {"", "off", "none"} else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    # A checkout without SECRET_KEY gets its own random key, kept in var/ so sessions survive restarts.
    # Production sets SECRET_KEY explicitly (docker-compose.yml requires it).
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


# --- The first admin account (manage.py ensure_admin, run by make run) --------------------------------------
# Without ADMIN_PASSWORD a password is generated once and kept in var/admin_password.
ADMIN_USERNAME = os.environ.get("ADMIN_USERNAME", "admin")
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")
ADMIN_EMAIL = os.environ.get("ADMIN_EMAIL", "")

# --- Core -------------------------------------------------------------------------------------------
DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute base of public links in API responses, feeds and sitemaps (the frontend site's address).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "csp",
    # The rich-text editor of bodies and bios (its static assets); configured in cissapi/richtext.py.
    "django_prose_editor",
    # Drag-and-drop ordering of admin inlines (the byline, an author's rows): its templates and assets.
    "adminsortable2",
    # Revisions of publications and authors (historical models): cissapi/revisions.py.
    "simple_history",
    "cissapi",
    # The catalogue's apps depend one way: media, taxonomy <- authors <- publications <- partners.
    "media",
    "taxonomy",
    "publications",
    "authors",
    # The webhook queue: jobs in Postgres, run by `manage.py procrastinate worker`.
    "procrastinate.contrib.django",
    "partners",
    # Admin login lockout; see the "Admin logins" block below.
    "axes",
    # The public reference site (issue #15): server-rendered pages at /; its templates are meant to be
    # overridden by a project template directory (TEMPLATES' DIRS) or an app listed before it.
    "website",
    # Demo and benchmark content generators (seed_demo, generate_corpus); no models, above every app.
    "tooling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # gzip for the API, feeds and sitemaps (cissapi/compression.py); outermost but security, to compress last.
    "cissapi.compression.PublicGZipMiddleware",
    "cissapi.content_security_policy.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS: django-cors-headers', cheaper for requests without an Origin (issue 16, h22-doc; cissapi/cors.py).
    "cissapi.cors.OriginCorsMiddleware",
    # The client's allowance as RateLimit-Policy / RateLimit, on cached answers too (api/rate_limits.py).
    "cissapi.api.rate_limits.RateLimitHeadersMiddleware",
    # --- Early cache hits (issue #16, h16-warm): an anonymous read this process answered before, still
    # current in the shared cache, is answered here, counted by the throttle (cissapi/early_hits.py).
    "cissapi.early_hits.EarlyHitMiddleware",
    # --- end of early cache hits ---
    # --- Anonymous API reads (issue 16, h20-doc): a GET or HEAD of a v1 viewset without a body or a session,
    # CSRF or messages cookie goes through only the three middleware below that act on it, then to its view
    # (cissapi/anonymous_reads.py); every other request through them all. ---
    "cissapi.anonymous_reads.AnonymousReadMiddleware",
    # --- end of anonymous API reads ---
    # Django's sessions and messages, built only when used (issue 16, h18-frame; cissapi/request_state.py).
    "cissapi.request_state.LazySessionMiddleware",
    # Django's CommonMiddleware; its trailing-slash 301 is problem+json under /api/ and /feeds/ (issue 14).
    "cissapi.api.errorpages.SlashRedirectMiddleware",
    "cissapi.availability.DatabaseAvailabilityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Bounds request bodies before anything reads them; after authentication, which tells editors apart.
    "cissapi.request_size.RequestSizeMiddleware",
    # A NUL in the admin's filters or search is a 400, not a 500 from Postgres (cissapi/admin_queries.py).
    "cissapi.admin_queries.AdminQueryMiddleware",
    "cissapi.request_state.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Old WordPress addresses of imported pieces → 301 to their public address (publications/legacy.py).
    "publications.legacy.LegacyRedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cissapi.urls"
WSGI_APPLICATION = "cissapi.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django 6 makes https the default scheme for URLs typed without one; editors get it already.
FORMS_URLFIELD_ASSUME_HTTPS = True

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cissapi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Public site and its metadata (issue #15, h15-site) ---
# The site's name (og:site_name, page titles) and the publisher named in citations and schema.org.
SITE_NAME = os.environ.get("SITE_NAME", "CISS")
PUBLISHER_NAME = os.environ.get("PUBLISHER_NAME", "Center for International Strategic Studies")
# An absolute URL of the publisher's logo (schema.org Organization.logo); by default the site's own.
PUBLISHER_LOGO_URL = os.environ.get("PUBLISHER_LOGO_URL") or f"{SITE_URL}/static/website/logo.png"
# --- end of public site ---

# --- Database ---------------------------------------------------------------------------------------
# DATABASE_URL points at a real server; without it the project runs its own embedded Postgres.
if os.environ.get("DATABASE_URL"):
    DATABASES: dict[str, Any] = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    from cissapi import embedded_postgres

    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            **embedded_postgres.start(VAR_DIR / "pgdata", os.environ.get("EMBEDDED_DB_NAME", "cissapi")),
        }
    }
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# --- Health checks without a round trip (issue 16, h18-frame) ---
# Django's PostgreSQL backend, pinging a persistent connection only when its socket says the server may
# have ended the session (cissapi/postgresql/base.py).
DATABASES["default"]["ENGINE"] = "cissapi.postgresql"
# --- end of health checks ---
# Server-side prepared statements after a statement has run this many times on a connection (psycopg's
# prepare_threshold): the API's few statement shapes are then planned once per connection. "off" disables
# them, as a transaction-mode pgbouncer before version 1.21 needs.
DB_PREPARE_THRESHOLD = os.environ.get("DB_PREPARE_THRESHOLD", "5")
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    None if unless_off(DB_PREPARE_THRESHOLD) is None else int(DB_PREPARE_THRESHOLD)
)

# --- Cache -------------------------------------------------------------------------------------------
# Shared by every server process (throttles, cached responses): Redis when REDIS_URL is set, otherwise a
# table in Postgres (created by the cissapi app's migration), never process-local memory.
# On Redis, configure `maxmemory` with `maxmemory-policy volatile-ttl`: every entry has a time to live except
# the catalogue generation, which must never be evicted, and the invalidation marks outlive the entries they
# make stale, so entries go first (README, "Deployment").
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            # Django's DatabaseCache, except that its cull never deletes the catalogue generation.
            "BACKEND": "cissapi.api.cache_table.CatalogueDatabaseCache",
            "LOCATION": "cissapi_cache",
            # Django's default of 300 entries would churn once whole API responses are cached per URL;
            # past this many, a third of the entries are dropped (the oldest keys first).
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "20000"))},
        }
    }
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "cissapi")
# Whole-response caching of the public API and the feeds; `make bench` measures with API_CACHE=0 and
# API_CACHE=1. Entries are dropped the moment anything public changes or a scheduled piece goes live.
API_CACHE = env_bool("API_CACHE", True)
# Page counts of publication lists kept per filter in the shared cache (same invalidation), so a deep page
# or a common search word does not count every match on every request.
API_CACHE_COUNTS = env_bool("API_CACHE_COUNTS", True)
# The longest a cached response or count lives (seconds), when no change or scheduled piece ends it sooner.
API_CACHE_TIMEOUT = int(os.environ.get("API_CACHE_TIMEOUT", "3600"))
# --- API request bounds (issue #9: parameters and the response cache) ---
# Bodies larger than this (bytes) are served but not kept in the shared cache.
API_CACHE_MAX_BODY_BYTES = int(os.environ.get("API_CACHE_MAX_BODY_BYTES", str(1024 * 1024)))
# Most values one multi-valued filter takes (?topic=a,b,...); more is a 400. Each costs query planning.
API_MAX_FILTER_VALUES = int(os.environ.get("API_MAX_FILTER_VALUES", "20"))
# --- end of API request bounds ---
# --- Early cache hits (issue #16, h16-warm) ---
# Bytes of final responses each server process keeps in its own memory to answer anonymous cache hits before
# the middleware below it and DRF (cissapi/early_hits.py), checked against the shared cache on every
# request; 0 turns early hits off.
API_CACHE_PROCESS_BYTES = int(os.environ.get("API_CACHE_PROCESS_BYTES", str(32 * 1024 * 1024)))
# --- Changes heard by LISTEN/NOTIFY (issue 16, h19-hits) ---
# Each server process listens for the surrogate keys that changes commit on the primary, and answers a kept
# response without reading the shared cache while nothing it shows changed (cissapi/api/change_listener.py);
# off: every early hit reads the shared cache. One extra connection to the primary per server process.
API_CACHE_LISTEN = env_bool("API_CACHE_LISTEN", True)
# Seconds the listener stays trusted after its own heartbeat (a NOTIFY through Django's connection to the
# primary, sent every half of this) last came back: how long a silently dead listener can go unnoticed.
API_CACHE_LISTEN_HEARTBEAT = float(os.environ.get("API_CACHE_LISTEN_HEARTBEAT", "2"))
# --- end of early cache hits ---
# --- Bounded counts (issue #16, h16-cache) ---
# Publication lists count their matches exactly up to this many; beyond it the envelope says
# `count_is_exact: false` with `count` at this bound (a common search word would otherwise count ~100,000).
API_EXACT_COUNT_LIMIT = int(os.environ.get("API_EXACT_COUNT_LIMIT", "10000"))
# --- end of bounded counts ---
# --- Preview for frontends (issue #12, h12-trash) ---
# How long a preview link of a draft, piece in review or scheduled piece works (hours; fractions allowed).
PREVIEW_TOKEN_HOURS = float(os.environ.get("PREVIEW_TOKEN_HOURS", "48"))
# The frontend's preview page, with {token} where the token goes; empty: the admin opens the API's JSON.
FRONTEND_PREVIEW_URL = os.environ.get("FRONTEND_PREVIEW_URL", "")
# --- end of preview ---
# Request counters for API throttling: Redis when there is one. Without Redis they live in each process
# (limits then apply per worker), because counting in the database table would cost every API request
# several SQL queries.
CACHES["throttle"] = (
    {**CACHES["default"], "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + ":throttle"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
)

# --- Scale-out engines (issue 16, h16-engines): read replicas and purging caches in front -------------
# Streaming replicas of DATABASE_URL's server, comma-separated URLs: public reads (anonymous GETs of the API,
# feeds, sitemaps and the site) go to one that has replayed the last public change; the admin, every write
# and every read after a write stay on the primary (cissapi/db_router.py).
DATABASE_REPLICAS: list[str] = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = f"replica{_number}"
    DATABASES[_alias] = {
        **dj_database_url.parse(_url),
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": DATABASES["default"]["OPTIONS"],
        # Tests have one database: the replica alias reads the primary's test database.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["cissapi.db_router.ReplicaRouter"] if DATABASE_REPLICAS else []
if DATABASE_REPLICAS:
    MIDDLEWARE.insert(0, "cissapi.db_router.ReplicaReadsMiddleware")
# Caches in front of the app purged by surrogate key after every change (cissapi/purge.py, run by the
# worker). Varnish: the addresses PURGE requests go to, comma-separated (deploy/varnish/default.vcl).
VARNISH_PURGE_URLS = env_list("VARNISH_PURGE_URLS")
# Fastly: the service and an API token with purge rights; both set turns Fastly purging on.
FASTLY_SERVICE_ID = os.environ.get("FASTLY_SERVICE_ID", "")
FASTLY_API_KEY = os.environ.get("FASTLY_API_KEY", "")
FASTLY_API_URL = os.environ.get("FASTLY_API_URL", "https://api.fastly.com")
# Cloudflare: the zone and an API token with Cache Purge rights (purge by Cache-Tag, an Enterprise feature).
CLOUDFLARE_ZONE_ID = os.environ.get("CLOUDFLARE_ZONE_ID", "")
CLOUDFLARE_API_TOKEN = os.environ.get("CLOUDFLARE_API_TOKEN", "")
CLOUDFLARE_API_URL = os.environ.get("CLOUDFLARE_API_URL", "https://api.cloudflare.com/client/v4")
# Seconds one purge request may take before the job fails and is retried.
CACHE_PURGE_TIMEOUT_SECONDS = float(os.environ.get("CACHE_PURGE_TIMEOUT_SECONDS", "5"))
# --- end of scale-out engines ---

# --- Internationalization -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Karachi")
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded PDFs and images are bounded so an upload cannot exhaust the disk or memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest file an editor may upload per field (bytes): publication images and author photos, and PDFs.
# Bigger files are a form error naming the limit (cissapi/uploads.py).
MAX_IMAGE_UPLOAD_BYTES = int(os.environ.get("MAX_IMAGE_UPLOAD_BYTES", str(5 * 1024 * 1024)))
MAX_PDF_UPLOAD_BYTES = int(os.environ.get("MAX_PDF_UPLOAD_BYTES", str(25 * 1024 * 1024)))
# Most pixels (width x height) a library image may have. Bytes say little: a 12,000 x 12,000 PNG of one
# colour is 410 KB, and the worker making its renditions decodes all of it (1.1 GB and 25 s of CPU).
# A 45-megapixel camera's photos fit.
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", str(50_000_000)))

# --- Media library: renditions (issue #11) -----------------------------------------------------------
# Widths (px) of each library image's renditions, made by the worker in the original format and in WebP.
MEDIA_RENDITION_WIDTHS = [
    int(width) for width in os.environ.get("MEDIA_RENDITION_WIDTHS", "320,640,1024,1600").split(",") if width
]
# JPEG and WebP quality of the renditions (1-95).
MEDIA_RENDITION_QUALITY = int(os.environ.get("MEDIA_RENDITION_QUALITY", "82"))
# --- end of media library ---

# --- Security -----------------------------------------------------------------------------------------
# Off by default so `make run` works on plain http; docker-compose.yml turns HTTPS-only behaviour on.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Redirect http to https (behind a TLS proxy, BEHIND_TLS_PROXY tells which requests came over https).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
# HTTP Strict Transport Security: browsers refuse plain http to this host for this many seconds once they
# have seen it over https. 0 sends no header. Hard to take back: start low, then raise it to a year.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")
X_FRAME_OPTIONS = "DENY"
# Request bodies (cissapi/request_size.py): editors signed in to the admin may upload up to the first;
# anyone else, and every path outside the admin, gets the second. Over it is a 413, before any parsing.
MAX_REQUEST_BODY_BYTES = int(os.environ.get("MAX_REQUEST_BODY_BYTES", str(25 * 1024 * 1024)))
MAX_ANONYMOUS_REQUEST_BODY_BYTES = int(os.environ.get("MAX_ANONYMOUS_REQUEST_BODY_BYTES", str(64 * 1024)))
# Content-Security-Policy of HTML pages (the admin and the API docs): everything from this origin, inline
# code only with the request's nonce, never framed. Other responses get `default-src 'none'` (see
# cissapi/content_security_policy.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Swagger UI and the admin draw some icons as data: URIs in their CSS.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Admin logins: password rules and lockout (django-axes) -------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Where a login lands when its `next` is missing or unsafe (another site): the admin, the only place people
# log in to, rather than Django's /accounts/profile/, which this project has not (a 404).
LOGIN_REDIRECT_URL = "admin:index"
# Axes checks first and refuses a locked-out login before any password is tried.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# This many failed logins in a row for one username from one address locks that pair out for
# LOGIN_LOCKOUT_MINUTES. Keyed on the pair so a stranger guessing cannot lock an editor out everywhere.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The same trusted client address as the API throttles (NUM_PROXIES): behind N proxies the address the
# farthest proxy saw, never one the client wrote into X-Forwarded-For.
AXES_CLIENT_IP_CALLABLE = "cissapi.api.throttling.client_address"
# The client address is the socket's (REMOTE_ADDR): a client-sent X-Forwarded-For cannot reset the count.
# Lockouts are logged as warnings; the start-up banner on every manage.py command is not wanted.
AXES_VERBOSE = False

# --- CORS: frontend sites that read the API from a browser ---------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(api|feeds)/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link"]
# --- CORS for issue #14: rate limits said up front, and revalidation from a browser ---------------------
CORS_EXPOSE_HEADERS += ["RateLimit-Policy", "RateLimit", "Retry-After"]
# A frontend revalidating with the ETag it holds sends If-None-Match, which needs a preflight's consent.
CORS_ALLOW_HEADERS = [*cors_default_headers, "if-none-match"]

# --- Public API (/api/v1/) -------------------------------------------------------------------------
API_PAGE_SIZE = int(os.environ.get("API_PAGE_SIZE", "20"))
API_MAX_PAGE_SIZE = int(os.environ.get("API_MAX_PAGE_SIZE", "100"))
# Seconds a client or CDN may reuse a response, then may serve it stale while it revalidates.
API_CACHE_MAX_AGE = int(os.environ.get("API_CACHE_MAX_AGE", "60"))
API_CACHE_STALE_WHILE_REVALIDATE = int(os.environ.get("API_CACHE_STALE_WHILE_REVALIDATE", "300"))
# Requests per client address, e.g. "300/minute"; "off" disables throttling (behind a CDN that limits).
API_THROTTLE_ANON_RATE = os.environ.get("API_THROTTLE_ANON_RATE", "300/minute")
# Whole-catalogue exports (/api/v1/export/) per client address without a partner key, on top of the rate
# above: one costs the server minutes and hundreds of megabytes at a million pieces. "off" disables it.
API_EXPORT_ANON_RATE = os.environ.get("API_EXPORT_ANON_RATE", "6/hour")

REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_RENDERER_CLASSES": ["cissapi.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Read-only, and no sessions, so no CSRF and no per-user variation of responses. A partner's
    # `Authorization: Api-Key` is checked (a bad key is a 401, never silent anonymous access), and partners
    # get their own throttle rate.
    "DEFAULT_AUTHENTICATION_CLASSES": ["partners.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": [
        "partners.throttles.PartnerRateThrottle",
        "cissapi.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": unless_off(API_THROTTLE_ANON_RATE),
        "anon_export": unless_off(API_EXPORT_ANON_RATE),
    },
    "DEFAULT_PAGINATION_CLASS": "cissapi.api.pagination.ApiPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cissapi.api.exceptions.problem_exception_handler",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": "format",
    # DRF's negotiation, its choices remembered per process (issue 16, h18-frame; cissapi/api/negotiation.py).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "cissapi.api.negotiation.RememberingContentNegotiation",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CISS publications API",
    "DESCRIPTION": "Read-only access to the published catalogue: publications, authors, topics, series and "
    "outlets. Errors are RFC 9457 problem details (application/problem+json).",
    "VERSION": "1.0.0",
    # 3.1 (issue 14): nullable references (`image`, `series`) are `oneOf` with `{"type": "null"}`, which
    # strict validators and generators accept; 3.0's `allOf` + `nullable` admits no null under 3.0.3.
    "OAS_VERSION": "3.1.0",
    # Read-only fields are `required` (the server always sends them), so generated clients type them as
    # present; cissapi.api.schema says what `?fields=` trims.
    "COMPONENT_NO_READ_ONLY_REQUIRED": False,
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Documentation assets are served from this app (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from the public validator: the docs load nothing from elsewhere (see the CSP).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cissapi.api.schema.add_problem_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AuthorKindEnum": "authors.models.Author.Kind",
        "WorkKindEnum": "authors.models.Work.Kind",
        "LinkKindEnum": "authors.models.AuthorLink.Kind",
        "SeriesKindEnum": "taxonomy.models.Series.Kind",
    },
}

# --- Database availability (issue 9) --------------------------------------------------------------------
# Longest a statement of a public request (API, feeds, sitemaps) may run, in milliseconds; past it the
# request is a 503 with Retry-After instead of a worker stuck on one query. The admin, migrations, commands
# and the worker are not limited (see cissapi/availability.py). 0 disables it.
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "5000"))

# --- Client addresses and failed keys (issue 9) ---------------------------------------------------------
# Proxies in front of the app that append the client's address to X-Forwarded-For (a load balancer: 1; a
# CDN before it: 2). 0 trusts only the socket's address: a client can write anything into the header, so
# keying throttles on it would let every request claim a fresh allowance.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", "0"))
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
# Requests with a bad `Api-Key` allowed per client address (each costs a key lookup), e.g. "20/minute";
# past it every Api-Key request from the address is a 429 until the window ends. "off" disables it.
_auth_failure_rate = os.environ.get("API_AUTH_FAILURE_RATE", "20/minute")
API_AUTH_FAILURE_RATE = unless_off(_auth_failure_rate)

# --- Syndication: change feed, partner keys, webhooks ----------------------------------------------------
# A new partner's rate until an editor sets its own (all its keys together).
PARTNER_DEFAULT_THROTTLE_RATE = os.environ.get("PARTNER_DEFAULT_THROTTLE_RATE", "6000/hour")
# Webhook deliveries: a timeout per attempt, and retries after base * 2**n seconds (30 s, 1 min, 2 min, ...
# about 1 h in all with 8 attempts) before a delivery is marked failed.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))

# --- Webhook safety and the worker (issue #9) ------------------------------------------------------------
# Receivers must be public https URLs; plain http and private/loopback addresses only for development and
# tests (a receiver on 127.0.0.1), never in production: they would let a webhook reach internal services.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP")
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS")
# The whole of one attempt (connect, send, answer), however slowly a receiver trickles bytes.
WEBHOOK_DEADLINE_SECONDS = float(os.environ.get("WEBHOOK_DEADLINE_SECONDS", "20"))
# Deliveries the worker sends at once, so one slow receiver cannot hold up the others.
WEBHOOK_WORKER_CONCURRENCY = int(os.environ.get("WEBHOOK_WORKER_CONCURRENCY", "4"))
# Finished worker jobs and delivery log rows older than this are deleted every night.
WEBHOOK_LOG_RETENTION_DAYS = int(os.environ.get("WEBHOOK_LOG_RETENTION_DAYS", "90"))
# --- Backups (manage.py backup / restore, make backup / make restore) ----------------------------------
# Where `make backup` writes its tar files unless given FILE=.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# Folder holding pg_dump and pg_restore; unset: the ones pgserver ships (Postgres 18, as compose's db).
PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")

# --- Editorial workflow (issue #12: review notifications) --------------------------------------------
# Submitting a piece for review emails the editors; the console backend prints the mail instead of sending.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cissapi@localhost")
# Where editors open the admin, for the links in those emails.
ADMIN_BASE_URL = os.environ.get("ADMIN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# --- end of editorial workflow ---

# --- Citations and OAI-PMH (issue #15, h15-scholar) -----------------------------------------------------
# PUBLISHER_NAME (above, with the public site's settings) is the publisher, or a report's institution, in
# citations and OAI-PMH records too.
# OAI-PMH (/oai/): records or headers per ListRecords/ListIdentifiers answer before a resumption token, and
# how long a token stays good (seconds). Identify's adminEmail: who harvesters write to.
OAI_PAGE_SIZE = int(os.environ.get("OAI_PAGE_SIZE", "100"))
OAI_TOKEN_LIFETIME_SECONDS = int(os.environ.get("OAI_TOKEN_LIFETIME_SECONDS", "86400"))
OAI_ADMIN_EMAIL = os.environ.get("OAI_ADMIN_EMAIL", DEFAULT_FROM_EMAIL)
# --- end of citations and OAI-PMH ---

# --- Logging ------------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"security_without_traceback": {"()": "cissapi.log_filters.SecurityWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["security_without_traceback"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Both announce routine start-up steps at INFO on every manage.py command; axes logs every login at
    # INFO and lockouts at WARNING.
    "loggers": {
        "pgserver": {"level": "WARNING"},
        "procrastinate": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
# Uploads are served by Django itself only when asked (local runs); production puts them behind a web server.
SERVE_MEDIA = env_bool("SERVE_MEDIA")
