"""vBulletin 3.x thread pages saved as HTML: reading them, and importing them with import_archive.

The pages in html_pages/ reproduce vBulletin 3.6's default templates as they rendered: a thread
"Squat depth and knee pain" (t=4521) over two showthread pages (default postbit: a quote, smilies,
a list, a code box, colour and size, a signature, an edited post, a guest, an advertisement),
its page 2 again as the Wayback Machine saved it, the whole thread as a printthread page and as
the board's plain-text archive (squat.txt); a windows-1252 page in the legacy postbit; and the
sample thread (fixtures/cardio-back-pain.txt) as two showthread pages.
"""

import re
import shutil
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from forum import actions
from forum.archive import ArchiveError
from forum.archive_html import merge_pages, read_page, to_bbcode
from forum.management.commands.build_fixtures import SAMPLE_ARCHIVE
from forum.models import Category, Forum, Post, Thread

PAGES = Path(__file__).parent / "html_pages"
SQUAT = ["squat-1.html", "squat-2-wayback.html"]
EST = "-05:00"


def page(name: str, **options):
    return read_page((PAGES / name).read_bytes(), name, **options)


def run_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_archive", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_archive", *map(str, args), stdout=out, stderr=err)
    return str(caught.value), err.getvalue()


def pages_folder(tmp_path: Path, *names: str) -> Path:
    folder = tmp_path / "pages"
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(PAGES / name, folder / name)
    return folder


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def posts_of(thread: Thread) -> list[tuple]:
    return list(
        thread.posts.order_by("number").values_list(
            "number", "author__username", "created_at", "body"
        )
    )


# -- reading pages ---------------------------------------------------------------------------


def test_a_showthread_page_gives_each_posts_old_id_number_author_and_time():
    first = page("squat-1.html")
    assert (first.kind, first.thread_id, first.title) == (
        "showthread",
        4521,
        "Squat depth and knee pain",
    )
    assert [(p.legacy_id, p.number, p.username, p.posted_at) for p in first.posts] == [
        (30001, 1, "Ross86", at(f"2007-02-10T23:15{EST}")),
        (30002, 2, "Coach_Dave", at(f"2007-02-11T06:45{EST}")),
        (30003, 3, "gym_visitor", at(f"2007-02-11T09:12{EST}")),
    ]
    assert first.posts[0].title == "Squat depth and knee pain"


def test_messages_come_back_as_the_boards_bbcode():
    ross, coach, guest = (post.body for post in page("squat-1.html").posts)
    assert ross == (
        "Every time I go below parallel my [B]left knee[/B] aches the next day :(\n"
        "\n"
        "I read [URL=http://www.example.com/squat-guide.html]this guide[/URL] and tried:\n"
        "[LIST]\n[*]wider stance\n[*]knees [I]out[/I]\n[/LIST]\n"
        "Any ideas?"
    )
    assert coach == (
        "[QUOTE=Ross86;30001]Every time I go below parallel my [B]left knee[/B] aches the next "
        "day[/QUOTE]\n"
        "Film a set from the side.\n"
        "[COLOR=Red]Stop[/COLOR] if it hurts, and drop to [SIZE=4]60%[/SIZE] for a week ;) "
        "[I]then[/I] build back up."
    )
    assert guest == (
        "Here is my log:\n"
        "[CODE]Mon  squat 5x5 @ 100kg\nThu  squat 3x3 @ 110kg <- felt it[/CODE]\n"
        "Knees fine so far :)"
    )


def test_signatures_user_info_ads_controls_and_edit_notes_stay_out_of_the_body():
    bodies = " ".join(post.body for post in page("squat-1.html").posts)
    for outside in ("Squat", "deep", "eat big", "Coach Dave", "Join Date", "Posts:", "Junior"):
        assert outside not in bodies.replace("Squat depth", "")
    for outside in ("Advertisement", "banner", "Reply With Quote", "Last edited", "typo"):
        assert outside not in bodies


def test_the_edit_note_gives_who_edited_and_when():
    coach = page("squat-1.html").posts[1]
    assert (coach.edited_by, coach.edited_at) == ("Coach_Dave", at(f"2007-02-11T07:02{EST}"))


