"""Faults on the production-shaped cluster (bench/cluster.py): `./board faults cluster`.

Builds a cluster of its own (var/cluster-faults/, ports from 18400; never the one `./board
cluster up` runs, never the shared PostgreSQL or Redis), then, each while members read and reply
through both app servers:

1. replica stopped: the replica is stopped for 8 s: reads fall back to the primary, no 5xx;
   the replica serves reads again once it is back.
2. replica lag: replay paused on the replica (pg_wal_replay_pause()): a member who replied sees
   the reply on their next page at once; a member who did not write sees it within the lag
   threshold (BOARD_REPLICA_MAX_LAG_SECONDS, 2 s here, plus the 1 s check interval); a visitor
   (page cache, rendered from the primary) at once.
3. app server killed: app1's gunicorn (arbiter and workers) is killed with SIGKILL; the clients,
   as a load balancer would, send what app1 refuses to app2: every page answered, no 5xx, no
   confirmed reply lost; app1 is started again and answers.
4. PgBouncer restarted: stopped and started again: a plain 503 while it is down at most, no
   500, no reply half-stored, the same app servers serve again.

Figures: responses by status, replies confirmed vs stored, seconds to recover. The cluster is
stopped and its folder deleted on the way out.
"""

import contextlib
import http.client
import os
import secrets
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
os.environ["BOARD_CLUSTER_PORT"] = os.environ.get("BOARD_FAULTS_CLUSTER_PORT", "18400")
os.environ["BOARD_CLUSTER_DIR"] = str(BASE_DIR / "var" / "cluster-faults")

from bench import cluster  # noqa: E402

THREAD = "/threads/1/cardio-back-pain/"
READERS, WRITERS = 6, 4
LAG_THRESHOLD = 2


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.confirmed = 0
        self.broken_posts = 0  # connections lost with a reply in flight: stored or not
        # Replies answered 503: the database's answer to a COMMIT can be lost on its way back
        # (PgBouncer stopped between the two), so such a reply may be stored all the same.
        self.unavailable_posts = 0
        self.timeline: list[tuple[float, int, str]] = []

    def add(self, status: int, method: str = "GET", *, confirmed: bool = False) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.timeline.append((time.monotonic(), status, method))
            self.confirmed += confirmed
            self.broken_posts += status == 0 and method == "POST"
            self.unavailable_posts += status == 503 and method == "POST"

    def summary(self) -> str:
        statuses = ", ".join(f"{s or 'broken'}: {n}" for s, n in sorted(self.statuses.items()))
        return f"{sum(self.statuses.values())} responses ({statuses})"


class Client:
    """One member's (or a visitor's) connections to both app servers. Like a load balancer's
    retry, a request an app server refused to connect is sent to the other one: nothing was
    sent, so nothing can be stored twice."""

    def __init__(self, cookie: str = "", first: int = 0):
        self.cookie, self.first = cookie, first
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str, str]:
        ports = [cluster.PORTS["app1"], cluster.PORTS["app2"]]
        if self.first:
            ports.reverse()
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for port in ports:
            connection = self.connections.get(port) or http.client.HTTPConnection(
                "127.0.0.1", port, timeout=30
            )
            self.connections[port] = connection
            try:
                connection.request(method, path, body=body or None, headers=headers)
                response = connection.getresponse()
                text = response.read().decode(errors="replace")
                self.set_cookies = response.msg.get_all("Set-Cookie") or []
                return response.status, response.getheader("Location") or "", text
            except ConnectionRefusedError:
                connection.close()
                del self.connections[port]
                continue
            except (OSError, http.client.HTTPException):
                connection.close()
                del self.connections[port]
                return 0, "", ""
        return 0, "", ""

    def reply(self, text: str, csrf: str) -> tuple[int, str]:
        status, location, _ = self.request(
            "POST", "/threads/1/reply/", f"csrfmiddlewaretoken={csrf}&body={text}"
        )
        return status, location


