"""A synthetic board for benchmarks: `manage.py generate_bench_board` writes it.

`plan_board()` decides everything in Python from one random.Random(seed): members, forums,
threads with their sizes, every post's author, time and body, read marks and subscriptions,
and every counter the board keeps. The same seed and sizes give the same names, titles and
bodies; times are laid out over the year ending at `now`. `write_board()` writes the plan to
PostgreSQL with COPY, ids chosen here, so counters and last-post pointers are exact without a
recount.

Bodies come from a pool of distinct bodies (1 per 20 posts, at most 20,000), each rendered
with render_bbcode once: rendering every post would cost more than the rest together. The
names and ids in their [quote=Name;id] tags point at real members and posts, but not at the
post actually quoted.
"""

import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.utils.text import slugify

from accounts.models import username_key
from forum.archive_import import copy_rows
from forum.markup import render_bbcode

SCALES = {
    # name: (members, threads, posts, posts in the hot thread)
    "100k": (1_000, 2_000, 100_000, 10_000),
    "1m": (10_000, 20_000, 1_000_000, 100_000),
}
CATEGORIES = [
    ("Training", ["Cardio", "Strength Training", "Running"]),
    ("Health", ["Nutrition", "Injuries and Recovery"]),
]
# Shares of the threads per forum, in CATEGORIES order: some forums are busier than others.
FORUM_SHARES = [0.34, 0.26, 0.18, 0.13, 0.09]
READ_MARKS_PER_MEMBER = (30, 70)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS_PER_DAY = 86_400_000_000

FIRST_NAMES = """
Ross Dave Mike Jen Sara Tom Kate Lisa Mark Paul Anna Greg Nina Joe Amy Phil Rick Tina Ben Zoe
Carl Rita Sam Ivy Leo Max Eva Tess Hank Gina Iron Lift Run Swole Cardio Rep Squat Tempo Flex
""".split()  # noqa: SIM905
WORDS = """
workout back pain run running shoes knee stretch stretching squat deadlift bench press cardio
diet protein carbs fat cutting bulking sets reps form lower upper leg legs chest arm arms
shoulder shoulders core abs muscle muscles sore soreness rest recovery sleep week weeks day
days gym weight weights lift lifting program routine training trainer coach heart rate hiit
treadmill bike elliptical sprint sprints mile miles race marathon warm cool injury injured
doctor physio hip hips ankle foot feet plantar fasciitis tendon hamstring quad quads calf
calves glute glutes spine posture tight tension breathing water meal meals calories
supplement creatine whey bar barbell dumbbell kettlebell pull push chin dip dips rows curl
""".split()  # noqa: SIM905
COMMON = """
the and to a of I it you in is that for my with on but be have just so this was are not do
at if get can your me what about like up out one or all when from will would good time
really there think know should go them some more how been any they now much also because
""".split()  # noqa: SIM905
SMILIES = [":)", ":D", ";)", ":(", ":rolleyes:", ":cool:", ":eek:", ":p"]


@dataclass
class PlannedThread:
    forum: int  # index into the plan's forums
    title: str
    start_us: int
    times: list[int]  # each post's time (µs since 1970), by number
    authors: list[int]  # each post's author (member index), by number
    post_ids: list[int] = field(default_factory=list)  # filled once posts are numbered globally
    is_sticky: bool = False
    view_count: int = 0

    @property
    def size(self) -> int:
        return len(self.times)


@dataclass
class BoardPlan:
    now_us: int
    members: list[str]  # usernames, by member index (member id = index + 1)
    joined_us: list[int]
    forums: list[tuple[int, str]]  # (category index, name)
    threads: list[PlannedThread]  # in id order (thread id = index + 1)
    bodies: list[str]  # the pool
    bodies_html: list[str]
    # Posts in id order (post id = index + 1): (thread index, number, author, time, body index).
    posts: list[tuple[int, int, int, int, int]]
    thread_reads: list[tuple[int, int, int, int]]  # (member, thread, last read number, read at)
    forum_reads: list[tuple[int, int, int]]  # (member, forum, marked at)
    subscriptions: list[tuple[int, int | None, int | None]]  # (member, thread, forum)

    @property
    def hot_thread(self) -> int:
        return max(range(len(self.threads)), key=lambda t: self.threads[t].size)


