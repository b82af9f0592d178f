import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from forum.benchdata import SCALES, Progress, plan_board, truncate_board, write_board
from forum.models import Category, Forum, Post, Thread
from forum.pagecache import note_write

ANALYZED = [
    "accounts_user",
    "forum_forum",
    "forum_thread",
    "forum_post",
    "following_threadread",
    "following_forumread",
    "following_subscription",
]


class Command(BaseCommand):
    help = (
        "Fills an empty PostgreSQL board with a synthetic one for benchmarks: 100,000 posts "
        "(--scale 1m: 1,000,000), the same for the same --seed. See bench/README.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scale", choices=sorted(SCALES), default="100k")
        parser.add_argument("--members", type=int, help="Override the scale's member count.")
        parser.add_argument("--threads", type=int, help="Override the scale's thread count.")
        parser.add_argument("--posts", type=int, help="Override the scale's post count.")
        parser.add_argument(
            "--hot-posts", type=int, help="Posts in the hot thread (default: a tenth of --posts)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Empty the board first: TRUNCATEs members, forums, threads, posts, read marks, "
            "subscriptions, sessions and the admin log.",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, seed, scale, force, no_progress, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_bench_board writes with PostgreSQL's COPY and benchmarks PostgreSQL's "
                "search: set DATABASE_URL=postgres://... (SQLite is not supported)."
            )
        members, threads, posts, hot_posts = SCALES[scale]
        members = options["members"] or members
        threads = options["threads"] or threads
        if options["posts"]:
            posts = options["posts"]
            hot_posts = posts // 10
        hot_posts = options["hot_posts"] or hot_posts
        if min(members, threads, posts, hot_posts) < 1 or hot_posts + threads - 1 > posts:
            raise CommandError("Each thread needs a post: --posts >= --hot-posts + --threads - 1.")
        board_models = (User, Category, Forum, Thread, Post)
        if not force and any(model.objects.exists() for model in board_models):
            raise CommandError(
                "The board is not empty: generate_bench_board fills only an empty board. "
                "Use --force to TRUNCATE its members, forums, threads and posts first."
            )

        progress = Progress(stream=sys.stderr, enabled=not no_progress)
        started = time.perf_counter()
        plan = plan_board(
            seed=seed,
            members=members,
            threads=threads,
            posts=posts,
            hot_posts=hot_posts,
            now=timezone.now(),
            progress=progress,
        )
        planned = time.perf_counter()
        with transaction.atomic():
            if force:
                truncate_board()
            # Room to sort and index many rows in memory; both last only for this transaction.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
                cursor.execute("SET LOCAL work_mem = '256MB'")
            counts = write_board(plan, progress=progress)
        note_write()
        written = time.perf_counter()
        # The planner needs statistics, and index-only scans a visibility map, as a board that
        # grew over a year would have them.
        # VACUUM cannot run inside a transaction, which is where tests run this command.
        if not connection.in_atomic_block:
            with connection.cursor() as cursor:
                for table in ANALYZED:
                    cursor.execute(f"VACUUM ANALYZE {table}")
                    progress.note("vacuum analyze")
        progress.close()
        finished = time.perf_counter()
        summary = ", ".join(f"{n:,} {what}" for what, n in counts.items())
        self.stdout.write(
            f"Generated {summary} (seed {seed}; hot thread: "
            f"{plan.threads[plan.hot_thread].size:,} posts, id {plan.hot_thread + 1}) in "
            f"{finished - started:.1f}s: plan {planned - started:.1f}s, write "
            f"{written - planned:.1f}s, vacuum analyze {finished - written:.1f}s."
        )
