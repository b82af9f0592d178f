"""Requests one page over and over in one process, for a sampling profiler to watch.

    .venv/bin/py-spy record -r 250 -o docs/profiles/forum-member.svg -- \
        .venv/bin/python bench/profile_page.py --database bench_100k --who member --page forum-1

It sets the benchmark's production settings (bench/run_benchmark.py: DEBUG off, Redis cache and
sessions), picks the same URLs and member, warms the page up, then requests it through
Django's test client for `--seconds`: what the profile shows is the view, its middleware,
templates and queries, without gunicorn or the network.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run_benchmark  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--page", required=True, help="A page key of run_benchmark.py.")
    parser.add_argument("--who", choices=("visitor", "member"), default="member")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--page-cache-seconds", type=int, default=300)
    parser.add_argument(
        "--ceiling", action="store_true", help="Request the ceiling app's page (bench/ceiling)."
    )
    options = parser.parse_args()
    args = benchmark_args(options, search_word="squat", only=options.page)
    env = in_process_environment(args)
    if options.ceiling:
        # run_benchmark.setup_django() with the ceiling's settings (the board's, one page).
        os.environ.update(env, ALLOWED_HOSTS="127.0.0.1,testserver")
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ceiling.settings"
        sys.path.insert(0, str(run_benchmark.BASE_DIR))
        import django

        django.setup()
    else:
        run_benchmark.setup_django(env)
    from django.test import Client

    if options.ceiling:  # its URLconf cannot name the board's pages
        from accounts.models import User

        pages, member_id = [], User.objects.filter(is_active=True, is_staff=False).first().pk
    else:
        pages, member_id = run_benchmark.pick_pages(args)
    client = Client()
    if options.who == "member":
        name, value = run_benchmark.member_cookie(member_id).split("=", 1)
        client.cookies[name] = value
    url = "/" if options.ceiling else pages[0].url
    for _ in range(5):
        client.get(url)
    count, elapsed, response = load(client, url, options.seconds)
    print(
        f"{url} as {options.who}: {count} requests, {elapsed / count * 1000:.2f} ms each,"
        f" {load.cpu_ms:.2f} ms of this process's CPU, status {response.status_code}"
    )


def in_process_environment(args) -> dict[str, str]:
    """run_benchmark's settings for the board served in this process, with its static files
    collected once (the pages name them from the manifest)."""
    static_root = Path(tempfile.gettempdir()) / "profile_page_static"
    env = run_benchmark.server_environment(args, static_root)
    if not (static_root / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=run_benchmark.BASE_DIR,
            env={**os.environ, **env},
            check=True,
        )
    return env


def benchmark_args(options, **extra) -> SimpleNamespace:
    """run_benchmark.py's arguments for a page measured in this process: its database, Redis
    and page cache from `options`, the benchmark's page sizes."""
    return SimpleNamespace(
        db_url=None,
        database=options.database,
        redis_url=options.redis_url,
        posts_per_page=10,
        threads_per_page=20,
        page_cache_seconds=options.page_cache_seconds,
        **extra,
    )


def load(client, url: str, seconds: float):
    """Requests `url` for `seconds` (the frame bench/flamegraph.py starts its graphs at)."""
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        response = client.get(url)
        count += 1
    load.cpu_ms = (time.process_time() - cpu) / count * 1000
    return count, time.perf_counter() - started, response


if __name__ == "__main__":
    main()
