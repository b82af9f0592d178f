"""Load-test the board's main pages against a ceiling; write the table to docs/PERFORMANCE.md.

    .venv/bin/python bench/run_benchmark.py --database bench_100k \
        [--workers 2 --worker-class sync --posts-per-page 10 --threads-per-page 20 --duration 15]

The database must hold a board from `manage.py generate_bench_board` (see bench/README.md).
The script serves the board with gunicorn under production settings (DEBUG off, a SECRET_KEY,
Redis, collectstatic into a temporary STATIC_ROOT, plain http on a free loopback port), and,
with the same gunicorn configuration, the ceiling (bench/ceiling: the same settings and
middleware, a constant 2 KB page after SELECT 1). wrk drives each URL with --connections for
--warmup then --duration seconds, as a visitor and as a logged-in member. Queries per request
are counted apart, in this process, with Django's test client on the same database and settings.
Every server it starts is stopped on the way out, whatever happens.
"""

import argparse
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
DEFAULT_OUTPUT = BASE_DIR / "docs" / "PERFORMANCE.md"

# Targets from the issue, for the 100,000-post board.
VISITOR_SHARE, MEMBER_SHARE = 0.50, 0.30
HOT_LAST_PAGE_SLACK = 0.15
MAX_QUERIES = {("thread", "visitor"): 4, ("thread", "member"): 7}
SEARCH_P50_MS = 30
WORKER_RSS_MB = 150


@dataclass
class Page:
    key: str  # short name, e.g. "hot-last"
    label: str
    url: str


@dataclass
class Result:
    page: Page
    who: str  # "visitor" or "member"
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    non_2xx: int = 0
    errors: str = ""
    queries: int | None = None
    status: int | None = None
    load: float = 0.0  # the machine's 1-minute load average at the end of the run


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="A PostgreSQL database on 127.0.0.1.")
    parser.add_argument(
        "--db-url", help="Full DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/DATABASE)."
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn --threads (gthread).")
    parser.add_argument("--posts-per-page", type=int, default=10)
    parser.add_argument("--threads-per-page", type=int, default=20)
    parser.add_argument("--duration", type=int, default=15, help="Seconds of load per URL.")
    parser.add_argument("--warmup", type=int, default=3, help="Seconds of load before each run.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--search-word", default="squat", help="A word in about 1 post in 5.")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        default=300,
        help="BOARD_PAGE_CACHE_SECONDS; 0 renders every visitor's page (results go to their "
        "own block of the output).",
    )
    parser.add_argument(
        "--only", help="Comma-separated page keys to run (e.g. hot-first,hot-last)."
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="Print the table only.")
    return parser.parse_args()


