"""How fast does import_archive read a folder of archives? Prints posts per second.

    .venv/bin/python bench/import_archives.py [--archives 100] [--posts 100000]

It writes the archives to a temporary folder (members drawn from a pool of 2,000 names, some
with spaces; bodies of one to four paragraphs, some with BBCode), then imports the folder into
a fresh scratch PostgreSQL database, BENCH_IMPORT_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/board_bench_import, dropped and created on each run), the
way an administrator would: one call of the command, progress bar and all. It then imports the
folder again (nothing new: the idempotence check) and checks every counter with recount.
"""

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.databases import scratch_import_board  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/board_bench_import"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))  # PostgreSQL means production
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# The sample thread's own words, so bodies read (and render) like real posts.
WORDS = (BASE_DIR / "fixtures" / "cardio-back-pain.txt").read_text(encoding="utf-8").split()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 24))
    text = " ".join(words).capitalize() + rng.choice([".", ".", "...", "?", "!"])
    if rng.random() < 0.05:
        text = f"[b]{text}[/b]"
    return text


def write_archives(folder: Path, archives: int, posts: int, rng: random.Random) -> None:
    names = [f"lifter{n}" if n % 5 else f"Gym Rat {n}" for n in range(2000)]
    per_archive = posts // archives
    for number in range(archives):
        at = datetime(2007, 1, 1) + timedelta(days=number)
        blocks = []
        for position in range(per_archive):
            at += timedelta(minutes=rng.randint(1, 90))
            paragraphs = [
                " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
                for _ in range(rng.randint(1, 4))
            ]
            if position == 0:
                paragraphs[0] = f"Thread {number}: {sentence(rng)[:60]}\n{paragraphs[0]}"
            body = "\n\n".join(paragraphs)
            blocks.append(f"{rng.choice(names)} {at:%m-%d-%Y %I:%M %p}\n\n{body}\n\n")
        (folder / f"thread-{number:04}.txt").write_text("".join(blocks), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archives", type=int, default=100)
    parser.add_argument("--posts", type=int, default=100_000)
    args = parser.parse_args()

    scratch_import_board(DATABASE_URL)
    from django.core.management import call_command

    from forum.actions import recount
    from forum.models import Post

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        write_archives(Path(folder), args.archives, args.posts, random.Random(2007))
        size = sum(path.stat().st_size for path in Path(folder).iterdir())
        print(
            f"Wrote {args.archives} archives, {size / 1e6:.1f} MB, "
            f"in {time.perf_counter() - started:.1f}s"
        )

        with open(os.devnull, "w") as quiet:
            started = time.perf_counter()
            call_command("import_archive", folder, "--forum", "old-board", stdout=quiet)
            took = time.perf_counter() - started
            imported = Post.objects.count()
            print(f"Imported {imported:,} posts in {took:.1f}s: {imported / took:,.0f} posts/s")

            started = time.perf_counter()
            call_command("import_archive", folder, "--forum", "old-board", stdout=quiet)
            print(f"Imported again (nothing new) in {time.perf_counter() - started:.1f}s")

    assert Post.objects.count() == imported == args.archives * (args.posts // args.archives)
    changed = recount()
    print(f"recount after the imports: {changed}")
    assert changed == {"threads": 0, "forums": 0, "members": 0}, "counters drifted"


if __name__ == "__main__":
    main()
