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