def members(count: int, csrf: str) -> list[str]:
    from accounts.models import User
    from bench.run_benchmark import member_cookie

    cookies = []
    for _ in range(count):
        name = f"Loader{secrets.token_hex(3)}"
        member = User.objects.create_user(name, f"{name.lower()}@example.com", None)
        cookies.append(f"{member_cookie(member.pk)}; csrftoken={csrf}")
    return cookies


def read_loop(client: Client, stop: threading.Event, tally: Tally) -> None:
    pages = [THREAD, "/members/", "/search/?q=back", "/"]
    n = 0
    while not stop.is_set():
        status, _, _ = client.request("GET", pages[n % len(pages)])
        tally.add(status)
        n += 1


def reply_loop(client: Client, csrf: str, stop: threading.Event, tally: Tally) -> None:
    while not stop.is_set():
        status, location = client.reply(f"Cluster+reply+{secrets.token_hex(4)}", csrf)
        tally.add(status, "POST", confirmed=status == 302 and "#post" in location)


def drive(readers, writers, csrf: str, seconds: float, fault) -> Tally:
    from bench.faults import run_for

    tally, stop = Tally(), threading.Event()
    threads = [threading.Thread(target=read_loop, args=(c, stop, tally)) for c in readers]
    threads += [threading.Thread(target=reply_loop, args=(c, csrf, stop, tally)) for c in writers]
    fault_thread = threading.Thread(target=fault, daemon=True)
    run_for(threads, stop, seconds, during=fault_thread.start)
    fault_thread.join(timeout=60)
    return tally


def post_count() -> int:
    return cluster.sql("primary", "SELECT count(*) FROM forum_post WHERE thread_id = 1")[0][0]


def replica_scans() -> int | None:
    try:
        rows = cluster.sql("replica", "SELECT sum(seq_scan + coalesce(idx_scan, 0)) "
                                      "FROM pg_stat_user_tables")  # fmt: skip
    except Exception:  # noqa: BLE001 (down)
        return None
    return int(rows[0][0] or 0)


def recount_problems(env) -> list[str]:
    out = cluster.manage(env, "recount").strip()
    return [] if "0 threads, 0 forums, 0 members changed" in out else [f"counters were off: {out}"]


def report(name: str, tally: Tally, stored: int, problems: list[str], notes: list[str]) -> bool:
    replies = f"replies confirmed {tally.confirmed}, stored {stored}"
    print(f"cluster/{name}: {tally.summary()}; {replies}")
    for note in notes:
        print(f"cluster/{name}: {note}")
    for problem in problems:
        print(f"cluster/{name}: FAILED: {problem}")
    return not problems


def server_errors(tally: Tally, allowed=()) -> dict[int, int]:
    return {s: n for s, n in tally.statuses.items() if (s >= 500 or s == 0) and s not in allowed}


def outage(moments: dict, *, after: float, lasting: float, stop, start, then=None):
    """The fault: `stop()` `after` seconds into the run, `start()` `lasting` seconds later,
    noting when in `moments` ("stop", "stopped", "started"); then `then()`."""

    def fault():
        time.sleep(after)
        moments["stop"] = time.monotonic()
        stop()
        moments["stopped"] = time.monotonic()
        time.sleep(lasting)
        start()
        moments["started"] = time.monotonic()
        if then is not None:
            then()

    return fault