def test_the_postbit_gives_join_date_location_and_a_title_not_earned_by_post_count():
    ross, coach, guest = (post.profile for post in page("squat-1.html").posts)
    assert (str(ross.joined), ross.location, ross.user_title) == ("2004-01-01", "Ohio", "")
    assert (str(coach.joined), coach.location, coach.user_title) == (
        "2003-03-01",
        "Columbus, OH",
        "Strength Coach",
    )
    assert guest.is_guest and guest.joined is None


def test_today_and_yesterday_are_read_against_the_wayback_capture_in_the_pages_zone():
    # Captured 2007-02-13 15:00:12 UTC, 10:00 AM on the page's clock (GMT -5).
    second = page("squat-2-wayback.html")
    assert [(p.number, p.username, p.posted_at) for p in second.posts] == [
        (4, "Ross86", at(f"2007-02-12T21:40{EST}")),
        (5, "Coach_Dave", at(f"2007-02-13T08:05{EST}")),
    ]
    assert second.posts[1].edited_at == at(f"2007-02-13T08:20{EST}")
    assert second.thread_id == 4521  # from the links the Wayback Machine rewrote


def test_the_wayback_toolbar_and_rewritten_links_are_stripped():
    second = page("squat-2-wayback.html")
    assert all("archive.org" not in post.body for post in second.posts)
    assert all("captures" not in post.body for post in second.posts)
    assert second.posts[0].body == "Filmed it. My hips shoot up first :rolleyes:"


def test_relative_dates_without_a_capture_time_need_captured_at():
    with pytest.raises(ArchiveError, match="does not say when it was saved: give --captured-at"):
        page("squat-2.html")
    captured = datetime.fromisoformat(f"2007-02-13T10:00{EST}")
    assert [p.posted_at for p in page("squat-2.html", captured_at=captured).posts] == [
        p.posted_at for p in page("squat-2-wayback.html").posts
    ]


def test_a_windows_1252_page_in_the_legacy_postbit_is_read_with_its_zone_and_date_format():
    cafe = page("cafe-legacy-1252.html")
    assert cafe.title == "Café ‘Rest–pause’ sets"
    first, second = cafe.posts
    assert (first.username, first.posted_at) == ("Frédéric", at("2007-02-10T08:30+01:00"))
    assert (
        first.body == "Un café avant la séance – ça aide ? à 5 € le café… « rest–pause » :confused:"
    )
    assert (first.profile.location, first.profile.user_title) == ("Lyon", "Membre confirmé")
    assert (second.number, second.posted_at) == (2, at("2007-02-11T09:00+01:00"))
    assert second.body == "Merci, Frédéric :D"


def test_time_zone_given_overrides_the_pages_footer():
    import zoneinfo

    cafe = page("cafe-legacy-1252.html", time_zone=zoneinfo.ZoneInfo("UTC"))
    assert cafe.posts[0].posted_at == at("2007-02-10T08:30+00:00")


def test_a_printthread_page_gives_the_same_posts_as_the_showthread_pages():
    printed = page("squat-print.html")
    shown = merge_pages([page(name) for name in SQUAT]).archived.posts
    assert printed.kind == "printthread" and printed.thread_id == 4521
    assert [(p.number, p.username, p.posted_at) for p in printed.posts] == [
        (n, p.username, p.posted_at.replace(tzinfo=UTC)) for n, p in enumerate(shown, start=1)
    ]
    assert [p.body for p in printed.posts] == [p.body for p in shown]


