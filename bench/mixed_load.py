"""Visitors read a wide set of pages while members post replies: what writes cost the cache.

    .venv/bin/python bench/mixed_load.py --database bench_100k [--rates 0,1,5,20 --duration 20]

The database must hold a board from `manage.py generate_bench_board` (bench/README.md). The board
is served as bench/run_benchmark.py serves it (gunicorn, production settings, Redis, the page
cache on). For each rate, wrk drives visitors (no cookie) through a wide set of pages in turn:
the index, page 1 and 2 of every forum and page 1 of --threads different threads. Meanwhile
members post replies through the real reply form (a POST with a session and a CSRF token, flood
control on) at a steady --rates replies a second, each member in turn (so that none posts twice
within BOARD_FLOOD_SECONDS), into threads of the wide set. After each confirmed reply (the
redirect to the new post), a visitor's GET of the page the redirect names must show it.

Reported per rate: visitors' requests/s, p50 and p99, non-2xx answers, replies confirmed, held
for moderation, refused, seen on the next GET, and the machine's load average at the end.
"""

import argparse
import http.client
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run_benchmark import (  # noqa: E402 - after the path is set
    Server,
    member_cookie,
    prepare,
    read_wrk,
    server_environment,
    wrk,
)

WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


@dataclass
class Round:
    rate: float
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    confirmed: int = 0
    held: int = 0
    refused: int = 0
    seen: int = 0
    errors: str = ""
    missed: list = field(default_factory=list)
    load: float = 0.0
    post_ms: list = field(default_factory=list)
    check_ms: list = field(default_factory=list)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--db-url")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--rates", default="0,1,5,20", help="Replies per second, per round.")
    parser.add_argument(
        "--threads", dest="wide_threads", type=int, default=60, help="Threads in the wide set."
    )
    parser.add_argument("--members", type=int, default=400, help="Members who post, in turn.")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument(
        "--server-threads",
        dest="threads",
        type=int,
        default=1,
        help="gunicorn's --threads (more than 1 makes the workers gthread ones).",
    )
    parser.add_argument("--posts-per-page", type=int, default=10)
    parser.add_argument("--threads-per-page", type=int, default=20)
    parser.add_argument("--page-cache-seconds", type=int, default=300)
    parser.add_argument("--label", default="", help="A name for this run in the output.")
    parser.add_argument(
        "--count",
        action="store_true",
        help="Serve bench/counted_wsgi.py: print the page cache's hits, misses, builds and "
        "refusals per round (adds a little work per request).",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="Record the workers with py-spy (raw, for bench/flamegraph.py) during each "
        "round's measured seconds, into DIR/rate-N.txt.",
    )
    return parser.parse_args()


def wide_set(args) -> tuple[list[str], list[int]]:
    """The visitors' paths, and the threads replies go to (all of them in the set)."""
    from forum.models import Forum, Thread

    paths = ["/"]
    for forum in Forum.objects.order_by("pk"):
        paths += [forum.get_absolute_url(), forum.get_absolute_url() + "?page=2"]
    threads = list(
        Thread.objects.visible()
        .filter(is_locked=False)
        .order_by("-last_post_at")
        .select_related("forum")[: args.wide_threads]
    )
    paths += [thread.get_absolute_url() for thread in threads]
    return paths, [thread.pk for thread in threads]


def posters(count: int) -> list[str]:
    """Sessions of `count` members who may post (active, confirmed, not banned)."""
    from accounts.models import User

    members = User.objects.filter(is_active=True, is_staff=False).order_by("pk")[:count]
    return [member_cookie(member.pk) for member in members]


