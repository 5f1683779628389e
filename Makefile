# The two commands a fresh machine needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test test-scale e2e screenshots lint format install migrate seed bench bench-wordpress soak clean-db backup restore

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py ensure_admin --port $(PORT)
	@# The webhook worker runs beside the server and stops with it (Ctrl-C or the server exiting);
	@# webhook_worker restarts it with backoff whenever it dies (a database blip, a crash).
	$(PY) manage.py webhook_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	SERVE_MEDIA=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# Two workers (pytest-xdist, a test database each): CI has two cores, and the suite takes half the time.
test: install
	$(PY) -m pytest -m "not e2e and not scale" -n 2

# --- Scale-out engines (issue 16): tests/scale/ (marked `scale`: Redis, a streaming replica, Varnish), then
# the cache and throttle tests again on a real Redis (Debian's redis-server, installed with apt-get when
# missing). Tests marked `database_cache` are skipped there (tests/conftest.py): they read the database
# cache table itself (tests/scale/test_redis.py is the Redis twin of the flood test) or pin the partner
# window's SQL UPSERT, which is a Redis INCR here.
REDIS_TESTS := tests/test_cache.py tests/api/test_generation.py tests/api/test_rate_limit_headers.py \
	tests/api/test_client_address.py tests/api/test_caching.py tests/api/test_response_cache.py \
	tests/partners/test_partner_access.py tests/api/test_invalidation.py tests/test_early_hits.py
test-scale: install
	$(PY) -m pytest -m scale tests/scale
	$(PY) -m pytest -m "not e2e and not scale" --cache-backend=redis $(REDIS_TESTS)
# --- end of scale-out engines

# Browser tests (tests/e2e/) in Debian's headless Chromium, installed with apt-get when missing.
e2e: install
	$(PY) -m pytest -m e2e

# The README's screenshots (docs/screenshots/), taken by the browser tests' own flows; `make e2e` leaves them.
screenshots: install
	E2E_UPDATE_DOCS=1 $(PY) -m pytest -m e2e tests/e2e/test_editorial_flow.py tests/e2e/test_media_library.py \
		tests/e2e/test_public_site.py

# The API against the floor server on a separate 100,000-publication database (built once); see bench/run.py.
# make bench [SCALE=1m]: the tables at 100k, or at 10k, 100k and 1M side by side (README, "Performance notes").
bench: install
	BENCH_SCALE=$(or $(SCALE),100k) $(PY) -m bench.run
	$(PY) -m bench.wordpress

# --- Soak (issue 16): a mixed run against gunicorn with the cache on (reads, edits, webhooks to a local
# receiver) on a catalogue of its own, checked for errors, RSS growth and table bounds; see bench/soak.py.
# make soak [SOAK_SECONDS=600]. Not in .ci/run or test-scale: even a 60 s soak takes ~2 min with its build.
soak: install
	SOAK_SECONDS=$(or $(SOAK_SECONDS),600) $(PY) -m bench.soak
# --- end of soak

# --- WordPress import: a generated 10,000-post export into a database of its own, timed (bench/wordpress.py).
bench-wordpress: install
	$(PY) -m bench.wordpress

lint: install
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# --- Backups: the database (pg_dump -Fc) and the media files in one tar; see README, "Backup and restore".
# make backup [FILE=path.tar]   (default: var/backups/cissapi-<time>.tar)
backup: install
	$(PY) manage.py backup $(if $(FILE),--output $(FILE))

# make restore FILE=path.tar    (asks before replacing the database's content)
restore: install
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=var/backups/cissapi-<time>.tar"; exit 2; }
	$(PY) manage.py restore $(FILE)
