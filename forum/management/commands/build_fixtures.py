"""Builds the two demo fixtures from readable sources, so they are never edited by hand.

fixtures/sample_thread.json comes from fixtures/cardio-back-pain.txt, the archived thread
verbatim; fixtures/demo_board.json dresses the board around it from fixtures/demo/*.txt.
A test rebuilds both and compares them with the committed files.
"""

import json
import zoneinfo
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.utils.text import slugify

from accounts.models import username_key
from forum.archive import parse_archive
from forum.markup import render_bbcode

FIXTURES = settings.FILES_DIR / "fixtures"
SAMPLE_ARCHIVE = FIXTURES / "cardio-back-pain.txt"

SAMPLE_CATEGORIES = [(1, "Training", "training", "Getting fitter, one session at a time.")]
SAMPLE_FORUMS = [
    (
        1,
        1,
        "Cardio & Conditioning",
        "cardio",
        "Running, HIIT, treadmills, rowing and staying in shape.",
    ),
]
DEMO_CATEGORIES = [
    (2, "Nutrition", "nutrition", "What you eat matters as much as how you train."),
    (3, "Community", "community", "Everything else."),
]
DEMO_FORUMS = [
    (2, 1, "Weight Training", "weight-training", "Form checks, programs and plateaus."),
    (3, 1, "Running", "running", "From couch to marathon."),
    (4, 2, "Diet & Nutrition", "diet-nutrition", "Cutting, bulking and everything in between."),
    (5, 2, "Supplements", "supplements", "Protein, creatine and the stuff that does not work."),
    (6, 3, "Off Topic", "off-topic", "Talk about anything, keep it friendly."),
]
# (archive in fixtures/demo/, forum id, is_sticky)
DEMO_THREADS = [
    ("forum-rules.txt", 1, True),
    ("squat-form.txt", 2, False),
    ("couch-to-5k.txt", 3, False),
    ("protein.txt", 4, False),
    ("creatine.txt", 5, False),
    ("gym-music.txt", 6, False),
]
# Accounts to try the board with: never loaded by the production path (see README).
DEMO_LOGINS = {
    "admin": {"password": "ironworks-admin", "is_staff": True, "is_superuser": True},
    "Coach_Dave": {
        "password": "ironworks-moderator",
        "is_staff": True,
        "user_title": "Moderator",
        "groups": [["Moderators"]],  # the group's natural key; a migration creates it
    },
}
DEMO_JOINED = datetime(2007, 10, 1, 12, 0, tzinfo=UTC)


class FixtureBuilder:
    """Turns archives into fixture rows, keeping every counter consistent with the posts."""

    def __init__(self, known_members: dict[str, dict] | None = None, first_ids=(1, 1, 1)):
        self.zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.members = dict(known_members or {})
        self.next_member, self.next_thread, self.next_post = first_ids
        self.rows: list[dict] = []
        self.forums: dict[int, dict] = {}

    def add_category(self, pk, name, slug, description, position):
        self.rows.append(
            row(
                "forum.category",
                pk,
                name=name,
                slug=slug,
                description=description,
                position=position,
            )
        )

    def add_forum(self, pk, category, name, slug, description, position):
        fields = {
            "category": category,
            "name": name,
            "slug": slug,
            "description": description,
            "position": position,
            "thread_count": 0,
            "post_count": 0,
            "last_post": None,
            "last_post_at": None,
        }
        self.forums[pk] = fields
        self.rows.append({"model": "forum.forum", "pk": pk, "fields": fields})

    def member(self, username: str, joined_at: datetime) -> dict:
        if username not in self.members:
            fields = {
                "username": username,
                "username_key": username_key(username),
                "password": "!",
                "date_joined": iso(joined_at),
                "is_imported": True,
                "post_count": 0,
                "last_activity_at": None,
                "email": "",
            }
            self.members[username] = {"pk": self.next_member, "fields": fields}
            self.next_member += 1
        return self.members[username]

    def add_thread(self, archive_text: str, forum_pk: int, is_sticky: bool = False):
        archived = parse_archive(archive_text)
        thread_pk = self.next_thread
        self.next_thread += 1
        posts = []
        for number, archived_post in enumerate(archived.posts, start=1):
            posted_at = archived_post.posted_at.replace(tzinfo=self.zone)
            author = self.member(archived_post.username, posted_at)
            author["fields"]["post_count"] += 1
            author["fields"]["last_activity_at"] = iso(posted_at)
            posts.append(
                row(
                    "forum.post",
                    self.next_post,
                    thread=thread_pk,
                    number=number,
                    author=author["pk"],
                    created_at=iso(posted_at),
                    body=archived_post.body,
                    body_html=render_bbcode(archived_post.body),
                    edited_at=None,
                    edited_by=None,
                    is_removed=False,
                )
            )
            self.next_post += 1
        first, last = posts[0], posts[-1]
        self.rows.append(
            row(
                "forum.thread",
                thread_pk,
                forum=forum_pk,
                title=archived.title,
                slug=slugify(archived.title)[:100].strip("-") or "thread",
                starter=first["fields"]["author"],
                created_at=first["fields"]["created_at"],
                is_sticky=is_sticky,
                is_locked=False,
                is_removed=False,
                post_count=len(posts),
                last_number=len(posts),
                view_count=0,
                first_post=first["pk"],
                last_post=last["pk"],
                last_post_at=last["fields"]["created_at"],
            )
        )
        self.rows.extend(posts)
        forum = self.forums[forum_pk]
        forum["thread_count"] += 1
        forum["post_count"] += len(posts)
        if forum["last_post_at"] is None or forum["last_post_at"] < last["fields"]["created_at"]:
            forum["last_post"], forum["last_post_at"] = last["pk"], last["fields"]["created_at"]

    def member_rows(self) -> list[dict]:
        return [
            {"model": "accounts.user", "pk": member["pk"], "fields": member["fields"]}
            for member in self.members.values()
        ]


