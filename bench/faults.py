"""Three bounded checks of the board served by gunicorn under production settings.

    .venv/bin/python bench/faults.py load      # 64 connections for 30 s: half read, half reply
    .venv/bin/python bench/faults.py restart   # restart PostgreSQL while the board serves
    .venv/bin/python bench/faults.py redis     # stop Redis for 10 s while the board serves
    .venv/bin/python bench/faults.py cluster   # replica, PgBouncer and app server faults
                                               # on a cluster of its own (bench/cluster_faults.py)
    .venv/bin/python bench/faults.py all       # all four

Each builds a scratch database (board_faults) with the sample thread and 32 members, serves it
with 2 gunicorn sync workers on a free loopback port, drives it from this process, and checks:
no 5xx but the PostgreSQL outage's 503; every reply that answered with its redirect is stored
and no other; every counter matches a recount. `restart` needs root (pg_ctlcluster); `redis`
stops and starts a redis-server of its own on a free port, never a shared one. Exit status 1 on
failure. Nothing runs longer than its stated time; every server is stopped on the way out.
"""

import argparse
import http.client
import os
import secrets
import shutil
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.databases import create_database  # noqa: E402
from bench.run_benchmark import (  # noqa: E402
    BASE_DIR,
    Server,
    free_port,
    member_cookie,
    setup_django,
)