def as_datetime(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def thread_sizes(rng: random.Random, threads: int, posts: int, hot_posts: int) -> list[int]:
    """Posts per thread: the hot thread first, then an uneven spread (a few single posts and
    short threads, most of 10-80) scaled so that the sizes add up to `posts` exactly."""
    others = threads - 1
    rest = posts - hot_posts
    if others < 0 or rest < others or (others == 0 and rest):
        raise ValueError("Too few posts for these threads: every thread needs one.")
    shape = []
    for _ in range(others):
        roll = rng.random()
        if roll < 0.05:
            shape.append(1)
        elif roll < 0.15:
            shape.append(rng.randint(2, 9))
        else:
            shape.append(int(rng.triangular(10, 80, 30)))
    # Single posts stay single; the others are scaled to hold what is left.
    singles = shape.count(1)
    scalable = rest - singles
    total = sum(n for n in shape if n > 1) or 1
    sizes = [1 if n == 1 else max(1, n * scalable // total) for n in shape]
    short = rest - sum(sizes)
    order = [i for i in range(others) if shape[i] > 1] or list(range(others))
    while short:
        for i in rng.sample(order, len(order)):
            if short > 0:
                sizes[i] += 1
                short -= 1
            elif short < 0 and sizes[i] > 1:
                sizes[i] -= 1
                short += 1
    return [hot_posts, *sizes]


def sentence(rng: random.Random) -> str:
    words = [
        rng.choice(COMMON) if rng.random() < 0.45 else rng.choice(WORDS)
        for _ in range(rng.randint(7, 14))
    ]
    if rng.random() < 0.2:
        at = rng.randrange(len(words))
        words[at] = f"[b]{words[at]}[/b]"
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    end = rng.choice([".", ".", ".", "!", "?"])
    if rng.random() < 0.12:
        end += " " + rng.choice(SMILIES)
    return text + end


def body(rng: random.Random, members: list[str], post_total: int) -> str:
    paragraphs = [
        " ".join(sentence(rng) for _ in range(rng.randint(2, 3))) for _ in range(rng.randint(2, 3))
    ]
    if rng.random() < 0.15:
        name = rng.choice(members)
        paragraphs.insert(0, f"[quote={name};{rng.randint(1, post_total)}]{sentence(rng)}[/quote]")
    return "\n\n".join(paragraphs)


def title(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(2, 5))]
    if rng.random() < 0.4:
        words.append(rng.choice(["help", "advice?", "question", "log", "progress", "tips"]))
    return " ".join(words).capitalize()[:100]


def plan_board(
    *,
    seed: int,
    members: int,
    threads: int,
    posts: int,
    hot_posts: int,
    now: datetime,
    progress=None,
) -> BoardPlan:
    rng = random.Random(seed)
    now_us = (now - EPOCH) // timedelta(microseconds=1)
    year_ago = now_us - 365 * MICROS_PER_DAY
    usernames = [f"{rng.choice(FIRST_NAMES)}{n + 1}" for n in range(members)]
    forums = [(c, name) for c, (_, names) in enumerate(CATEGORIES) for name in names]

    sizes = thread_sizes(rng, threads, posts, hot_posts)
    # A few members write most posts, as on every board.
    activity = [1 / (rank + 1) ** 0.8 for rank in range(members)]
    rng.shuffle(activity)
    cumulative, running = [], 0.0
    for weight in activity:
        running += weight
        cumulative.append(running)

    planned = []
    for t, size in enumerate(sizes):
        if t == 0:  # the hot thread runs the whole year
            start = year_ago + rng.randrange(MICROS_PER_DAY)
            span = now_us - start - rng.randrange(3_600_000_000)
            forum = 0
        else:
            start = rng.randrange(year_ago, now_us - 3_600_000_000)
            span = min(now_us - start, int(size * rng.uniform(0.05, 1.0) * MICROS_PER_DAY))
            forum = rng.choices(range(len(forums)), FORUM_SHARES)[0]
        times = [start, *sorted(start + rng.randrange(span + 1) for _ in range(size - 1))]
        authors = rng.choices(range(members), cum_weights=cumulative, k=size)
        planned.append(
            PlannedThread(
                forum=forum,
                title=title(rng),
                start_us=start,
                times=times,
                authors=authors,
                view_count=size * rng.randint(5, 30),
            )
        )
    # Thread ids in order of creation, as a live board gives them out.
    planned.sort(key=lambda thread: thread.start_us)
    for f in range(len(forums)):  # the oldest thread of each forum is its sticky
        first = next((thread for thread in planned if thread.forum == f), None)
        if first is not None and first.size < hot_posts:
            first.is_sticky = True

    pool_size = max(1, min(posts // 20, 20_000))
    bodies = [body(rng, usernames, posts) for _ in range(pool_size)]
    bodies_html = []
    for n, source in enumerate(bodies):
        bodies_html.append(render_bbcode(source))
        if progress and n % 500 == 0:
            progress("render bodies", n, pool_size)
    if progress:
        progress("render bodies", pool_size, pool_size)

    # Post ids in order of time, as a live board gives them out.
    keyed = [
        (time_us, t, number)
        for t, thread in enumerate(planned)
        for number, time_us in enumerate(thread.times, start=1)
    ]
    keyed.sort()
    body_of = rng.choices(range(pool_size), k=len(keyed))
    post_rows = []
    for post_id, (time_us, t, number) in enumerate(keyed, start=1):
        thread = planned[t]
        thread.post_ids.append(post_id)  # numbers rise with time, so this is number order
        post_rows.append((t, number, thread.authors[number - 1], time_us, body_of[post_id - 1]))
    del keyed

    first_post_at = [None] * members
    for _, _, author, time_us, _ in post_rows:
        if first_post_at[author] is None:
            first_post_at[author] = time_us
    joined = []
    for m in range(members):
        before = first_post_at[m] if first_post_at[m] is not None else now_us
        joined.append(min(before, year_ago) - rng.randrange(3 * 365 * MICROS_PER_DAY))

    thread_reads, forum_reads, subscriptions = [], [], []
    hot = max(range(len(planned)), key=lambda t: planned[t].size)
    for m in range(members):
        count = min(len(planned), rng.randint(*READ_MARKS_PER_MEMBER))
        chosen = set(rng.sample(range(len(planned)), count))
        if rng.random() < 0.5:
            chosen.add(hot)  # most regulars follow the big thread
        for t in sorted(chosen):
            thread = planned[t]
            if thread.size == 1 or rng.random() < 0.6:
                number = thread.size  # read to the end
            else:
                number = rng.randint(1, thread.size - 1)
            read_at = min(now_us, thread.times[number - 1] + rng.randrange(2 * MICROS_PER_DAY))
            thread_reads.append((m, t, number, read_at))
        if rng.random() < 0.1:
            for f in rng.sample(range(len(forums)), rng.randint(1, 2)):
                forum_reads.append((m, f, now_us - rng.randrange(60 * MICROS_PER_DAY)))
        if rng.random() < 0.03:
            subscriptions.append((m, None, rng.randrange(len(forums))))
    started = {}
    for t, thread in enumerate(planned):
        started.setdefault(thread.authors[0], []).append(t)
    for m in range(members):
        followed = set(started.get(m, [])[:10])
        if rng.random() < 0.05:
            followed.add(hot)
        subscriptions.extend((m, t, None) for t in sorted(followed))

    return BoardPlan(
        now_us=now_us,
        members=usernames,
        joined_us=joined,
        forums=forums,
        threads=planned,
        bodies=bodies,
        bodies_html=bodies_html,
        posts=post_rows,
        thread_reads=thread_reads,
        forum_reads=forum_reads,
        subscriptions=subscriptions,
    )


# Writing.

FORUM_TABLES = [
    "following_threadread",
    "following_forumread",
    "following_subscription",
    "forum_report",
    "forum_postrevision",
    "forum_post",
    "forum_thread",
    "forum_forum_moderators",
    "forum_forum",
    "forum_category",
    "django_admin_log",
    "django_session",
    "accounts_ban",
    "accounts_user_groups",
    "accounts_user_user_permissions",
    "accounts_user",
]


def write_board(plan: BoardPlan, progress=None) -> dict[str, int]:
    """Writes `plan` into an empty board (call inside transaction.atomic); returns row counts."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User
    from following.models import ForumRead, Subscription, ThreadRead
    from forum.models import Category, Forum, Post, Thread

    members = len(plan.members)
    member_posts = [0] * members
    member_last = [None] * members
    for _, _, author, time_us, _ in plan.posts:
        member_posts[author] += 1
        member_last[author] = time_us  # posts are in time order
    password = make_password(None)
    copy_rows(
        User,
        [
            "id",
            "username",
            "username_key",
            "email",
            "password",
            "date_joined",
            "post_count",
            "last_posted_at",
            "last_activity_at",
            "email_confirmed",
        ],  # fmt: skip
        (
            (
                m + 1,
                name,
                username_key(name),
                f"{name.lower()}@bench.example",
                password,
                as_datetime(plan.joined_us[m]),
                member_posts[m],
                as_datetime(member_last[m]) if member_last[m] is not None else None,
                as_datetime(member_last[m]) if member_last[m] is not None else None,
                True,
            )
            for m, name in enumerate(plan.members)
        ),
    )

    categories = [
        Category.objects.create(name=name, slug=slugify(name), position=n)
        for n, (name, _) in enumerate(CATEGORIES)
    ]
    forum_rows = []
    for f, (c, name) in enumerate(plan.forums):
        threads = [t for t in plan.threads if t.forum == f]
        newest = max(((t.times[-1], t.post_ids[-1]) for t in threads), default=(None, None))
        forum_rows.append(
            Forum.objects.create(
                category=categories[c],
                name=name,
                slug=slugify(name),
                description=f"Everything about {name.lower()}.",
                position=f,
                thread_count=len(threads),
                post_count=sum(t.size for t in threads),
                last_post_id=newest[1],
                last_post_at=as_datetime(newest[0]) if newest[0] is not None else None,
            )
        )

    copy_rows(
        Thread,
        [
            "id",
            "forum_id",
            "title",
            "slug",
            "starter_id",
            "created_at",
            "is_sticky",
            "post_count",
            "last_number",
            "view_count",
            "first_post_id",
            "last_post_id",
            "last_post_at",
        ],  # fmt: skip
        (
            (
                t + 1,
                forum_rows[thread.forum].pk,
                thread.title,
                slugify(thread.title)[:100].strip("-") or "thread",
                thread.authors[0] + 1,
                as_datetime(thread.start_us),
                thread.is_sticky,
                thread.size,
                thread.size,
                thread.view_count,
                thread.post_ids[0],
                thread.post_ids[-1],
                as_datetime(thread.times[-1]),
            )
            for t, thread in enumerate(plan.threads)
        ),
    )

    copy_rows(
        Post,
        ["id", "thread_id", "number", "author_id", "created_at", "body", "body_html"],
        (
            (
                post_id,
                t + 1,
                number,
                author + 1,
                as_datetime(time_us),
                plan.bodies[b],
                plan.bodies_html[b],
            )
            for post_id, (t, number, author, time_us, b) in enumerate(plan.posts, start=1)
        ),
        progress=progress,
        total=len(plan.posts),
    )
    copy_rows(
        ThreadRead,
        ["user_id", "thread_id", "last_read_number", "read_at"],
        ((m + 1, t + 1, n, as_datetime(at)) for m, t, n, at in plan.thread_reads),
    )
    copy_rows(
        ForumRead,
        ["user_id", "forum_id", "marked_at"],
        ((m + 1, forum_rows[f].pk, as_datetime(at)) for m, f, at in plan.forum_reads),
    )
    copy_rows(
        Subscription,
        ["user_id", "thread_id", "forum_id", "created_at"],
        (
            (
                m + 1,
                t + 1 if t is not None else None,
                forum_rows[f].pk if f is not None else None,
                as_datetime(plan.now_us),
            )
            for m, t, f in plan.subscriptions
        ),
    )
    reset_sequences([User, Thread, Post, ThreadRead, ForumRead, Subscription])
    return {
        "members": members,
        "threads": len(plan.threads),
        "posts": len(plan.posts),
        "thread read marks": len(plan.thread_reads),
        "forum read marks": len(plan.forum_reads),
        "subscriptions": len(plan.subscriptions),
    }


def reset_sequences(models) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def truncate_board() -> None:
    with connection.cursor() as cursor:
        # TRUNCATE refuses while foreign-key checks wait for the end of the transaction (as in
        # a test): run them now, then defer them again for the rows about to be written.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(FORUM_TABLES)} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Progress:
    """A one-line progress bar on stderr: step, bar, count, elapsed seconds."""

    def __init__(self, stream=sys.stderr, enabled: bool = True):
        self.stream, self.enabled = stream, enabled
        self.started = time.perf_counter()
        self.step = None

    def __call__(self, step: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.step is not None and step != self.step:
            self.stream.write("\n")
        self.step = step
        share = done / total if total else 1
        bar = "#" * int(share * 30)
        elapsed = time.perf_counter() - self.started
        self.stream.write(f"\r{step:<16} [{bar:<30}] {done:>9,}/{total:,} {elapsed:6.1f}s")
        self.stream.flush()

    def note(self, step: str) -> None:
        self(step, 1, 1)

    def close(self) -> None:
        if self.enabled and self.step is not None:
            self.stream.write("\n")
            self.stream.flush()