class Writer:
    """Posts replies at a steady rate, each through the reply form, then checks each."""

    def __init__(self, base: str, cookies: list[str], thread_ids: list[int]):
        self.host, self.port = urlsplit(base).hostname, urlsplit(base).port
        self.cookies, self.thread_ids = cookies, thread_ids
        self.turn = 0
        self.lock = threading.Lock()

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheader("Location"), response.read()
        finally:
            connection.close()

    def reply(self, result: Round) -> None:
        with self.lock:
            cookie = self.cookies[self.turn % len(self.cookies)]
            thread_id = self.thread_ids[self.turn % len(self.thread_ids)]
            self.turn += 1
        marker = uuid.uuid4().hex
        csrf = secrets.token_hex(16)  # an unmasked secret, as the csrftoken cookie holds
        form = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "body": f"A reply under load, {marker}: squats then deadlifts.",
                "submission_key": str(uuid.uuid4()),
            }
        )
        started = time.perf_counter()
        status, location, answer = self.request(
            "POST",
            f"/threads/{thread_id}/reply/",
            body=form,
            headers={
                "Cookie": f"{cookie}; csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        posted = time.perf_counter()
        if status != 302 or "#post" not in (location or ""):
            with self.lock:
                result.refused += 1
                if result.refused == 1:
                    print(f"  refused: {status} {location} {answer[:300]!r}", flush=True)
            return
        path = location.split("#")[0]
        status, _, page = self.request("GET", path)
        with self.lock:
            result.post_ms.append((posted - started) * 1000)
            result.check_ms.append((time.perf_counter() - posted) * 1000)
            result.confirmed += 1
            if status == 200 and marker.encode() in page:
                result.seen += 1
            else:
                result.missed.append((path, status))
            if b"a moderator will look at your post" in page:
                result.held += 1

    def run(self, rate: float, seconds: float, result: Round) -> None:
        if rate <= 0:
            return
        with ThreadPoolExecutor(max_workers=32) as pool:
            start = time.monotonic()
            count = int(rate * seconds)
            for n in range(count):
                delay = start + n / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(self.reply, result)


def measure(args, server: Server, script: Path, writer: Writer, rate: float) -> Round:
    result = Round(rate)
    base = server.base
    wrk(base, args.warmup, args.connections, None, script)
    if args.count:
        reset_counts(server)
    profiler = start_profiler(args, server, rate)
    thread = threading.Thread(target=writer.run, args=(rate, args.duration, result))
    thread.start()
    read_wrk(wrk(base, args.duration, args.connections, None, script), result)
    thread.join()
    if profiler is not None:
        profiler.wait()
    if args.count:
        print_counts(server, result, args.duration)
    result.load = os.getloadavg()[0]  # at the end of the writes too
    if result.errors:
        print("wrk socket errors:", result.errors)
    return result


def start_profiler(args, server: Server, rate: float):
    """py-spy sampling the server's workers for the measured seconds (--profile)."""
    if not args.profile:
        return None
    Path(args.profile).mkdir(parents=True, exist_ok=True)
    output = Path(args.profile) / f"rate-{rate:g}.txt"
    command = [
        str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(server.process.pid),
        "--subprocesses", "--duration", str(args.duration), "--rate", "100",
        "--format", "raw", "--output", str(output), "--nonblocking",
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def counts_client():
    import redis

    return redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])


def reset_counts(server: Server) -> None:
    from bench.counted_wsgi import COUNTS_KEY

    counts_client().delete(COUNTS_KEY)


def print_counts(server: Server, result: Round, seconds: float) -> None:
    """The workers' counts for the round (bench/counted_wsgi.py), per second of the round."""
    from bench.counted_wsgi import COUNTS_KEY

    time.sleep(0.5)  # the workers add their counts at most every 0.2 s
    counts = {
        name.decode(): float(value) for name, value in counts_client().hgetall(COUNTS_KEY).items()
    }
    replies = max(result.confirmed, 1)
    print(f"  counts at {result.rate:g} replies/s ({seconds} s; per reply in brackets):")
    for name in sorted(counts):
        value = counts[name]
        head, _, last = name.rpartition(" | ")
        if last.endswith("ms"):
            if last == "build ms":
                calls = counts.get(f"{head} | stored", 0) + counts.get(f"{head} | not stored", 0)
            else:
                calls = counts.get(f"{head} | requests", 0)
            print(
                f"    {name}: {value / max(calls, 1):.1f} ms each, "
                f"{value / seconds / 1000:.2f} s a second"
            )
        else:
            print(f"    {name}: {value / seconds:.1f}/s ({value / replies:.1f})")
    if result.post_ms:
        result.post_ms.sort()
        result.check_ms.sort()
        middle = len(result.post_ms) // 2
        print(
            f"    client: reply POST median {result.post_ms[middle]:.0f} ms, "
            f"the check's GET median {result.check_ms[middle]:.0f} ms"
        )


def table(args, rounds: list[Round]) -> str:
    quiet = rounds[0].rps if rounds and rounds[0].rate == 0 else None
    lines = [
        f"{args.label or 'run'}: {len(args.paths)} pages (index, {args.forum_pages} forum "
        f"pages, page 1 of {len(args.thread_ids)} threads), wrk 2 threads "
        f"{args.connections} connections {args.duration} s, gunicorn {args.workers} "
        f"{args.worker_class} workers, {len(args.cookies)} posting members",
        "",
        "| replies/s | visitors req/s | × no-write | p50 ms | p99 ms | non-2xx | replies "
        "confirmed | held | refused | seen on next GET | load |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in rounds:
        share = f"{r.rps / quiet:.2f}" if quiet else "-"
        lines.append(
            f"| {r.rate:g} | {r.rps:,.0f} | {share} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
            f"{r.non_2xx} | {r.confirmed} | {r.held} | {r.refused} | {r.seen}/{r.confirmed} "
            f"| {r.load:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = server_environment(args, static_root)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    server = None
    try:
        prepare(env)
        args.paths, args.thread_ids = wide_set(args)
        args.forum_pages = len(args.paths) - 1 - len(args.thread_ids)
        args.cookies = posters(args.members)
        script = static_root / "wide.lua"
        script.write_text(WRK_SCRIPT % ", ".join(f'"{path}"' for path in args.paths))
        app = "bench.counted_wsgi" if args.count else "config.wsgi"
        os.environ["BENCH_REDIS_URL"] = args.redis_url
        server = Server("board", app, "config.settings", args, env)
        server.wait_ready()
        writer = Writer(server.base, args.cookies, args.thread_ids)
        rounds = []
        for rate in (float(rate) for rate in args.rates.split(",")):
            rounds.append(measure(args, server, script, writer, rate))
            print(table(args, rounds[-1:]).splitlines()[-1], flush=True)
            for path, status in rounds[-1].missed[:5]:
                print(f"  not seen on the next GET: {path} ({status})")
        print()
        print(table(args, rounds))
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