@pytest.mark.parametrize(
    "html, bbcode",
    [
        ("a<br />\nb", "a\nb"),
        ("<b>bold <i>both</i></b> <u>under</u>", "[B]bold [I]both[/I][/B] [U]under[/U]"),
        (
            '<a href="http://example.com/x" target="_blank">http://example.com/x</a>',
            "[URL]http://example.com/x[/URL]",
        ),
        (
            '<a href="http://www.example.com/a-very-long-address/that/vbulletin/shortened.html">'
            "http://www.example.com/a-very-lo...shortened.html</a>",
            "[URL]http://www.example.com/a-very-long-address/that/vbulletin/shortened.html[/URL]",
        ),
        (
            '<img src="http://example.com/pic.jpg" border="0" alt="" />',
            "[IMG]http://example.com/pic.jpg[/IMG]",
        ),
        (
            '<img src="images/smilies/lol.gif" border="0" alt="" title="LOL" class="inlineimg" />',
            ":lol:",
        ),
        (
            '<ol style="list-style-type: decimal"><li>one</li><li>two</li></ol>',
            "[LIST=1]\n[*]one\n[*]two\n[/LIST]",
        ),
        ('<font face="Comic Sans MS">just text</font>', "just text"),
        ('<div align="center">centred</div>after', "centred\nafter"),
        ("&lt;script&gt;alert(1)&lt;/script&gt; &amp; [b]", "<script>alert(1)</script> & [b]"),
        ('<a href="showthread.php?t=12">a thread here</a>', "a thread here"),
        (
            '<div style="margin:20px; margin-top:5px; "><div class="smallfont">Quote:</div>'
            '<table><tr><td class="alt2">no name</td></tr></table></div>',
            "[QUOTE]no name[/QUOTE]",
        ),
        (
            '<div style="margin:20px"><div class="smallfont">PHP Code:</div><div class="alt2">'
            '<code><code><span style="color: #000000">\n<span style="color: #0000BB">$a&nbsp;'
            "</span>=&nbsp;1;<br />echo&nbsp;$a;</span>\n</code></code></div></div>",
            "[CODE]$a = 1;\necho $a;[/CODE]",
        ),
    ],
)
def test_vbulletin_markup_converts_to_bbcode(html, bbcode):
    from forum.archive_html import parse_html

    builder = parse_html(f'<div id="post_message_1">{html}</div>')
    assert to_bbcode(builder.by_id["post_message_1"]) == bbcode


def test_a_page_that_is_not_a_thread_is_refused():
    with pytest.raises(ArchiveError, match="not a vBulletin 3 thread page"):
        read_page(b"<html><body><p>Forum index</p></body></html>", "index.html")


def test_hostile_pages_are_read_without_recursion_limits_or_scripts_kept():
    deep = "<div>" * 50_000 + "deep" + "</div>" * 50_000
    data = (
        '<div id="postmenu_9"><a class="bigusername" href="member.php?u=1">x</a></div>'
        '<a name="post9"></a> 01-02-2007, 10:00 AM'
        '<a id="postcount9">1</a>'
        f'<div id="post_message_9"><script>alert(1)</script>{deep}'
        '<img src="javascript:alert(1)" /><a href="javascript:alert(2)">click</a></div>'
    ).encode()
    post = read_page(data, "evil.html").posts[0]
    assert "deep" in post.body and "alert(1)" not in post.body
    assert "[URL" not in post.body and "[IMG" not in post.body
    with pytest.raises(ArchiveError, match="a NUL byte"):
        read_page(data + b"\x00", "nul.html")


# -- merging pages ---------------------------------------------------------------------------


def test_pages_in_any_order_and_twice_give_each_post_once():
    pages = [page("squat-2-wayback.html"), page("squat-1.html"), page("squat-2-wayback.html")]
    merged = merge_pages(pages)
    assert merged.legacy_post_ids == [30001, 30002, 30003, 30010, 30011]
    assert merged.thread_id == 4521 and merged.archived.first_number == 1


def test_posts_after_a_missing_page_are_skipped_and_said_so():
    first, second = page("cardio-back-pain-1.html"), page("cardio-back-pain-2.html")
    del first.posts[2]  # post #3 missing
    merged = merge_pages([second, first])
    assert [post.username for post in merged.archived.posts] == ["iron_worker", "Ross86"]
    assert merged.skipped == ["posts #4 to #10, until the page with #3 is imported"]


def test_pages_that_disagree_about_a_post_are_refused():
    first, other = page("squat-1.html"), page("squat-1.html")
    other.posts[1].username = "Someone_Else"
    with pytest.raises(ArchiveError, match="post #2 is by Someone_Else"):
        merge_pages([first, other])


# -- importing -------------------------------------------------------------------------------


