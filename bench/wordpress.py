"""`make bench-wordpress`: how long `import_wordpress` takes for a 10,000-post export (the issue asks < 60 s).

Writes a generated WXR 1.2 file (posts with co-authors, categories, tags and a cross-post line) to a
temporary directory and imports it into a database of its own (`cissapi_bench_wordpress` on the embedded
server, or BENCH_WORDPRESS_DATABASE_URL), migrated and emptied on each run, so no other data is touched.
Prints the wall time and the CPU time of the command and of its Postgres backend. Environment:
BENCH_WORDPRESS_POSTS (10000).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
POSTS = int(os.environ.get("BENCH_WORDPRESS_POSTS", "10000"))
AUTHORS = 60
CATEGORIES = 30
DATABASE = "cissapi_bench_wordpress"

_HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Bench</title><link>https://bench.example.org</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:base_site_url>https://bench.example.org</wp:base_site_url>
<wp:base_blog_url>https://bench.example.org</wp:base_blog_url>
"""


def write_export(path: Path, posts: int = POSTS) -> None:
    """A WXR file of `posts` published posts by guest authors, filed under categories and tags."""
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEADER)
        for number in range(CATEGORIES):
            parent = f"<wp:category_parent>cat-{number // 10}</wp:category_parent>" if number >= 10 else ""
            out.write(
                f"<wp:category><wp:category_nicename>cat-{number}</wp:category_nicename>{parent}"
                f"<wp:cat_name>Category {number}</wp:cat_name></wp:category>\n"
            )
        for number in range(AUTHORS):
            out.write(
                f"<item><title>Author {number}</title><wp:post_id>{900000 + number}</wp:post_id>"
                f"<wp:post_name>cap-author-{number}</wp:post_name><wp:status>publish</wp:status>"
                "<wp:post_type>guest-author</wp:post_type>"
                f"<wp:postmeta><wp:meta_key>cap-display_name</wp:meta_key>"
                f"<wp:meta_value>Guest Author {number}</wp:meta_value></wp:postmeta>"
                f"<wp:postmeta><wp:meta_key>cap-user_login</wp:meta_key>"
                f"<wp:meta_value>author-{number}</wp:meta_value></wp:postmeta></item>\n"
            )
        for number in range(1, posts + 1):
            day = f"20{10 + number % 14:02d}-{1 + number % 12:02d}-{1 + number % 28:02d}"
            words = " ".join(f"word{(number * 7 + k) % 997}" for k in range(120))
            body = escape(
                f"{words}.\n\nSecond paragraph of piece {number}, about strategy.\n\n"
                + (
                    f'This article was published in another form at <a href="https://outlet{number % 40}'
                    f'.example.com/p/{number}">Outlet</a>.'
                    if number % 5 == 0
                    else ""
                )
            )
            authors = "".join(
                f'<category domain="author" nicename="cap-author-{(number + k) % AUTHORS}">'
                f"author-{(number + k) % AUTHORS}</category>"
                for k in range(1 + number % 2)
            )
            out.write(
                f"<item><title>Piece number {number}</title>"
                f"<link>https://bench.example.org/{day.replace('-', '/')}/piece-{number}/</link>"
                f"<dc:creator>admin</dc:creator><content:encoded>{body}</content:encoded>"
                f"<excerpt:encoded>Summary of piece {number}.</excerpt:encoded>"
                f"<wp:post_id>{number}</wp:post_id><wp:post_date>{day} 10:00:00</wp:post_date>"
                f"<wp:post_date_gmt>{day} 05:00:00</wp:post_date_gmt>"
                f"<wp:comment_status>open</wp:comment_status><wp:post_name>piece-{number}</wp:post_name>"
                "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
                f'<category domain="category" nicename="cat-{number % CATEGORIES}">'
                f"Category {number % CATEGORIES}</category>"
                f'<category domain="post_tag" nicename="tag-{number % 50}">Tag {number % 50}</category>'
                f"{authors}</item>\n"
            )
        out.write("</channel></rss>\n")


def use_bench_database() -> None:
    """Point this process's Django at the bench's own database (before Django loads its settings)."""
    os.environ.update({"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "cissapi.settings"})
    if os.environ.get("BENCH_WORDPRESS_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_WORDPRESS_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["EMBEDDED_DB_NAME"] = DATABASE


def main() -> None:
    use_bench_database()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import DatabaseError, connection

    # A fresh database each run: the import is timed from empty, as a site moving in would run it.
    call_command("migrate", "--noinput", verbosity=0)
    call_command("flush", "--noinput", verbosity=0)
    # The emptied tables as a new site's are, never analyzed: otherwise autovacuum, woken by the last run's
    # writes, analyzes them during the import, sees none of its uncommitted rows and records them empty
    # over the pages they fill, and Postgres plans the rest of the import for empty tables (a run right
    # after another took 110-190 s instead of about 45; analyzed empty beforehand, about 72). Forgetting
    # the last run's write counts leaves autovacuum nothing to do; it takes a superuser, as the embedded
    # server's is.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_reset()")
    except DatabaseError as error:  # not a superuser (BENCH_WORDPRESS_DATABASE_URL): measured as it is
        print(f"(write counts not reset: {error}; autovacuum may slow the import)")
    with tempfile.TemporaryDirectory() as folder:
        export = Path(folder) / "export.xml"
        write_export(export)
        size = export.stat().st_size / 1e6
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        backend_before = _process_cpu(backend)
        cpu_before = time.process_time()
        started = time.perf_counter()
        call_command("import_wordpress", str(export))
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        backend_cpu = _process_cpu(backend) - backend_before
    # CPU times beside the wall time: on a shared machine the wall time also counts the time other
    # processes held the cores (the load average says how many wanted them); the import itself is the
    # command's CPU plus its Postgres backend's (read from /proc when the server runs here).
    print(
        f"import_wordpress: {POSTS} posts ({size:.1f} MB) in {elapsed:.1f} s wall; CPU {cpu:.1f} s in the "
        f"command + {backend_cpu:.1f} s in its Postgres backend; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores (target: under 60 s)"
    )


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of a local process (0 when it is not local, as with a remote server)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime are the 14th and 15th fields of the line, the 12th and 13th after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
