"""The scratch PostgreSQL databases the benchmarks and fault checks build their boards in."""

import dj_database_url
import psycopg


def create_database(url: str, *, replace: bool) -> None:
    """Creates the database `url` names. `replace` drops it first (closing its connections);
    otherwise an existing one is kept as it is."""
    config = dj_database_url.parse(url)
    name = config["NAME"]
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    ) as admin:
        if replace:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        admin.execute(f'CREATE DATABASE "{name}"')


def scratch_import_board(url: str) -> None:
    """A fresh board in the database `url` names, migrated, with one empty forum (slug
    old-board) for the import benchmarks to import into; Django is set up on it."""
    import os
    import secrets

    create_database(url, replace=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # PostgreSQL means production
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from forum.models import Category, Forum

    call_command("migrate", verbosity=0)
    category = Category.objects.create(name="Archives", slug="archives")
    Forum.objects.create(category=category, name="Old board", slug="old-board")