def test_importing_a_threads_pages_creates_it_with_old_ids_so_old_links_redirect(
    client, forum, tmp_path
):
    out, err = run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    assert "added 5 posts and 3 new members (Coach_Dave, gym_visitor, Ross86)" in out
    thread = Thread.objects.get()
    assert (thread.title, thread.legacy_id, thread.post_count) == (
        "Squat depth and knee pain",
        4521,
        5,
    )
    assert list(thread.posts.order_by("number").values_list("legacy_id", flat=True)) == [
        30001,
        30002,
        30003,
        30010,
        30011,
    ]
    coach_post = Post.objects.get(legacy_id=30002)
    assert client.get("/showpost.php?p=30002").url == coach_post.get_absolute_url()
    assert client.get("/showthread.php?t=4521").url == thread.get_absolute_url()
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_a_quote_points_at_the_boards_copy_of_the_quoted_post(forum, tmp_path):
    run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    quoted = Post.objects.get(legacy_id=30001)
    quoting = Post.objects.get(legacy_id=30002)
    assert quoting.body.startswith(f"[QUOTE=Ross86;{quoted.pk}]")
    assert f'href="/posts/{quoted.pk}/"' in quoting.body_html
    assert 'alt=":("' in quoted.body_html and 'alt=";)"' in quoting.body_html


def test_new_members_get_their_postbit_profile_and_the_boards_own_post_counts(forum, tmp_path):
    run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    ross = User.objects.get(username="Ross86")
    coach = User.objects.get(username="Coach_Dave")
    guest = User.objects.get(username="gym_visitor")
    assert (ross.date_joined, ross.location, ross.user_title, ross.post_count) == (
        datetime(2004, 1, 1, tzinfo=UTC),
        "Ohio",
        "",
        2,  # not the 1,234 the postbit showed
    )
    assert (coach.location, coach.user_title, coach.post_count) == (
        "Columbus, OH",
        "Strength Coach",
        2,
    )
    assert guest.is_imported and guest.location == "" and guest.post_count == 1
    assert not ross.has_usable_password()


def test_members_already_on_the_board_keep_their_profile(forum, tmp_path, member):
    member.username = "Ross86"
    member.location = "Toledo"
    member.save()
    run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    member.refresh_from_db()
    assert member.location == "Toledo" and member.post_count == 2


def test_the_edit_note_sets_who_edited_the_post_and_when(forum, tmp_path):
    run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    edited = Post.objects.select_related("edited_by").get(legacy_id=30011)
    assert (edited.edited_by.username, edited.edited_at) == (
        "Coach_Dave",
        at(f"2007-02-13T08:20{EST}"),
    )
    assert Post.objects.get(legacy_id=30001).edited_at is None


def test_importing_the_pages_again_changes_nothing(forum, tmp_path):
    folder = pages_folder(tmp_path, *SQUAT)
    run_import(folder, "--forum", forum.slug)
    before = list(Post.objects.order_by("pk").values_list("pk", "body", "legacy_id"))
    out, _ = run_import(folder, "--forum", forum.slug)
    assert 'nothing new for "Squat depth and knee pain"' in out
    assert list(Post.objects.order_by("pk").values_list("pk", "body", "legacy_id")) == before


def test_page_two_alone_waits_for_page_one_then_adds_its_posts(forum, tmp_path):
    message, err = failing_import(PAGES / "squat-2-wayback.html", "--forum", forum.slug)
    assert "start at #4 and the thread is not on the board yet" in err
    assert not Thread.objects.exists() and not User.objects.exists()
    run_import(PAGES / "squat-1.html", "--forum", forum.slug)
    out, _ = run_import(PAGES / "squat-2-wayback.html", "--forum", forum.slug)
    assert "added 2 posts and 0 new members" in out
    assert Thread.objects.get().post_count == 5
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}


def test_a_page_needing_a_capture_time_fails_with_its_name_and_its_thread_imports_nothing(
    forum, tmp_path
):
    folder = pages_folder(tmp_path, "squat-1.html", "squat-2.html", "cafe-legacy-1252.html")
    message, err = failing_import(folder, "--forum", forum.slug)
    assert f'{folder / "squat-2.html"}: post 30010 is dated "Yesterday, 09:40 PM"' in err
    assert "another page of this thread failed" in err
    assert list(Thread.objects.values_list("legacy_id", flat=True)) == [4600]
    assert "2 of 3 archives failed" in message


def test_captured_at_resolves_a_pages_today_and_yesterday(forum, tmp_path):
    folder = pages_folder(tmp_path, "squat-1.html", "squat-2.html")
    run_import(folder, "--forum", forum.slug, "--captured-at", f"2007-02-13T10:00{EST}")
    assert Post.objects.get(legacy_id=30011).created_at == at(f"2007-02-13T08:05{EST}")


