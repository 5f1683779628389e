"""gunicorn's settings for the web service (docker-compose.yml and the image's default command).

gunicorn loads this file from the working directory before Django starts, so it reads its own three
variables; they are listed with the rest in .env.example.
"""

import os

bind = "0.0.0.0:8000"
# Processes, each with this many threads (gthread worker): threads serve requests that wait on Postgres
# or the cache while a slow client holds another.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Seconds a request may run before its worker is killed and replaced: a hung request cannot hold a worker
# for ever. Keep it above the database's statement timeout so a slow query ends as an answer, not a kill.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
accesslog = "-"
