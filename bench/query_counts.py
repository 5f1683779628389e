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
    print(json.dumps({"targets": results, "rare_term": rare, "mix": read_mix_urls()}))


def read_mix_urls() -> list[str]:
    """The edit-mix scenario's URLs, most asked for first (its zipf ranks): the first list pages and the
    feed, topic lists, then pieces newest first with deeper list pages among them."""
    from publications.models import Publication
    from taxonomy.models import Topic

    publications = "/api/v1/publications/"
    front = [publications, "/feeds/json/", *(f"{publications}?page={n}" for n in range(2, 6))]
    topics = [
        f"{publications}?topic={slug}"
        for slug in Topic.objects.order_by("slug").values_list("slug", flat=True)
    ]
    slugs = (
        Publication.objects.published().order_by("-published_at", "-id").values_list("slug", flat=True)[:2000]
    )
    details = [f"{publications}{slug}/" for slug in slugs]
    deep = [f"{publications}?page={n}" for n in range(6, 106)]
    # A deeper list page after every twentieth piece.
    rest = [
        url
        for n, detail in enumerate(details)
        for url in ([detail, deep[n // 20]] if n % 20 == 19 else [detail])
    ]
    return front + topics + rest


if __name__ == "__main__":
    main()