@pytest.mark.parametrize("captured", ["9999-12-31T23:59", "0001-01-01T00:00", "2101-01-01T00:00"])
def test_a_capture_time_outside_1970_to_2100_is_refused_before_anything_is_read(
    forum, tmp_path, captured
):
    folder = pages_folder(tmp_path, "squat-1.html", "squat-2.html")
    with pytest.raises(CommandError, match="between the years 1970 and 2100"):
        run_import(folder, "--forum", forum.slug, "--captured-at", captured)
    assert not Post.objects.exists()


def test_the_html_pages_and_the_printable_text_of_a_thread_give_the_same_posts(
    forum, category, tmp_path
):
    Forum.objects.create(category=category, name="From text", slug="from-text")
    run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    run_import(PAGES / "squat.txt", "--forum", "from-text", "--time-zone", "America/New_York")
    from_html, from_text = (
        Thread.objects.get(forum__slug=slug) for slug in (forum.slug, "from-text")
    )
    # The text has the quote without the old id (it names no post of this board).
    html_posts = [(*post[:3], re.sub(r";\d+\]", "]", post[3])) for post in posts_of(from_html)]
    assert html_posts == posts_of(from_text)


def test_a_printthread_page_imports_the_same_thread_without_old_post_ids(forum, tmp_path):
    run_import(PAGES / "squat-print.html", "--forum", forum.slug)
    thread = Thread.objects.get()
    assert thread.legacy_id == 4521 and thread.post_count == 5
    assert not thread.posts.filter(legacy_id__isnull=False).exists()
    # The showthread pages later add the old ids to the posts already there.
    out, _ = run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug)
    assert "nothing new" in out
    assert thread.posts.filter(legacy_id__isnull=False).count() == 5


def test_the_sample_thread_from_its_html_pages_exports_back_verbatim(forum, tmp_path):
    folder = pages_folder(tmp_path, "cardio-back-pain-2.html", "cardio-back-pain-1.html")
    run_import(folder, "--forum", forum.slug)
    out = StringIO()
    call_command("export_archive", Thread.objects.get().pk, stdout=out)
    sample = SAMPLE_ARCHIVE.read_text(encoding="utf-8")
    assert out.getvalue().split("\n") == re.sub(r"\n{3,}", "\n\n", sample).split("\n")


def test_a_dry_run_says_what_it_would_add_and_writes_nothing(forum, tmp_path):
    out, _ = run_import(pages_folder(tmp_path, *SQUAT), "--forum", forum.slug, "--dry-run")
    assert (
        "would add 5 posts and 3 new members (Coach_Dave, gym_visitor, Ross86) "
        'to new thread "Squat depth and knee pain"' in out
    )
    assert not Thread.objects.exists() and not User.objects.exists()


def test_skipped_pages_and_posts_are_reported(forum, tmp_path):
    folder = pages_folder(tmp_path, *SQUAT)
    (folder / "index.html").write_text("<html><body>Forum index</body></html>")
    message, err = failing_import(folder, "--forum", forum.slug)
    assert f"{folder / 'index.html'}: not a vBulletin 3 thread page" in err
    assert Thread.objects.get().post_count == 5


def test_old_ids_options_are_refused_for_pages(forum):
    message, _ = failing_import(
        PAGES / "squat-1.html", "--forum", forum.slug, "--legacy-thread-id", "9"
    )
    assert "Pages carry their old ids" in message


def test_a_bad_captured_at_is_refused(forum):
    message, _ = failing_import(
        PAGES / "squat-2.html", "--forum", forum.slug, "--captured-at", "soon"
    )
    assert "--captured-at takes an ISO 8601 time" in message


@pytest.fixture
def second_forum(category) -> Forum:
    return Forum.objects.create(category=category, name="Other", slug="other")


def test_a_thread_already_imported_into_another_forum_is_found_by_its_old_id(
    forum, second_forum, tmp_path
):
    run_import(PAGES / "squat-1.html", "--forum", forum.slug)
    out, _ = run_import(PAGES / "squat-2-wayback.html", "--forum", second_forum.slug)
    assert Thread.objects.count() == 1 and Thread.objects.get().post_count == 5
    assert Category.objects.count() == 1