def check_replica_stopped(env, readers, writers, csrf) -> bool:
    moments = {}

    def replica_serving():
        scans = replica_scans() or 0
        while time.monotonic() - moments["started"] < 8:
            time.sleep(0.1)
            if (replica_scans() or 0) > scans:
                moments["serving"] = time.monotonic()
                return

    fault = outage(
        moments,
        after=4,
        lasting=8,
        stop=lambda: cluster.stop_postgres("replica"),
        start=lambda: cluster.start_postgres("replica"),
        then=replica_serving,
    )
    before = post_count()
    tally = drive(readers, writers, csrf, 20, fault)
    stored = post_count() - before
    problems, notes = [], []
    if errors := server_errors(tally):
        problems.append(f"5xx or broken connections: {errors}")
    if stored != tally.confirmed:
        problems.append(f"{stored} replies stored but {tally.confirmed} confirmed")
    if "stopped" in moments:
        down = (moments["stopped"], moments.get("started", 0))
        during = [s for t, s, _ in tally.timeline if down[0] < t < down[1]]
        notes.append(f"while the replica was down ({moments['started'] - moments['stop']:.1f} s): "
                     f"{len(during)} responses, {during.count(200)} pages")  # fmt: skip
    if "serving" in moments:
        back = moments["serving"] - moments["started"]
        notes.append(f"the replica served reads again {back:.1f} s after it was back")
    else:
        problems.append("the replica served no read within 8 s of coming back")
    problems += recount_problems(env)
    return report("replica-stopped", tally, stored, problems, notes)


def check_replica_lag(env, reader_cookie, writer_cookie, csrf) -> bool:
    cluster.sql("replica", "SELECT pg_wal_replay_pause()")
    writer, reader, visitor = Client(writer_cookie), Client(reader_cookie, first=1), Client()
    rounds, own_seen, visitor_seen, delays, tally = 6, 0, 0, [], Tally()
    try:
        time.sleep(1)
        for n in range(rounds):
            token = f"Lagged{n}x{secrets.token_hex(4)}"
            status, location = writer.reply(token, csrf)
            tally.add(status, "POST", confirmed=status == 302)
            confirmed_at = time.monotonic()
            parts = urlsplit(location)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            # The reply's answer set the write cookie; the writer's browser sends it back.
            sticky = [c.split(";")[0] for c in writer.set_cookies if c.startswith("board_wrote=")]
            sticky_client = Client("; ".join([writer_cookie, *sticky]))
            status, _, page = sticky_client.request("GET", path)
            tally.add(status)
            own_seen += token in page
            status, _, page = visitor.request("GET", path)
            tally.add(status)
            visitor_seen += token in page
            while time.monotonic() - confirmed_at < LAG_THRESHOLD + 5:
                status, _, page = reader.request("GET", path)
                tally.add(status)
                if token in page:
                    delays.append(time.monotonic() - confirmed_at)
                    break
                time.sleep(0.1)
            time.sleep(0.5)
        (paused_lag,) = cluster.sql("replica", "SELECT now() - pg_last_xact_replay_timestamp()")[0]
    finally:
        resume_replay()
    problems, notes = [], []
    notes.append(f"replay paused for the run; the replica's last replayed commit was "
                 f"{paused_lag.total_seconds():.1f} s old at the end")  # fmt: skip
    notes.append(f"the writer saw their reply on the next page {own_seen}/{rounds} times; "
                 f"a visitor at once {visitor_seen}/{rounds}; another member after "
                 + ", ".join(f"{d:.1f}" for d in delays) + " s")  # fmt: skip
    if own_seen != rounds:
        problems.append("a member did not see their own reply at once")
    if visitor_seen != rounds:
        problems.append("a visitor was served a page older than a reply")
    if len(delays) != rounds or max(delays) > LAG_THRESHOLD + 2:
        problems.append(f"a member waited past the lag threshold ({LAG_THRESHOLD} s + checks)")
    if errors := server_errors(tally):
        problems.append(f"5xx or broken connections: {errors}")
    return report("replica-lag", tally, tally.confirmed, problems, notes)


