"""Gunicorn's settings for the board: gunicorn -c config/gunicorn.py config.wsgi (./board serve
uses them). Command-line options still apply on top.

With metrics on (BOARD_METRICS_ALLOWED_ADDRESSES), every worker writes its numbers to files in
PROMETHEUS_MULTIPROC_DIR (default var/metrics), and /metrics adds up the files of all workers,
past and present, so any worker answers with the server's totals (config/metrics.py). The
numbers start again from zero when gunicorn starts, as Prometheus expects of a restart.
"""

import os
from pathlib import Path

if os.environ.get("BOARD_METRICS_ALLOWED_ADDRESSES", "").strip():
    # As config/settings.py decides: var/ beside manage.py in a checkout, else of the directory
    # the installed board runs from.
    checkout = Path(__file__).resolve().parent.parent
    work_dir = checkout if (checkout / "manage.py").exists() else Path.cwd()
    var_dir = Path(os.environ.get("VAR_DIR") or work_dir / "var")
    # Set here, in the arbiter, so that every worker inherits it before importing the board.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(var_dir / "metrics"))


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for old in Path(folder).glob("*.db"):  # the last run's numbers, and nothing else
            old.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


# gunicorn's hard maximum (its default is 4094): a longer query string then reaches the board,
# which answers with its own 414 page (config.views.LongQueryStringMiddleware) instead of
# gunicorn's bare one. Lines past this still get gunicorn's page.
limit_request_line = 8190