def row(model: str, pk: int, **fields) -> dict:
    return {"model": model, "pk": pk, "fields": fields}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_sample() -> tuple[list[dict], FixtureBuilder]:
    builder = FixtureBuilder()
    for position, (pk, name, slug, description) in enumerate(SAMPLE_CATEGORIES):
        builder.add_category(pk, name, slug, description, position)
    for position, (pk, category, name, slug, description) in enumerate(SAMPLE_FORUMS):
        builder.add_forum(pk, category, name, slug, description, position)
    builder.add_thread(SAMPLE_ARCHIVE.read_text(encoding="utf-8"), forum_pk=1)
    return builder.member_rows() + builder.rows, builder


def build_demo(sample: FixtureBuilder) -> list[dict]:
    """The demo board: it reuses the sample's members and counts on top of them."""
    builder = FixtureBuilder(
        known_members=sample.members,
        first_ids=(sample.next_member, sample.next_thread, sample.next_post),
    )
    for username, extra in DEMO_LOGINS.items():
        member = builder.member(username, DEMO_JOINED)
        member["fields"].update(
            password=make_password(extra["password"], salt="ironworksdemo"),
            is_imported=False,
            is_staff=extra.get("is_staff", False),
            is_superuser=extra.get("is_superuser", False),
            user_title=extra.get("user_title", ""),
        )
        if "groups" in extra:
            member["fields"]["groups"] = extra["groups"]
    for position, (pk, name, slug, description) in enumerate(DEMO_CATEGORIES, start=1):
        builder.add_category(pk, name, slug, description, position)
    # The sample's forum is re-stated with its counters grown by the demo threads in it.
    for pk, *_ in SAMPLE_FORUMS:
        builder.forums[pk] = dict(sample.forums[pk])
        builder.rows.append({"model": "forum.forum", "pk": pk, "fields": builder.forums[pk]})
    for position, (pk, category, name, slug, description) in enumerate(DEMO_FORUMS, start=1):
        builder.add_forum(pk, category, name, slug, description, position)
    for filename, forum_pk, is_sticky in DEMO_THREADS:
        text = (FIXTURES / "demo" / filename).read_text(encoding="utf-8")
        builder.add_thread(text, forum_pk, is_sticky)
    # Members are re-stated whole: loaddata overwrites every field of a row it loads.
    return builder.member_rows() + builder.rows


class Command(BaseCommand):
    help = "Rebuilds fixtures/sample_thread.json and fixtures/demo_board.json from their sources."

    def handle(self, *args, **options):
        sample_rows, sample = build_sample()
        for member in sample.members.values():  # the demo's counts must not leak into the sample
            member["fields"] = dict(member["fields"])
        demo_rows = build_demo(sample)
        for name, rows in (("sample_thread.json", sample_rows), ("demo_board.json", demo_rows)):
            path = Path(FIXTURES / name)
            path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"Wrote {path.relative_to(settings.FILES_DIR)} ({len(rows)} rows)")
