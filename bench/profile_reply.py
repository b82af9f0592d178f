"""Posts replies through the real reply form in one process: CPU and statements per reply.

    .venv/bin/python bench/profile_reply.py --database bench_mine --redis-url redis://127.0.0.1:6379/5
        [--replies 200] [--page-cache-seconds 0] [--redis-url ''] [--show]

It WRITES replies: run it on a copy of a bench board (createdb -T bench_100k bench_mine), never
on bench_100k itself. With the benchmark's production settings (bench/run_benchmark.py), members
take turns (so flood control, on, refuses none) posting into the 40 threads with the latest
posts, as bench/mixed_load.py does, each POST through Django's test client with its CSRF token.
After each POST the member follows the redirect, as a browser would: that GET (the last page of
the thread, rendered for the poster) is measured apart. Printed: the median and mean CPU ms of
this process per POST and per GET, the statements each ran, and with --show the statements of
the last POST and GET. `--redis-url ''` runs as a board without Redis (local memory cache,
sessions in the database, no page cache); `--page-cache-seconds 0` keeps Redis but turns the
page cache off.
"""

import argparse
import cProfile
import pstats
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import profile_page  # noqa: E402
import run_benchmark  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--warm-up", type=int, default=20, help="Replies left out of the figures.")
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument(
        "--first-member",
        type=int,
        default=0,
        help="Start at this member: runs within BOARD_FLOOD_SECONDS of each other need others.",
    )
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--page-cache-seconds", type=int, default=300)
    parser.add_argument(
        "--show", action="store_true", help="Print the last POST's and GET's statements."
    )
    parser.add_argument(
        "--cprofile", action="store_true", help="Print cProfile's top functions of the POSTs."
    )
    options = parser.parse_args()
    if options.database == "bench_100k":
        raise SystemExit("This writes replies: give it a copy (createdb -T bench_100k ...).")
    args = profile_page.benchmark_args(options)
    run_benchmark.setup_django(profile_page.in_process_environment(args))
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from forum.models import Thread

    members = User.objects.filter(is_active=True, is_staff=False).order_by("pk")
    clients = []
    for member in members[options.first_member : options.first_member + options.members]:
        client = Client(enforce_csrf_checks=True)
        if clients:  # one handler: each would load the middleware (whitenoise scans files)
            client.handler = clients[0].handler
        name, value = run_benchmark.member_cookie(member.pk).split("=", 1)
        client.cookies[name] = value
        client.cookies["csrftoken"] = secrets.token_hex(16)  # an unmasked secret
        clients.append(client)
    threads = list(
        Thread.objects.visible()
        .filter(is_locked=False)
        .order_by("-last_post_at")
        .values_list("pk", flat=True)[: options.threads]
    )
    post_cpu, post_sql, get_cpu, get_sql, refused = [], [], [], [], 0
    profiler = cProfile.Profile(time.process_time) if options.cprofile else None
    for turn in range(options.replies + options.warm_up):
        client = clients[turn % len(clients)]
        form = {
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
            "body": f"A reply in one process, {uuid.uuid4().hex}: squats then deadlifts.",
            "submission_key": str(uuid.uuid4()),
        }
        profiling = profiler is not None and turn >= options.warm_up
        with CaptureQueriesContext(connection) as posted:
            if profiling:
                profiler.enable()
            cpu = time.process_time()
            response = client.post(f"/threads/{threads[turn % len(threads)]}/reply/", form)
            cpu = time.process_time() - cpu
            if profiling:
                profiler.disable()
        if response.status_code != 302 or "#post" not in response["Location"]:
            refused += 1
            continue
        with CaptureQueriesContext(connection) as got:
            get = time.process_time()
            page = client.get(response["Location"].split("#")[0])
            get = time.process_time() - get
        if page.status_code != 200 or form["body"].encode() not in page.content:
            raise SystemExit(f"The reply is not on the page it redirected to: {response}")
        if turn >= options.warm_up:
            post_cpu.append(cpu * 1000)
            post_sql.append(len(posted.captured_queries))
            get_cpu.append(get * 1000)
            get_sql.append(len(got.captured_queries))
    mode = (
        "no Redis"
        if not options.redis_url
        else f"Redis, page cache {'on' if options.page_cache_seconds else 'off'}"
    )
    print(
        f"{len(post_cpu)} replies ({mode}, {refused} refused):"
        f" POST {statistics.median(post_cpu):.1f} ms CPU median"
        f" ({statistics.mean(post_cpu):.1f} mean), {statistics.median(post_sql):g} statements"
        f" ({min(post_sql)}-{max(post_sql)});"
        f" the redirect's GET {statistics.median(get_cpu):.1f} ms CPU median"
        f" ({statistics.mean(get_cpu):.1f} mean), {statistics.median(get_sql):g} statements"
        f" ({min(get_sql)}-{max(get_sql)})"
    )
    if profiler is not None:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(50)
        stats.sort_stats("tottime").print_stats(25)
        stats.print_callees("actions.py|views.py:.*thread_reply|notifications.py|notices.py")
    if options.show:
        for name, captured in (("POST", posted), ("GET", got)):
            print(f"The last {name}'s statements:")
            for query in captured.captured_queries:
                print(" ", query["sql"][:300])


if __name__ == "__main__":
    main()
