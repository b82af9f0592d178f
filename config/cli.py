"""`oldboard`, the installed board's command: every manage.py command, plus `serve`.

`oldboard migrate`, `oldboard collectstatic --noinput`, `oldboard load_sample` and so on run as
`python manage.py ...` does in a checkout; `oldboard serve [gunicorn options]` serves the board
with gunicorn on BIND (127.0.0.1:8000) with WORKERS (2) processes.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if argv[1:2] == ["serve"]:
        return serve(argv[2:])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["oldboard", *argv[1:]])


def serve(options: list[str]) -> None:
    """Replaces this process with gunicorn, so that signals (Ctrl-C, systemd's stop) reach it.
    The address comes from BIND only: gunicorn's --bind would add a second one."""
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--config", "python:config.gunicorn",
        "--bind", os.environ.get("BIND", "127.0.0.1:8000"),
        "--workers", os.environ.get("WORKERS", "2"),
        "--access-logfile", "-", "--log-level", "warning",
        *options,
    ]  # fmt: skip
    os.execv(sys.executable, command)