def server_environment(args, static_root: Path) -> dict[str, str]:
    url = args.db_url or f"postgres://postgres@127.0.0.1:5432/{args.database}"
    return {
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "false",
        "REDIS_URL": args.redis_url,
        # Own keys, so that the benchmark's view counts never mix with another board's.
        "CACHE_KEY_PREFIX": f"bench-{args.database}",
        "STATIC_ROOT": str(static_root),
        "BOARD_POSTS_PER_PAGE": str(args.posts_per_page),
        "BOARD_THREADS_PER_PAGE": str(args.threads_per_page),
        "BOARD_PAGE_CACHE_SECONDS": str(args.page_cache_seconds),
        "LOG_LEVEL": "WARNING",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn serving `app` on a free loopback port, in its own process group."""

    def __init__(self, name: str, app: str, settings_module: str, args, env: dict[str, str]):
        self.name, self.port = name, free_port()
        command = [
            str(VENV_BIN / "gunicorn"),
            app,
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(args.workers),
            "--worker-class", args.worker_class,
            "--threads", str(args.threads),
            "--log-level", "warning",
            "--timeout", "60",
        ]  # fmt: skip
        handle, path = tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")
        self.log = os.fdopen(handle, "wb")
        self.log_path = path
        self.process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": settings_module},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited: see {self.log_path}")
            try:  # every worker booted answers; the first answer means the app is loaded
                with urllib.request.urlopen(self.base + "/", timeout=10) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not start in {timeout}s: see {self.log_path}")

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def peak_rss_mb(self) -> list[float]:
        """Each worker's peak resident set (VmHWM), in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(url: str, seconds: int, connections: int, cookie: str | None, script=None) -> str:
    """wrk's output for `url`; with `script`, a Lua file that picks each request's path."""
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    command += ["--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    done = subprocess.run(
        [*command, url], capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed on {url}: {done.stderr.strip()}")
    return done.stdout


def measure(result: Result, base: str, args, cookie: str | None) -> None:
    url = base + result.page.url
    if args.warmup:
        wrk(url, args.warmup, args.connections, cookie)
    read_wrk(wrk(url, args.duration, args.connections, cookie), result)


def read_wrk(out: str, result) -> None:
    """Sets rps, requests, p50_ms, p99_ms, non_2xx, errors and load on `result` from wrk."""
    result.rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    result.requests = int(re.search(r"(\d+) requests in", out).group(1))
    result.p50_ms = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    result.p99_ms = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    result.non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    errors = re.search(r"Socket errors:(.*)", out)
    result.errors = errors.group(1).strip() if errors else ""
    result.load = os.getloadavg()[0]


def prepare(env: dict[str, str]) -> None:
    """Collects the static files into env's STATIC_ROOT and sets Django up in this process."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        check=True,
        timeout=300,
    )
    setup_django(env)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    # The test client calls itself "testserver"; only this process hears it.
    os.environ["ALLOWED_HOSTS"] = env["ALLOWED_HOSTS"] + ",testserver"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def pick_pages(args) -> tuple[list[Page], int]:
    """The URLs to load, from what the database holds; returns them and the member's id."""
    from django.conf import settings

    from accounts.models import User
    from following.models import ThreadRead
    from forum.models import Forum, Thread

    forum = Forum.objects.order_by("-thread_count").first()
    if forum is None:
        raise SystemExit(f"{args.database} holds no board: run manage.py generate_bench_board.")
    hot = Thread.objects.visible().order_by("-post_count").first()
    # A normal thread: not sticky, as long as the median thread, with several pages.
    sizes = list(
        Thread.objects.visible().order_by("post_count").values_list("post_count", flat=True)
    )
    median = sizes[len(sizes) // 2]
    normal = (
        Thread.objects.visible()
        .filter(is_sticky=False, post_count__gte=median)
        .exclude(pk=hot.pk)
        .order_by("post_count", "pk")
        .first()
    )
    member = User.objects.order_by("-post_count").first()
    # The logged-in member: a regular with read marks, not the busiest poster.
    reader = (
        User.objects.filter(is_active=True, is_staff=False)
        .filter(pk__in=ThreadRead.objects.filter(thread=hot).values("user"))
        .order_by("pk")
        .first()
    ) or member
    hot_pages = hot.page_count()
    deep = max(1, forum.page_count() * 3 // 4)
    slug_url = hot.get_absolute_url()
    pages = [
        Page("index", "Board index", "/"),
        Page("forum-1", f"Forum page 1 ({forum.thread_count:,} threads)", forum.get_absolute_url()),
        Page(
            "forum-deep",
            f"Forum page {deep} of {forum.page_count()}",
            f"{forum.get_absolute_url()}?page={deep}",
        ),
        Page("thread", f"Thread ({normal.post_count} posts), page 1", normal.get_absolute_url()),
        Page("hot-first", f"Hot thread ({hot.post_count:,} posts), page 1", slug_url),
        Page(
            "hot-middle",
            f"Hot thread, page {hot_pages // 2:,}",
            f"{slug_url}?page={hot_pages // 2}",
        ),
        Page("hot-last", f"Hot thread, page {hot_pages:,} (last)", f"{slug_url}?page={hot_pages}"),
        Page("profile", f"Profile ({member.post_count:,} posts)", member.get_absolute_url()),
        Page("search", f"Search: {args.search_word}", f"/search/?q={args.search_word}"),
    ]
    if args.posts_per_page != settings.BOARD_POSTS_PER_PAGE:
        raise SystemExit("BOARD_POSTS_PER_PAGE did not reach the settings.")
    if args.only:
        wanted = set(args.only.split(","))
        pages = [page for page in pages if page.key in wanted]
    return pages, reader.pk


def member_cookie(member_id: int) -> str:
    """A logged-in session for the member, as logging in would leave it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User

    member = User.objects.get(pk=member_id)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def count_queries(results: list[Result], cookie: str) -> None:
    """Queries per request and status, for each page, through the test client: the fewest of
    three requests after a first one (which may fill per-process caches), since one view in
    BOARD_VIEW_FLUSH_EVERY adds the UPDATE that writes the thread's view count."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {"visitor": Client(), "member": Client()}
    name, value = cookie.split("=", 1)
    clients["member"].cookies[name] = value
    for result in results:
        client = clients[result.who]
        client.get(result.page.url)
        counts = []
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(result.page.url)
            counts.append(len(captured))
        result.queries, result.status = min(counts), response.status_code
        if response.wsgi_request.user.is_authenticated != (result.who == "member"):
            raise SystemExit(f"The {result.who}'s session is not what it should be.")
    connection.close()


def environment_facts(database: str) -> dict[str, str]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM forum_thread),"
            " (SELECT count(*) FROM forum_post)"
        )
        members, threads, posts = cursor.fetchone()
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    gunicorn = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    wrk_v = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    wrk_words = (wrk_v.stdout or wrk_v.stderr).split()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs ({cpu}), {mem_kb / 1024 / 1024:.0f} GB RAM, "
        f"{platform.system()} {platform.release()}",
        "versions": f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {pg}, {gunicorn or 'gunicorn'}, "
        f"wrk {wrk_words[1] if len(wrk_words) > 1 else '?'}",
        "board": f"`{database}`: {members:,} members, {threads:,} threads, {posts:,} posts",
    }


def render(args, facts, results, ceiling, peaks, ceiling_peaks) -> str:
    first, last = ceiling["visitor"], ceiling.get("visitor-end", ceiling["visitor"])
    ceiling_rps = (first.rps + last.rps) / 2
    member_ceiling = ceiling["member"].rps
    cache_note = (
        f"visitors' pages from the page cache ({args.page_cache_seconds} s)"
        if args.page_cache_seconds
        else "page cache off: every page rendered"
    )
    lines = [
        f"### `{args.database}`, {cache_note}, {facts['date']}",
        "",
        f"- Machine: {facts['machine']}",
        f"- Versions: {facts['versions']}",
        f"- Board: {facts['board']}",
        f"- Load: gunicorn {args.workers} × {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.threads > 1 else "")
        + f"; wrk 2 threads, {args.connections} connections, {args.duration} s per URL after"
        f" {args.warmup} s of warm-up; {args.posts_per_page} posts and {args.threads_per_page}"
        " threads a page; DEBUG off, Redis cache and sessions, whitenoise, CONN_MAX_AGE 60;"
        f" {cache_note}.",
        f"- Ceiling: {ceiling_rps:,.0f} req/s as a visitor (mean of {first.rps:,.0f} before the"
        f" pages, load {first.load:.1f}, and {last.rps:,.0f} after them, load {last.load:.1f};"
        f" p50 {first.p50_ms:.1f} ms),"
        f" {ceiling['member'].rps:,.0f} req/s with a member's session cookie"
        f" (p50 {ceiling['member'].p50_ms:.1f} ms, {ceiling['member'].queries} queries:"
        " session, member, SELECT 1).",
        "- `load`: the machine's 1-minute load average as each run ended (2 CPUs: above about 3,"
        " work outside the benchmark competed for the CPUs and that row is pessimistic).",
        f"- Peak RSS per worker (VmHWM): board {', '.join(f'{mb:.0f}' for mb in peaks)} MB;"
        f" ceiling {', '.join(f'{mb:.0f}' for mb in ceiling_peaks)} MB.",
        "",
        "- `× ceiling`: requests/s over the visitor ceiling's; `× member ceiling` (member rows):"
        " over the ceiling's with the same member's session cookie.",
        "",
        "| page | who | req/s | p50 ms | p99 ms | × ceiling | × member ceiling | non-2xx"
        " | queries | load |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        share = result.rps / ceiling_rps if ceiling_rps else 0
        member_share = ""
        if result.who == "member" and member_ceiling:
            member_share = f"{result.rps / member_ceiling:.0%}"
        flag = ""
        if result.status != 200:
            flag = f" (HTTP {result.status})"
        lines.append(
            f"| {result.page.label}{flag} | {result.who} | {result.rps:,.0f} | "
            f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | {share:.0%} | {member_share} | "
            f"{result.non_2xx} | {result.queries} | {result.load:.1f} |"
        )
    lines += ["", "Targets (set for the 100,000-post board):", ""]
    lines += [f"- {line}" for line in target_lines(results, ceiling_rps, member_ceiling, peaks)]
    return "\n".join(lines) + "\n"


def target_lines(results, ceiling_rps, member_ceiling, peaks) -> list[str]:
    def mark(ok: bool) -> str:
        return "met" if ok else "**missed**"

    out = []
    shares = [
        ("visitor", VISITOR_SHARE, ceiling_rps, "the ceiling"),
        ("member", MEMBER_SHARE, ceiling_rps, "the visitor ceiling"),
        ("member", MEMBER_SHARE, member_ceiling, "the member ceiling"),
    ]
    for who, share, ceiling, name in shares:
        rows = [r for r in results if r.who == who]
        below = [f"{r.page.key} {r.rps / ceiling:.0%}" for r in rows if r.rps < share * ceiling]
        if rows and ceiling:
            out.append(
                f"{who} pages ≥ {share:.0%} of {name}: {mark(not below)}"
                + (f" (below: {', '.join(below)})" if below else "")
            )
    by = {(r.page.key, r.who): r for r in results}
    for who in ("visitor", "member"):
        first, last = by.get(("hot-first", who)), by.get(("hot-last", who))
        if first and last:
            slack = last.p50_ms / first.p50_ms - 1 if first.p50_ms else 0
            out.append(
                f"hot thread last page p50 within {HOT_LAST_PAGE_SLACK:.0%} of page 1 ({who}):"
                f" {mark(slack <= HOT_LAST_PAGE_SLACK)} ({last.p50_ms:.1f} vs"
                f" {first.p50_ms:.1f} ms, {slack:+.0%})"
            )
    for (key, who), limit in MAX_QUERIES.items():
        row = by.get((key, who))
        if row:
            out.append(
                f"{who} thread page ≤ {limit} queries: {mark(row.queries <= limit)} ({row.queries})"
            )
    for who in ("visitor", "member"):
        row = by.get(("search", who))
        if row:
            out.append(
                f"search p50 < {SEARCH_P50_MS} ms ({who}): {mark(row.p50_ms < SEARCH_P50_MS)}"
                f" ({row.p50_ms:.1f} ms)"
            )
    if peaks:
        out.append(
            f"worker RSS < {WORKER_RSS_MB} MB: {mark(max(peaks) < WORKER_RSS_MB)}"
            f" (peak {max(peaks):.0f} MB)"
        )
    return out


def write_section(path: Path, database: str, text: str) -> None:
    """Replaces this database's block of results in `path` (or adds it under "Results")."""
    start, end = f"<!-- results:{database} -->", f"<!-- /results:{database} -->"
    block = f"{start}\n{text}{end}"
    doc = path.read_text() if path.exists() else "# Performance\n\n## Results\n\n"
    if start in doc and end in doc:
        doc = doc[: doc.index(start)] + block + doc[doc.index(end) + len(end) :]
    elif "## Results\n" in doc:
        at = doc.index("## Results\n") + len("## Results\n")
        doc = doc[:at] + "\n" + block + "\n" + doc[at:]
    else:
        doc = doc.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc)


def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    env = server_environment(args, static_root)
    servers: list[Server] = []
    # Stop the servers on Ctrl-C or a kill as well.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        prepare(env)
        pages, member_id = pick_pages(args)
        cookie = member_cookie(member_id)
        results = [Result(page, who) for page in pages for who in ("visitor", "member")]
        count_queries(results, cookie)
        for result in results:
            if result.status != 200:
                print(f"warning: {result.page.url} as {result.who} answers {result.status}")

        ceiling_server = Server(
            "ceiling", "bench.ceiling.wsgi", "bench.ceiling.settings", args, env
        )
        board_server = Server("board", "config.wsgi", "config.settings", args, env)
        servers += [ceiling_server, board_server]
        for server in servers:
            server.wait_ready()
        ceiling = {
            "visitor": Result(Page("ceiling", "Ceiling", "/"), "visitor", queries=1),
            "member": Result(Page("ceiling", "Ceiling", "/"), "member", queries=3),
        }
        total = (len(results) + 3) * (args.warmup + args.duration)
        print(f"{len(results) + 3} runs, about {total // 60} min {total % 60} s", file=sys.stderr)
        for who, result in ceiling.items():
            measure(result, ceiling_server.base, args, cookie if who == "member" else None)
            print(
                f"ceiling {who}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms",
                file=sys.stderr,
            )
        for result in results:
            measure(result, board_server.base, args, cookie if result.who == "member" else None)
            print(
                f"{result.page.key} {result.who}: {result.rps:,.0f} req/s, p50 "
                f"{result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, {result.queries} queries,"
                f" non-2xx {result.non_2xx}",
                file=sys.stderr,
            )
        # The ceiling again, last: the machine may have grown busier or quieter meanwhile, and
        # the ratios use the mean of both runs.
        again = Result(Page("ceiling", "Ceiling", "/"), "visitor", queries=1)
        measure(again, ceiling_server.base, args, None)
        print(f"ceiling visitor again: {again.rps:,.0f} req/s", file=sys.stderr)
        ceiling["visitor-end"] = again
        peaks, ceiling_peaks = board_server.peak_rss_mb(), ceiling_server.peak_rss_mb()
        facts = environment_facts(args.database)
        text = render(args, facts, results, ceiling, peaks, ceiling_peaks)
        block = args.database if args.page_cache_seconds else f"{args.database}-rendered"
        print(text)
        if not args.no_write:
            write_section(args.output, block, text)
            print(f"Written to {args.output}", file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(static_root, ignore_errors=True)


if __name__ == "__main__":
    main()
