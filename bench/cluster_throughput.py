"""Members' page throughput through both app servers, with and without the read replica.

    ./board cluster up
    .venv/bin/python bench/cluster_throughput.py [--seconds 15 --clients 8]
    ./board cluster down

Logs in --clients new members (none of them writes, so their pages may read from the replica),
and has each read the thread, the member list, search and the index in turn, half of them
through each app server, for --seconds; then again with the replica stopped, so that every
read goes to the primary (the router's fallback). Prints requests per second (and per core of
this machine, which also runs the clients, PostgreSQL, PgBouncer and Redis) and the
transactions each PostgreSQL server committed per second, read from pg_stat_database.
Members' pages, not visitors': visitors' pages come from the page cache.
"""

import argparse
import os
import secrets
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cluster  # noqa: E402
from bench.cluster_faults import Client, members, read_loop  # noqa: E402
from bench.run_benchmark import setup_django  # noqa: E402

COMMITS = "SELECT xact_commit FROM pg_stat_database WHERE datname = 'board'"


def commits(part: str) -> int | None:
    try:
        return cluster.sql(part, COMMITS)[0][0]
    except Exception:  # noqa: BLE001 (stopped)
        return None


def measure(clients: list[Client], seconds: float) -> dict:
    from bench.cluster_faults import Tally

    tally, stop = Tally(), threading.Event()
    before = {part: commits(part) for part in ("primary", "replica")}
    threads = [threading.Thread(target=read_loop, args=(c, stop, tally)) for c in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started
    after = {part: commits(part) for part in ("primary", "replica")}
    rate = {
        part: (after[part] - before[part]) / elapsed
        for part in before
        if before[part] is not None and after[part] is not None
    }
    return {"tally": tally, "rps": sum(tally.statuses.values()) / elapsed, "commits": rate}


def show(label: str, result: dict) -> None:
    cores = os.cpu_count() or 1
    commits_per_second = ", ".join(f"{p} {r:.0f}/s" for p, r in result["commits"].items())
    print(f"{label}: {result['rps']:.1f} requests/s ({result['rps'] / cores:.1f} per core); "
          f"{result['tally'].summary()}; transactions committed: {commits_per_second}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    if cluster.readyz("app1") != 200 or cluster.readyz("app2") != 200:
        raise SystemExit("Start the cluster first: ./board cluster up")
    setup_django({**cluster.environment(), "DATABASE_URL": cluster.database_url("primary"),
                  "DATABASE_REPLICA_URLS": ""})  # fmt: skip
    csrf = secrets.token_hex(16)
    clients = [Client(c, first=n % 2) for n, c in enumerate(members(args.clients, csrf))]
    show("with the replica", measure(clients, args.seconds))
    cluster.stop_postgres("replica")
    try:
        show("replica stopped", measure(clients, args.seconds))
    finally:
        cluster.start_postgres("replica")


if __name__ == "__main__":
    main()
