"""How fast is search on a 100,000-post board? Prints p50/p99 per query, page and database.

    .venv/bin/python bench/search_latency.py [--posts 100000] [--runs 50] [--rebuild]

It builds (once, then reuses) a board in a scratch PostgreSQL database, BENCH_DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/board_bench; --rebuild empties it), with bulk
inserts: 2,000 members, 10 forums, a thread per 10 posts, and bodies drawn from a
Zipf-distributed vocabulary, so that a few words are in a large share of the posts (the hard
case for ranking) and most are rare.
Then it asks the search page for each query through Django's test client, as a visitor would.
"""

import argparse
import html
import os
import random
import re
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.databases import create_database  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/board_bench"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # PostgreSQL means production
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

# Share of posts holding each word on the default board: zinzinvuvu 0.1 %, zinzinqua 1 %,
# zinzinpo 3 %, plantar 6 %, back 17 %, stretch(ing) 27 %.
QUERIES = {
    "rare word": "q=zinzinvuvu",
    "1 % word": "q=zinzinqua",
    "3 % word": "q=zinzinpo",
    "6 % word": "q=plantar",
    "17 % word": "q=back",
    "27 %, stemmed": "q=stretching",
    "two words": "q=knee+pain",
    "phrase": "q=%22lower+back%22",
    "exclusion": "q=shoes+-running",
    "exclusion only": "q=-back",
    "or": "q=squat+or+deadlift",
    "titles only": "q=cardio&titles=1",
    "as threads": "q=back&show=threads",
    "in one forum": "q=zinzinpo&forum={forum}",
    "member, no words": "member={member}",
    "member and word": "q=back&member={member}",
    "page 20": "q=back&page=20",
    "stop words only": "q=the",
}

FITNESS_WORDS = """
workout back pain run running shoes knee stretch stretching squat deadlift bench press cardio
diet protein carbs fat cutting bulking sets reps form lower upper leg legs chest arm arms
shoulder shoulders core abs muscle muscles sore soreness rest recovery sleep week weeks day
days gym weight weights lift lifting program routine training trainer coach heart rate hiit
treadmill bike elliptical sprint sprints mile miles race marathon warm cool injury injured
doctor physio hip hips ankle foot feet plantar fasciitis tendon hamstring quad quads calf
calves glute glutes spine posture tight tension relaxed breathing water meal meals calories
supplement creatine whey bar barbell dumbbell kettlebell pull push ups chin dip dips rows curl
""".split()  # noqa: SIM905
COMMON_WORDS = """
the and to a of i it you in is that for my with on but be have just so this was are not do
at if get can your me what about like up out one or all when from will would good time
really there think know should go them some more how been any they now much also because
""".split()  # noqa: SIM905


def vocabulary(size: int, rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ren", "tor", "vu", "sel", "dra", "po", "zin", "qua", "bel"]
    words = COMMON_WORDS[:40] + FITNESS_WORDS
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def build(post_total: int, rng: random.Random) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from accounts.models import User
    from forum.models import Category, Forum, Post, Thread

    words = vocabulary(20_000, rng)
    weights = [1 / (rank + 1) ** 1.07 for rank in range(len(words))]

    def text(low: int, high: int) -> str:
        return " ".join(rng.choices(words, weights, k=rng.randint(low, high)))

    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE forum_post, forum_thread, forum_forum, forum_category, accounts_user "
                "RESTART IDENTITY CASCADE"
            )
        password = make_password(None)
        joined = datetime(2007, 1, 1, tzinfo=UTC)
        members = User.objects.bulk_create(
            User(
                username=f"member{n}",
                username_key=f"member{n}",  # bulk_create skips save(), which sets it
                email=f"member{n}@example.com",
                password=password,
                date_joined=joined,
            )
            for n in range(2000)
        )
        category = Category.objects.create(name="Training", slug="training")
        forums = Forum.objects.bulk_create(
            Forum(category=category, name=f"Forum {n}", slug=f"forum-{n}", position=n)
            for n in range(10)
        )
        thread_total = max(1, post_total // 10)
        clock = datetime(2007, 12, 1, tzinfo=UTC)
        step = timedelta(minutes=7)
        threads = Thread.objects.bulk_create(
            (
                Thread(
                    forum=rng.choice(forums),
                    title=text(3, 8).capitalize()[:100],
                    slug=f"thread-{n}",
                    starter=rng.choice(members),
                    created_at=clock + step * n * 10,
                    post_count=0,
                    last_number=0,
                )
                for n in range(thread_total)
            ),
            batch_size=5000,
        )
        numbers = {thread.pk: 0 for thread in threads}

        def posts():
            for n in range(post_total):
                thread = threads[n // 10] if n < thread_total * 10 else rng.choice(threads)
                numbers[thread.pk] += 1
                body = text(10, 150)
                yield Post(
                    thread=thread,
                    number=numbers[thread.pk],
                    author=rng.choice(members),
                    created_at=clock + step * n,
                    body=body,
                    body_html=html.escape(body),
                    is_removed=rng.random() < 0.01,
                )

        Post.objects.bulk_create(posts(), batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("""
                UPDATE forum_thread t SET first_post_id = p.first, last_post_id = p.last,
                    post_count = p.n, last_number = p.n, last_post_at = p.last_at
                FROM (SELECT thread_id, min(id) AS first, max(id) AS last, count(*) AS n,
                             max(created_at) AS last_at
                      FROM forum_post GROUP BY thread_id) p
                WHERE p.thread_id = t.id
            """)
            cursor.execute("UPDATE forum_thread SET is_removed = true WHERE id % 200 = 0")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built {post_total:,} posts in {time.perf_counter() - started:.0f} s")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    create_database(DATABASE_URL, replace=False)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from accounts.models import User
    from forum.models import Forum, Post

    call_command("migrate", verbosity=0)
    existing = Post.objects.count()
    if existing and existing != args.posts and not args.rebuild:
        sys.exit(f"{DATABASE_URL} holds {existing:,} posts: --rebuild empties it and builds anew")
    if args.rebuild or existing != args.posts:
        build(args.posts, random.Random(2007))

    forum = Forum.objects.order_by("pk").first()
    member = User.objects.order_by("pk").first()
    client = Client()
    database_time: list[float] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            database_time[-1] += time.perf_counter() - started

    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    print(
        f"{Post.objects.count():,} posts, {args.runs} runs each; milliseconds; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'query':<20} {'results':>8} {'page p50':>9} {'page p99':>9} {'db p50':>7} {'db p99':>7}"
    )
    with (
        override_settings(STORAGES={**settings.STORAGES, "staticfiles": static}),
        connection.execute_wrapper(timed),
    ):
        for name, query in QUERIES.items():
            url = "/search/?" + query.format(forum=forum.pk, member=member.pk)
            page_times, database_time[:] = [], []
            for run in range(args.runs + 3):
                database_time.append(0.0)
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, (url, response.status_code)
                if run >= 3:  # the first runs warm the caches
                    page_times.append(elapsed)
            db_times = database_time[3:]
            found = re.search(r"Search results: (more than )?([\d,]+)", response.content.decode())
            results = (found.group(1) and "> " or "") + found.group(2) if found else "0"
            print(
                f"{name:<20} {results!s:>8} {percentile(page_times, 0.5) * 1000:>9.1f} "
                f"{percentile(page_times, 0.99) * 1000:>9.1f} "
                f"{percentile(db_times, 0.5) * 1000:>7.1f} "
                f"{percentile(db_times, 0.99) * 1000:>7.1f}"
            )


if __name__ == "__main__":
    main()
