"""The benchmarked URLs and the SQL queries ours spends on each (`python -m bench.query_counts`, JSON out).

Run by bench/run.py in a child process with the bench database's environment and API_CACHE=0, so the
count is what a request costs when nothing is cached.
"""

from __future__ import annotations

import json

import django


def main() -> None:
    django.setup()
    from django.contrib.postgres.search import SearchQuery
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.targets import benchmark_targets
    from publications.models import Publication
    from tooling.corpus_words import RARE_TERMS

    live = Publication.objects.published()
    rare = next(t for t in RARE_TERMS if live.filter(search_vector=SearchQuery(t, config="english")).exists())
    client = Client()
    results = []
    for target in benchmark_targets(common_term="security", rare_term=rare):
        client.get(target.url, HTTP_HOST="127.0.0.1")  # the first request loads code and content types
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target.url, HTTP_HOST="127.0.0.1")
        ok = response.status_code == 200
        results.append({"name": target.name, "url": target.url, "sql_queries": len(queries) if ok else None})
    print(json.dumps({"targets": results, "rare_term": rare}))


if __name__ == "__main__":
    main()
