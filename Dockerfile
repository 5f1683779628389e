# The app image docker-compose.yml runs: the source under /app, served by gunicorn.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STATIC_ROOT=/app/staticfiles \
    CISSAPI_VAR_DIR=/data

WORKDIR /app

# Dependencies first, in their own layer, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt

COPY . .
# Settings need a database address and a key to load; collectstatic connects to neither.
RUN DATABASE_URL=postgres://build@localhost/build SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --system --home-dir /data app \
    && mkdir -p /data/media \
    && chown -R app /data

USER app
EXPOSE 8000
CMD ["gunicorn", "cissapi.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