def test_a_post_number_linked_without_an_id_as_vbulletin_3_0_did_is_read():
    data = (
        b'<a href="showthread.php?t=77">t</a>'
        b'<table id="post9"><tr><td class="thead"><a name="post9"></a> 01-02-2007, 10:00 AM</td>'
        b'<td class="thead">#<a href="showpost.php?p=9&amp;postcount=4" target="new">4</a></td>'
        b'</tr><tr><td><div id="postmenu_9"><a class="bigusername" href="member.php?u=1">x</a>'
        b'</div></td><td><div id="post_message_9">Hello</div></td></tr></table>'
    )
    post = read_page(data, "old.html").posts[0]
    assert (post.legacy_id, post.number, post.username, post.body) == (9, 4, "x", "Hello")


def test_ids_out_of_the_boards_range_are_refused():
    data = (
        b'<div id="postmenu_99999999999"><a class="bigusername">x</a></div>'
        b'<div id="post_message_99999999999">Hi</div>'
    )
    with pytest.raises(ArchiveError):
        read_page(data, "big.html")


@pytest.mark.parametrize(
    "data, text",
    [
        (b"<p>It\x92s 5 \x80</p>", "<p>It’s 5 €</p>"),  # windows-1252, declared nowhere
        ("<p>It’s 5 €</p>".encode(), "<p>It’s 5 €</p>"),  # UTF-8, declared nowhere
        (
            b'<meta charset="iso-8859-1"><p>caf\xe9 \x93ok\x94</p>',
            '<meta charset="iso-8859-1"><p>café “ok”</p>',
        ),
        (b"\xef\xbb\xbf<p>\xc3\xa9</p>", "<p>é</p>"),
    ],
)
def test_pages_are_decoded_as_declared_else_utf_8_else_windows_1252(data, text):
    from forum.archive_html import decode_page

    assert decode_page(data) == text


def test_the_import_reports_posts_it_skipped_after_a_missing_page(forum, tmp_path):
    folder = pages_folder(tmp_path, "squat-1.html")
    later = (PAGES / "squat-2-wayback.html").read_text(encoding="utf-8")
    # The same posts as a later capture numbered them, after two posts were added before them.
    later = later.replace("<strong>4</strong>", "<strong>6</strong>")
    (folder / "squat-later.html").write_text(
        later.replace("<strong>5</strong>", "<strong>7</strong>")
    )
    out, _ = run_import(folder, "--forum", forum.slug)
    assert "added 3 posts" in out
    assert "  skipped: posts #6 to #7, until the page with #4 to #5 is imported" in out
    assert Thread.objects.get().post_count == 3


def test_a_replys_own_title_line_leads_its_body_as_in_the_printable_text():
    first = page("squat-1.html")
    first.posts[1].title = "Re: Squat depth and knee pain"
    archived = merge_pages([first]).archived
    assert archived.title == "Squat depth and knee pain"
    assert archived.posts[0].body.startswith("Every time I go below parallel")
    assert archived.posts[1].body.startswith("Re: Squat depth and knee pain\n[QUOTE=Ross86;30001]")


def test_a_post_deleted_on_the_old_board_is_reported_as_skipped():
    text = (PAGES / "squat-1.html").read_text(encoding="windows-1252")
    # vBulletin showed moderators a deleted post's shell, without its message.
    text = text.replace(
        "<!-- post #30003 -->",
        '<table id="post30002b"></table><table id="post30004">'
        "<tr><td>This message has been deleted by Coach_Dave.</td></tr></table>",
    )
    shown = read_page(text.encode("windows-1252"), "squat-1.html")
    assert [post.legacy_id for post in shown.posts] == [30001, 30002, 30003]
    assert shown.skipped == ["post 30004: deleted or hidden on the old board"]


@pytest.mark.parametrize(
    "stamp", ["01-01-0001, 12:00 AM", "12-31-9999, 11:59 PM", "13-45-2007, 10:00 AM"]
)
def test_dates_at_the_calendars_edges_or_impossible_are_refused_with_the_post(stamp):
    data = (
        '<div id="postmenu_9"><a class="bigusername">x</a></div>'
        f'<div><a name="post9"></a> {stamp}</div><a id="postcount9">1</a>'
        '<div id="post_message_9">Hi</div><div>All times are GMT +5.</div>'
    ).encode()
    with pytest.raises(ArchiveError, match="post 9: "):
        read_page(data, "edge.html")