DATABASE = "board_faults"
MEMBERS = 32
CSRF_TOKEN = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def environment(static_root: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "false",
        "STATIC_ROOT": str(static_root),
        "BOARD_FLOOD_SECONDS": "0",
        "BOARD_LOGIN_FAILURES_PER_ADDRESS": "1000",
        "LOG_LEVEL": "CRITICAL",
        "CONN_MAX_AGE": "60",
        # As production runs: sessions, the page cache and view counts in Redis (own keys).
        "REDIS_URL": os.environ.get("BOARD_FAULTS_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "CACHE_KEY_PREFIX": f"faults-{secrets.token_hex(4)}",
    }


def manage(env: dict[str, str], *command: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=BASE_DIR, env={**os.environ, **env}, check=True, capture_output=True, text=True,
        timeout=300,
    ).stdout  # fmt: skip


def fresh_database(env: dict[str, str]) -> None:
    create_database(env["DATABASE_URL"], replace=True)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "loaddata", "sample_thread", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def member_cookies() -> list[str]:
    from accounts.models import User

    cookies = []
    for n in range(MEMBERS):
        member = User.objects.create_user(f"Loader{n}", f"loader{n}@example.com", None)
        cookies.append(f"{member_cookie(member.pk)}; csrftoken={CSRF_TOKEN}")
    return cookies


class Tally:
    """Responses by status, and replies the server confirmed with its redirect."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.replies_stored = 0
        self.timeline: list[tuple[float, int]] = []

    def add(self, status: int, *, reply_landed: bool = False) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.timeline.append((time.monotonic(), status))
            if reply_landed:
                self.replies_stored += 1


def read_loop(port: int, stop: threading.Event, tally: Tally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        try:
            connection.request("GET", "/threads/1/cardio-back-pain/")
            response = connection.getresponse()
            response.read()
            tally.add(response.status)
        except (OSError, http.client.HTTPException):
            tally.add(0)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def reply_loop(port: int, cookie: str, stop: threading.Event, tally: Tally) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n = 0
    while not stop.is_set():
        n += 1
        body = f"csrfmiddlewaretoken={CSRF_TOKEN}&body=Load+reply+{n}+{secrets.token_hex(4)}"
        headers = {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/",
        }
        try:
            connection.request("POST", "/threads/1/reply/", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            location = response.getheader("Location") or ""
            tally.add(response.status, reply_landed=response.status == 302 and "#post" in location)
        except (OSError, http.client.HTTPException):
            tally.add(0)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def run_for(workers: list[threading.Thread], stop: threading.Event, seconds: float, during=None):
    """Starts `workers`, calls `during()` (which returns at once), sets `stop` after `seconds`
    and waits for the workers to finish."""
    for worker in workers:
        worker.start()
    started = time.monotonic()
    if during:
        during()
    time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    stop.set()
    for worker in workers:
        worker.join(timeout=60)


def drive(port: int, cookies: list[str], seconds: float, during=None) -> Tally:
    tally, stop = Tally(), threading.Event()
    workers = [threading.Thread(target=read_loop, args=(port, stop, tally)) for _ in cookies]
    workers += [threading.Thread(target=reply_loop, args=(port, c, stop, tally)) for c in cookies]
    run_for(workers, stop, seconds, during)
    return tally


def check_counts(env: dict[str, str], before: int, tally: Tally) -> list[str]:
    from forum.models import Post

    problems = []
    stored = Post.objects.filter(thread_id=1).count() - before
    if stored != tally.replies_stored:
        problems.append(f"{stored} replies stored but {tally.replies_stored} confirmed")
    recount = manage(env, "recount").strip()
    if "0 threads, 0 forums, 0 members changed" not in recount:
        problems.append(f"counters were off: {recount}")
    return problems


def report(name: str, tally: Tally, problems: list[str]) -> bool:
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items()))
    print(f"{name}: {sum(tally.statuses.values())} responses ({statuses}); "
          f"{tally.replies_stored} replies confirmed and stored")  # fmt: skip
    for problem in problems:
        print(f"{name}: FAILED: {problem}")
    return not problems


def run_load(env, port, cookies) -> bool:
    from forum.models import Post

    before = Post.objects.filter(thread_id=1).count()
    tally = drive(port, cookies, seconds=30)
    problems = check_counts(env, before, tally)
    server_errors = sum(n for s, n in tally.statuses.items() if s >= 500 or s == 0)
    if server_errors:
        problems.append(f"{server_errors} responses were 5xx or broken connections")
    if tally.replies_stored == 0:
        problems.append("no reply landed")
    return report("load", tally, problems)


def run_restart(env, port, cookies) -> bool:
    from django.db import connection

    from forum.models import Post

    before = Post.objects.filter(thread_id=1).count()
    connection.close()
    cluster = sorted(os.listdir("/etc/postgresql"))[-1]
    restart_at = {}

    def restart_postgres():
        time.sleep(5)
        restart_at["start"] = time.monotonic()
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
            check=True, timeout=120,
        )  # fmt: skip
        restart_at["end"] = time.monotonic()

    tally = drive(port, cookies[:8], seconds=25, during=lambda: threading.Thread(
        target=restart_postgres, daemon=True).start())  # fmt: skip
    problems = []
    unexpected = {s: n for s, n in tally.statuses.items() if s >= 500 and s != 503 or s == 0}
    if unexpected:
        problems.append(f"responses other than 503 during the outage: {unexpected}")
    if "end" not in restart_at:
        problems.append("PostgreSQL did not restart in time")
    else:
        after = [s for t, s in tally.timeline if t > restart_at["end"] + 2]
        if 200 not in after:
            problems.append("the same gunicorn did not serve again after the restart")
    problems += check_counts(env, before, tally)
    return report("restart", tally, problems)


class PrivateRedis:
    """A redis-server of the check's own on a free loopback port, with nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while self.info("keyspace_hits") is None:
            if time.monotonic() > deadline:
                raise SystemExit(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def info(self, field: str) -> int | None:
        """A number from INFO, or None while Redis does not answer."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"INFO stats\r\n")
                reply = b""
                while b"keyspace_misses" not in reply:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return None
                    reply += chunk
        except OSError:
            return None
        for line in reply.decode().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split(":")[1])
        return None


def run_redis(env, cookies) -> bool:
    """Stops Redis 5 s into 30 s of reading and replying, starts it again 10 s later."""
    from forum.models import Post

    if shutil.which("redis-server") is None:
        return report("redis", Tally(), ["redis-server is not installed"])
    redis = PrivateRedis()
    redis.start()
    options = SimpleNamespace(workers=2, worker_class="sync", threads=1)
    server = Server("board-redis", "config.wsgi", "config.settings", options,
                    {**env, "REDIS_URL": redis.url})  # fmt: skip
    moments = {}

    def outage():
        time.sleep(5)
        moments["stopped"] = time.monotonic()
        redis.stop()
        time.sleep(10)
        redis.start()
        moments["started"] = time.monotonic()
        while time.monotonic() - moments["started"] < 10:
            if (redis.info("keyspace_hits") or 0) > 0:
                moments["hit"] = time.monotonic()
                return
            time.sleep(0.05)

    try:
        server.wait_ready()
        workers = sorted(server.worker_pids())
        before = Post.objects.filter(thread_id=1).count()
        tally = drive(server.port, cookies[:8], seconds=30, during=lambda: threading.Thread(
            target=outage, daemon=True).start())  # fmt: skip
        hits_after = redis.info("keyspace_hits") or 0
        same_workers = sorted(server.worker_pids()) == workers
    finally:
        server.stop()
        redis.stop()
    problems = []
    failed = {s: n for s, n in tally.statuses.items() if s >= 500 or s == 0}
    if failed:
        problems.append(f"5xx or broken connections: {failed}")
    if "started" not in moments:
        problems.append("Redis did not start again in time")
    else:
        during = [s for t, s in tally.timeline if moments["stopped"] < t < moments["started"]]
        if during.count(200) == 0:
            problems.append("no page was served while Redis was down")
        down = moments["started"] - moments["stopped"]
        print(f"redis: while Redis was down ({down:.1f} s): {len(during)} responses, "
              f"{during.count(200)} pages, {during.count(302)} replies")  # fmt: skip
        if "hit" in moments:
            print(f"redis: first cache hit {moments['hit'] - moments['started']:.2f} s after "
                  f"Redis was back; {hits_after} hits by the end, same gunicorn workers: "
                  f"{same_workers}")  # fmt: skip
        else:
            problems.append("the cache was not used again within 10 s of Redis coming back")
    if not same_workers:
        problems.append("gunicorn's workers were replaced")
    problems += check_counts(env, before, tally)
    return report("redis", tally, problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=["load", "restart", "redis", "cluster", "all"])
    which = parser.parse_args().check
    if which == "cluster":  # a cluster of its own: primary, replica, PgBouncer, two app servers
        from bench.cluster_faults import run_cluster

        sys.exit(0 if run_cluster() else 1)
    static_root = Path(tempfile.mkdtemp(prefix="faults-static-"))
    env = environment(static_root)
    fresh_database(env)
    setup_django(env)
    cookies = member_cookies()
    ok = True
    try:
        if which in ("load", "restart", "all"):
            options = SimpleNamespace(workers=2, worker_class="sync", threads=1)
            server = Server("board", "config.wsgi", "config.settings", options, env)
            try:
                server.wait_ready()
                if which in ("load", "all"):
                    ok &= run_load(env, server.port, cookies)
                if which in ("restart", "all"):
                    ok &= run_restart(env, server.port, cookies)
            finally:
                server.stop()
        if which in ("redis", "all"):
            ok &= run_redis(env, cookies)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    if which == "all":  # in a process of its own: this one's Django is set up on board_faults
        ok &= subprocess.run([sys.executable, __file__, "cluster"], check=False).returncode == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
