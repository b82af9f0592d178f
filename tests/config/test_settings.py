"""Settings read from the environment: production refuses to start without a SECRET_KEY."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

SHOW = "from django.conf import settings; print(settings.{})"


def run(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HTTPS")}
    return subprocess.run(
        [sys.executable, *arguments], cwd=settings.BASE_DIR, env={**environment, **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def setting(env: dict[str, str], name: str) -> str:
    code = "import django; django.setup(); " + SHOW.format(name)
    result = run({"DJANGO_SETTINGS_MODULE": "config.settings", **env}, "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/board"},
        {"DATABASE_URL": "", "HTTPS": "true"},
    ],
    ids=["postgresql", "https"],
)
def test_production_refuses_to_start_without_a_secret_key_in_one_line(env, tmp_path):
    result = run({**env, "VAR_DIR": str(tmp_path)}, "manage.py", "check")
    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error: SECRET_KEY is not set: production")
    assert result.stderr.count("\n") == 1  # one line, no traceback
    assert not (tmp_path / "secret_key").exists()


def test_a_laptop_keeps_its_own_secret_key_in_var(tmp_path):
    laptop = {"DATABASE_URL": "", "VAR_DIR": str(tmp_path)}
    key = setting(laptop, "SECRET_KEY")
    assert key == (tmp_path / "secret_key").read_text().strip()
    assert setting(laptop, "SECRET_KEY") == key


def test_production_takes_the_secret_key_it_is_given():
    production = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/board",
        "SECRET_KEY": "k" * 50,
    }
    assert setting(production, "SECRET_KEY") == "k" * 50


def test_without_redis_every_view_is_written_to_the_thread_row(tmp_path):
    # Each gunicorn worker's local memory would count alone and forget its count on exit.
    assert setting({"DATABASE_URL": "", "VAR_DIR": str(tmp_path)}, "BOARD_VIEW_FLUSH_EVERY") == "1"
    with_redis = {
        "DATABASE_URL": "",
        "VAR_DIR": str(tmp_path),
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    assert setting(with_redis, "BOARD_VIEW_FLUSH_EVERY") == "100"


def test_replica_urls_become_mirrored_aliases_behind_the_router_and_pgbouncer_drops_cursors():
    production = {
        "DATABASE_URL": "postgres://postgres@127.0.0.1:6432/board",
        "SECRET_KEY": "k" * 50,
        "DATABASE_POOLER": "pgbouncer",
        "DATABASE_REPLICA_URLS": "postgres://postgres@10.0.0.2/board, postgres://postgres@10.0.0.3/board",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(sorted(s.DATABASES), s.BOARD_REPLICA_ALIASES, s.DATABASE_ROUTERS, "
        "s.DATABASES['replica2']['HOST'], s.DATABASES['replica1']['TEST']['MIRROR'], "
        "s.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    result = run({"DJANGO_SETTINGS_MODULE": "config.settings", **production}, "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['default', 'replica1', 'replica2'] ['replica1', 'replica2'] "
        "['config.replicas.ReplicaRouter'] 10.0.0.3 default True"
    )


def test_one_primary_has_no_router():
    assert setting({"DATABASE_URL": ""}, "DATABASE_ROUTERS") == "[]"


def test_the_boards_language_comes_from_the_environment(tmp_path):
    assert (
        setting(
            {"DATABASE_URL": "", "VAR_DIR": str(tmp_path), "LANGUAGE_CODE": "de"}, "LANGUAGE_CODE"
        )
        == "de"
    )


def test_a_language_the_board_does_not_speak_stops_it_in_one_line(tmp_path):
    env = {"DATABASE_URL": "", "VAR_DIR": str(tmp_path), "LANGUAGE_CODE": "fr"}
    result = run(env, "manage.py", "check")
    assert result.returncode != 0
    assert result.stderr == "Configuration error: LANGUAGE_CODE must be one of en, de, not 'fr'\n"
