"""The API's image object (media.api.documents.image_document) as SQL, for documents Postgres builds: a
publication's list item (publications.querysets.ListItemJson) and an author's bio (authors.querysets)."""

from __future__ import annotations

# Characters Django's FileSystemStorage.url() leaves as they are in a file's path (filepath_to_uri); any
# other is percent-encoded as UTF-8 bytes, as urllib.parse.quote does.
_URL_SAFE = r"A-Za-z0-9_.~/!*()''-"


def media_url_sql(path: str) -> str:
    """The absolute URL of the library file at `path` (text), as default_storage.url() and the request
    make it: the %(media)s parameter is the storage's URL prefix."""
    encoded = (
        f"(SELECT string_agg(CASE WHEN c ~ '[{_URL_SAFE}]' THEN c ELSE upper(regexp_replace("
        f"encode(convert_to(c, 'UTF8'), 'hex'), '(..)', '%%\\1', 'g')) END, '' ORDER BY n)"
        f" FROM regexp_split_to_table({path}, '') WITH ORDINALITY AS chars(c, n))"
    )
    # Paths are almost always plain ASCII: then no character is looked at one by one.
    return f"%(media)s || CASE WHEN {path} ~ '^[{_URL_SAFE}]*$' THEN {path} ELSE {encoded} END"


def image_json_sql(image_id: str) -> str:
    """The library image whose id is the SQL `image_id`, as media.api.documents' image object; null when
    there is none."""
    from media.models import Image

    return f"""(SELECT json_build_object('url', {media_url_sql("i.file")},
            'width', i.width, 'height', i.height,
            'alt', NULLIF(i.alt, ''), 'caption', NULLIF(i.caption, ''), 'credit', NULLIF(i.credit, ''),
            'renditions', COALESCE((SELECT json_agg(json_build_object('url', {media_url_sql("r ->> 'path'")},
                'width', r -> 'width', 'height', r -> 'height', 'format', r -> 'format') ORDER BY n)
                FROM jsonb_array_elements(CASE WHEN jsonb_typeof(i.renditions) = 'array'
                    THEN i.renditions ELSE '[]' END) WITH ORDINALITY AS e(r, n)), '[]'))
        FROM {Image._meta.db_table} i WHERE i.id = {image_id} AND i.file <> '')"""