def check_shared_media(member_cookie: str, csrf: str) -> bool:
    """An avatar uploaded through app server 1 is served by app server 2 (one media store)."""
    import io

    from PIL import Image

    from accounts.models import User

    picture = io.BytesIO()
    Image.new("RGB", (240, 180), (200, 40, 40)).save(picture, "PNG")
    boundary = secrets.token_hex(8)
    body = b"".join([
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n"
        f"{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"place\"\r\n\r\n"
        f"centre\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
        f"filename=\"red.png\"\r\nContent-Type: image/png\r\n\r\n".encode(),
        picture.getvalue(),
        f"\r\n--{boundary}--\r\n".encode(),
    ])  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", cluster.PORTS["app1"], timeout=30)
    headers = {"Cookie": member_cookie, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    connection.request("POST", "/accounts/avatar/", body=body, headers=headers)
    uploaded = connection.getresponse().status
    key = User.objects.filter(avatar_key__gt="").order_by("-pk").values_list("pk", "avatar_key")
    problems, served = [], 0
    if uploaded != 302 or not key:
        problems.append(f"the avatar upload through app1 answered {uploaded}")
    else:
        member_id, avatar_key = key[0]
        other = http.client.HTTPConnection("127.0.0.1", cluster.PORTS["app2"], timeout=30)
        other.request("GET", f"/avatars/{member_id}/{avatar_key}-post.webp")
        answer = other.getresponse()
        content = answer.read()
        served = answer.status
        if served != 200 or not content.startswith(b"RIFF"):
            problems.append(f"app2 answered {served} for the avatar app1 stored")
    print(f"cluster/shared-media: avatar uploaded through app1 ({uploaded}), "
          f"served by app2 ({served})")  # fmt: skip
    for problem in problems:
        print(f"cluster/shared-media: FAILED: {problem}")
    return not problems


def resume_replay() -> None:
    import psycopg

    # Replay, once resumed, may cancel the very statement that resumed it.
    with contextlib.suppress(psycopg.errors.SerializationFailure):
        cluster.sql("replica", "SELECT pg_wal_replay_resume()")
    if cluster.sql("replica", "SELECT pg_is_wal_replay_paused()")[0][0]:
        raise SystemExit("replay on the replica could not be resumed")


def kill_app(name: str) -> None:
    """SIGKILL to the gunicorn arbiter and each of its workers, as a crashed host would."""
    pid = cluster.read_pid(cluster.RUN / f"{name}.pid")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for target in [pid, *map(int, children)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(target, signal.SIGKILL)
    (cluster.RUN / f"{name}.pid").unlink(missing_ok=True)


def check_app_killed(env, readers, writers, csrf) -> bool:
    moments = {}

    def fault():
        time.sleep(5)
        kill_app("app1")
        moments["killed"] = time.monotonic()
        time.sleep(7)
        moments["restart"] = time.monotonic()
        cluster.start_app("app1")
        cluster.wait_app("app1")
        moments["back"] = time.monotonic()

    before = post_count()
    tally = drive(readers, writers, csrf, 22, fault)
    stored = post_count() - before
    problems, notes = [], []
    errors = {s: n for s, n in tally.statuses.items() if s >= 500}
    if errors:
        problems.append(f"5xx: {errors}")
    broken_gets = sum(1 for _, s, m in tally.timeline if s == 0 and m == "GET")
    if broken_gets > READERS:
        problems.append(f"{broken_gets} pages not answered (more than those in flight at the kill)")
    if stored < tally.confirmed:
        problems.append(f"a confirmed reply was lost: {stored} stored, {tally.confirmed} confirmed")
    if stored - tally.confirmed > tally.broken_posts:
        problems.append(f"{stored - tally.confirmed} replies stored unconfirmed, "
                        f"but only {tally.broken_posts} were in flight")  # fmt: skip
    if "back" in moments:
        after = [s for t, s, _ in tally.timeline if moments["killed"] < t < moments["restart"]]
        notes.append(f"while app1 was dead ({moments['restart'] - moments['killed']:.1f} s) app2 "
                     f"answered {len(after)} requests ({after.count(200)} pages, "
                     f"{after.count(302)} replies); connections cut at the kill: "
                     f"{broken_gets} pages, {tally.broken_posts} replies; app1 answered again "
                     f"{moments['back'] - moments['restart']:.1f} s after its start")  # fmt: skip
    else:
        problems.append("app1 did not come back")
    problems += recount_problems(env)
    return report("app-killed", tally, stored, problems, notes)


def check_pgbouncer_restarted(env, readers, writers, csrf) -> bool:
    moments = {}
    fault = outage(moments, after=4, lasting=2, stop=cluster.stop_pgbouncer,
                   start=cluster.start_pgbouncer)  # fmt: skip
    before = post_count()
    tally = drive(readers, writers, csrf, 16, fault)
    stored = post_count() - before
    problems, notes = [], []
    if errors := server_errors(tally, allowed=(503,)):
        problems.append(f"responses other than 503: {errors}")
    if stored < tally.confirmed:
        problems.append(f"a confirmed reply was lost: {stored} stored, {tally.confirmed} confirmed")
    in_doubt = tally.unavailable_posts + tally.broken_posts
    if stored - tally.confirmed > in_doubt:
        problems.append(f"{stored - tally.confirmed} replies stored unconfirmed, but only "
                        f"{in_doubt} were answered 503 or cut")  # fmt: skip
    elif stored > tally.confirmed:
        notes.append(f"{stored - tally.confirmed} of the {in_doubt} replies answered 503 or cut "
                     "were stored: their COMMIT's answer was lost with PgBouncer")  # fmt: skip
    if "started" in moments:
        back = [t for t, s, m in tally.timeline if t > moments["started"] and s == 302]
        unavailable = sum(1 for _, s, _ in tally.timeline if s == 503)
        if back:
            down = moments["started"] - moments["stop"]
            first = back[0] - moments["started"]
            notes.append(f"PgBouncer down {down:.1f} s: {unavailable} plain 503s; first reply "
                         f"stored {first:.1f} s after its restart")  # fmt: skip
        else:
            problems.append("no reply was stored after PgBouncer's restart")
    problems += recount_problems(env)
    return report("pgbouncer-restarted", tally, stored, problems, notes)


def run_cluster() -> bool:
    from bench.run_benchmark import setup_django

    started = time.monotonic()
    cluster.EXTRA.update({
        "BOARD_FLOOD_SECONDS": "0",
        "BOARD_HOLD_FIRST_POSTS": "0",  # new members' replies would wait for a moderator
        "BOARD_LOGIN_FAILURES_PER_ADDRESS": "1000",
        "BOARD_REPLICA_MAX_LAG_SECONDS": str(LAG_THRESHOLD),
        "LOG_LEVEL": "CRITICAL",
    })  # fmt: skip
    cluster.down(wipe=True)
    ok = True
    try:
        cluster.up(quiet=True)
        print(f"cluster: up in {time.monotonic() - started:.1f} s")
        env = {**cluster.environment(), "DATABASE_URL": cluster.database_url("primary"),
               "DATABASE_REPLICA_URLS": ""}  # fmt: skip
        setup_django(env)
        csrf = secrets.token_hex(16)
        cookies = members(READERS + WRITERS + 2, csrf)
        readers = [Client(c, first=n % 2) for n, c in enumerate(cookies[:READERS])]
        writers = [Client(c, first=n % 2) for n, c in enumerate(cookies[READERS:-2])]
        every = "stopped,lag,media,killed,pgbouncer"
        only = os.environ.get("BOARD_CLUSTER_FAULTS", every).split(",")
        if "stopped" in only:
            ok &= check_replica_stopped(env, readers, writers, csrf)
        if "lag" in only:
            ok &= check_replica_lag(env, cookies[-2], cookies[-1], csrf)
        if "media" in only:
            ok &= check_shared_media(cookies[-2], csrf)
        if "killed" in only:
            ok &= check_app_killed(env, readers, writers, csrf)
        if "pgbouncer" in only:
            ok &= check_pgbouncer_restarted(env, readers, writers, csrf)
    except BaseException:
        ok = False
        raise
    finally:
        cluster.down(wipe=ok)  # a failed run keeps its folder (logs/) to read
    print(f"cluster: {'passed' if ok else 'FAILED'} in {time.monotonic() - started:.1f} s")
    return ok
