"""Full-text search columns, kept by PostgreSQL itself.

forum_post.search_vector and forum_thread.search_vector are STORED generated columns, so every
write (create_thread, add_reply, edit_post, loaddata, the admin) keeps them current with no
application code; GIN indexes make `@@` fast. The models do not declare the columns: they
exist only on PostgreSQL, and forum/search.py reads them in PostgreSQL-only code.

On SQLite this migration does nothing (search there falls back to icontains).

Adding a STORED column rewrites the table: on a large existing board, run it in a quiet hour.
"""

from django.db import migrations

# BBCode tags are markup, not words: "[b]" must not be indexed as "b". [img] links go entirely.
# forum/search.py calls the same function for ts_headline, so snippets match what was indexed.
#
# forum_post_search_cost() is a planner hint, always true. The planner prices `@@` like a
# comparison, far below what checking a post's tsvector costs, so to find "the newest matches"
# of a word in 3 % of the posts it scans them by date (30,000 checks, ~70 ms on the 100,000-post
# bench) where the GIN index would read 3,000 rows (~15 ms). Put beside `@@` with a cost near
# the real one, it makes the planner count each row a plan checks and pick the plan that checks
# fewer. PARALLEL UNSAFE also keeps a search in one process: a web request should not start
# parallel workers.
CREATE = r"""
CREATE FUNCTION forum_post_plain_text(body text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT regexp_replace(
            regexp_replace(body, '\[img\][^[]*\[/img\]', ' ', 'gi'),
            '\[/?(b|i|u|s|quote|url|img|code|list|\*|color|size)(=[^]]*)?\]', ' ', 'gi'
        )
    $$;
ALTER TABLE forum_post ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, forum_post_plain_text(body))) STORED;
CREATE INDEX post_search_vector ON forum_post USING gin (search_vector);
ALTER TABLE forum_thread ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, title)) STORED;
CREATE INDEX thread_search_vector ON forum_thread USING gin (search_vector);
CREATE FUNCTION forum_post_search_cost(post_id bigint) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE COST 500
    AS $$ BEGIN RETURN true; END $$;
COMMENT ON FUNCTION forum_post_search_cost(bigint) IS
    'Always true: a planner hint for forum/search.py (see migration forum 0003_search).';
"""

DROP = """
DROP FUNCTION forum_post_search_cost(bigint);
ALTER TABLE forum_thread DROP COLUMN search_vector;
ALTER TABLE forum_post DROP COLUMN search_vector;
DROP FUNCTION forum_post_plain_text(text);
"""


def create_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0003_legacy_ids"),
    ]

    operations = [
        migrations.RunPython(create_search_columns, drop_search_columns, elidable=False),
    ]
