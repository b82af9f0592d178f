"""Replying, quoting, starting threads and editing, with every bad input refused clearly."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from forum import actions
from forum.models import Forum, Post, PostRevision, Thread

REPLY_URL = "/threads/1/reply/"

# "Log in or register to reply.", both words linked.
GUEST_REFUSAL = re.compile(
    r'<a href="/accounts/login/\?next=[^"]*">Log in</a> or '
    r'<a href="/accounts/register/">register</a> to reply.'
)


@pytest.fixture
def poster(client, sample):
    member = User.objects.create_user("New_Runner", "runner@example.com", "a-long-pass-42")
    client.force_login(member)
    return member


def reply(client, body, **extra):
    return client.post(REPLY_URL, {"body": body, "submission_key": str(uuid.uuid4()), **extra})


def test_a_member_replies_and_lands_on_the_new_posts_permalink(client, poster):
    response = reply(client, "Try [b]new shoes[/b] :)")
    post = Post.objects.get(number=11)
    assert response.status_code == 302
    assert response.url == f"/threads/1/cardio-back-pain/?page=2#post{post.pk}"
    assert post.author == poster
    assert "<strong>new shoes</strong>" in post.body_html
    thread = Thread.objects.get(pk=1)
    assert (thread.post_count, thread.last_post, thread.last_number) == (11, post, 11)
    poster.refresh_from_db()
    assert poster.post_count == 1
    forum = Forum.objects.get(pk=1)
    assert (forum.post_count, forum.last_post) == (11, post)


def test_visitors_are_sent_to_log_in_and_cannot_post(client, sample):
    response = client.post(REPLY_URL, {"body": "hello"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert Post.objects.count() == 10
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert "Quick Reply" not in html and GUEST_REFUSAL.search(html)


def test_thread_page_shows_the_quick_reply_box_to_members(client, poster):
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert "Quick Reply" in html and 'name="submission_key"' in html


def test_a_locked_thread_shows_no_reply_box_and_refuses_a_post(client, poster):
    Thread.objects.filter(pk=1).update(is_locked=True)
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert "Quick Reply" not in html
    assert "This thread is closed: no new replies." in html
    response = reply(client, "Sneaking in")
    assert response.status_code == 302
    assert Post.objects.count() == 10
    followed = client.get(response.url).content.decode()
    assert "This thread is closed" in followed


def test_a_locked_thread_refuses_a_reply_even_when_the_lock_lands_mid_request(poster, sample):
    thread = Thread.objects.get(pk=1)
    Thread.objects.filter(pk=1).update(is_locked=True)  # after the view loaded `thread`
    with pytest.raises(actions.PostingRefused, match="closed"):
        actions.add_reply(thread=thread, author=poster, body="late")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "cannot be empty"),
        ("   \n\t  ", "cannot be empty"),
        ("a" * 20_001, "too long: 20,001 characters, at most 20,000"),
        ("null\x00byte", "Null characters are not allowed"),
        ("bell\x07", "control characters"),
    ],
)
def test_bad_reply_bodies_get_a_clear_message_and_store_nothing(client, poster, body, message):
    response = reply(client, body)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Post.objects.count() == 10


def test_a_body_of_exactly_twenty_thousand_characters_is_accepted(client, poster):
    reply(client, "  " + "b" * 20_000 + "\n")
    assert len(Post.objects.get(number=11).body) == 20_000


def test_windows_line_endings_and_tabs_are_kept_as_text(client, poster):
    reply(client, "one\r\ntwo\tthree")
    assert Post.objects.get(number=11).body == "one\ntwo\tthree"


def test_a_double_submitted_form_makes_one_post(client, poster):
    key = str(uuid.uuid4())
    first = client.post(REPLY_URL, {"body": "Only once", "submission_key": key})
    second = client.post(REPLY_URL, {"body": "Only once", "submission_key": key})
    assert Post.objects.filter(body="Only once").count() == 1
    assert first.url == second.url


def test_a_reply_is_written_in_a_fixed_number_of_statements(
    client, poster, database_tasks, django_assert_num_queries
):
    # The request: 1 the session, 2 the member, 3 the thread with its forum and category (the
    # view's access check; none when the page cache shares it). The reply's transaction (a
    # savepoint inside the test's): 4 opened, 5 the member's row locked, with whether any
    # address ban is in force and the ban on their email's domain, 6 the form's key unused,
    # 7 the thread's row locked with its forum, 8 the member following the thread, 9 the post,
    # 10 the address record, 11 the forum's counters (its row locked), 12 whether the thread
    # was on page 1 of its forum, 13 the thread's counters, 14 the member's, 15 the followers'
    # mail and the notices (one INSERT), 16 closed.
    with django_assert_num_queries(16):
        response = reply(client, "Sixteen statements, and no more.")
    assert response.status_code == 302
    post = Post.objects.get(body="Sixteen statements, and no more.")
    assert post.number == 11 and post.thread.post_count == 11


def test_flood_control_makes_a_member_wait_and_says_how_long(client, poster, settings):
    settings.BOARD_FLOOD_SECONDS = 30
    reply(client, "First")
    response = reply(client, "Second")
    assert response.status_code == 200
    assert re.search(r"please wait (29|30) more seconds", response.content.decode())
    assert Post.objects.filter(body="Second").count() == 0
    User.objects.filter(pk=poster.pk).update(last_posted_at=timezone.now() - timedelta(seconds=31))
    reply(client, "Second")
    assert Post.objects.filter(body="Second").count() == 1


def test_preview_renders_the_message_without_posting(client, poster):
    response = reply(client, "[i]draft[/i]", preview="1")
    assert "<em>draft</em>" in response.content.decode()
    assert Post.objects.count() == 10


def test_quote_button_fills_the_reply_with_the_quoted_post(client, poster):
    ross = Post.objects.get(number=9 + 1)
    html = client.get(f"{REPLY_URL}?quote={ross.pk}").content.decode()
    assert f"[QUOTE=Ross86;{ross.pk}]Cross trainers definitely" in html


def test_multi_quote_quotes_several_posts_in_thread_order_and_ignores_bad_ids(client, poster):
    ids = list(Post.objects.filter(number__in=[2, 9]).values_list("pk", flat=True))
    html = client.get(f"{REPLY_URL}?quote={ids[1]},{ids[0]},abc,99999999,-1").content.decode()
    assert html.index(f"[QUOTE=Ross86;{ids[0]}]") < html.index(f"[QUOTE=Eddie0206;{ids[1]}]")


def test_quotes_of_quotes_are_left_out_as_vbulletin_does(sample, poster):
    thread = Thread.objects.get(pk=1)
    inner = actions.add_reply(thread=thread, author=poster, body="[quote=Ross86;2]old[/quote]mine")
    assert inner.quote_source() == f"[QUOTE=New_Runner;{inner.pk}]mine[/QUOTE]\n"


@pytest.mark.parametrize(
    ("body", "kept"),
    [
        ("[quote=A;1]a[quote]b[/quote]c[/quote]mine", "mine"),
        ("before [QUOTE]x[/QUOTE] after", "before  after"),
        # An opener never closed stays text, and so does what follows it; its inner quote goes.
        ("[quote]a[quote]b[/quote]c", "[quote]ac"),
        ("mine[/quote] and [quote=B;2", "mine[/quote] and [quote=B;2"),
        # Not a quote when rendered (the argument is too long), so not one here either.
        ("[quote=" + "x" * 501 + "]kept[/quote]", "[quote=" + "x" * 501 + "]kept[/quote]"),
    ],
)
def test_quote_source_leaves_out_whole_quotes_and_keeps_unmatched_tags_as_text(body, kept):
    post = Post(pk=7, body=body)
    post.author = User(username="Ann")
    assert post.quote_source() == f"[QUOTE=Ann;7]{kept}[/QUOTE]\n"


def test_multi_quote_stops_before_the_reply_would_be_too_long(client, poster):
    thread = Thread.objects.get(pk=1)
    long_posts = [
        actions.add_reply(thread=thread, author=poster, body=f"{n} " + "word " * 3_000)
        for n in range(1, 6)
    ]
    huge = actions.add_reply(thread=thread, author=poster, body="short")
    Post.objects.filter(pk=huge.pk).update(body="x" * 300_000)  # as an import could store it
    ids = ",".join(str(post.pk) for post in [huge, *long_posts])
    response = client.get(f"{REPLY_URL}?quote={ids}")
    body = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.content.decode(), re.S)[1]
    assert len(body) <= 20_000
    assert body.count("[QUOTE=New_Runner;") == 1 and "xxxxx" not in body
    assert "Quoted 1 of the 6 posts asked for" in response.content.decode()


def test_a_posted_quote_renders_as_originally_posted_by_with_a_link_back(client, poster):
    ross = Post.objects.get(number=2)
    reply(client, f"[QUOTE=Ross86;{ross.pk}]Upper or lower?[/QUOTE]Middle.")
    html = Post.objects.get(number=11).body_html
    assert "Originally Posted by <strong>Ross86</strong>" in html
    assert f'href="/posts/{ross.pk}/"' in html


def test_a_member_starts_a_thread_with_title_and_first_post(client, poster):
    response = client.post(
        "/forums/cardio/new-thread/",
        {"title": "  HIIT twice a week?  ", "body": "Enough?", "submission_key": str(uuid.uuid4())},
    )
    thread = Thread.objects.get(title="HIIT twice a week?")
    assert response.url == f"/threads/{thread.pk}/hiit-twice-a-week/#post{thread.first_post_id}"
    forum = Forum.objects.get(pk=1)
    assert (forum.thread_count, forum.post_count, forum.last_post_id) == (
        2,
        11,
        thread.first_post_id,
    )


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("x" * 101, "too long"),
        ("a\x00b", "Null characters are not allowed"),
    ]
    # Every line or paragraph break str.splitlines() knows: titles are single-line everywhere.
    + [
        (f"one{char}two", "must be a single line")
        for char in ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85"]
        + ["\u2028", "\u2029"]
    ]
    # A direction override would make the title read as something else.
    + [
        ("Squat \u202egpj.exe", "reverse the direction"),
        ("Squat \u2067x", "reverse the direction"),
    ],
)
def test_bad_thread_titles_are_refused_with_a_message(client, poster, title, message):
    response = client.post("/forums/cardio/new-thread/", {"title": title, "body": "Body"})
    assert message in response.content.decode()
    assert Thread.objects.count() == 1


def test_a_new_thread_in_an_unknown_forum_is_a_404(client, poster):
    assert client.post("/forums/nope/new-thread/", {"title": "t", "body": "b"}).status_code == 404


def test_an_author_edits_their_post_and_the_old_text_is_kept(client, poster):
    reply(client, "Frist!")
    post = Post.objects.get(number=11)
    response = client.post(f"/posts/{post.pk}/edit/", {"body": "First!"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.body, post.edited_by) == ("First!", poster)
    assert PostRevision.objects.get(post=post).body == "Frist!"
    html = client.get(response.url.split("#")[0]).content.decode()
    assert "Last edited by New_Runner;" in html


def test_another_member_cannot_edit_someone_elses_post(client, poster):
    ross = Post.objects.get(number=2)
    assert client.get(f"/posts/{ross.pk}/edit/").status_code == 403
    assert client.post(f"/posts/{ross.pk}/edit/", {"body": "vandal"}).status_code == 403
    ross.refresh_from_db()
    assert ross.body == "Where in your back is it? Upper or lower?"


def test_editing_is_closed_after_the_edit_window(client, poster, settings):
    settings.BOARD_EDIT_WINDOW_MINUTES = 5
    reply(client, "Typo")
    post = Post.objects.get(number=11)
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    assert client.post(f"/posts/{post.pk}/edit/", {"body": "Fixed"}).status_code == 403


def test_the_edit_history_is_for_moderators_only(client, poster):
    reply(client, "v1")
    post = Post.objects.get(number=11)
    client.post(f"/posts/{post.pk}/edit/", {"body": "v2"})
    assert client.get(f"/posts/{post.pk}/history/").status_code == 404
    admin = User.objects.create_superuser("Boss", "boss@example.com", "a-long-pass-42")
    client.force_login(admin)
    html = client.get(f"/posts/{post.pk}/history/").content.decode()
    assert "v1" in html and "v2" in html


def test_thread_page_query_count_for_a_member_is_fixed(client, poster, django_assert_num_queries):
    # 1: session; 2: member; 3: thread with forum and category; 4: posts with authors and
    # editors; 5: the member's read mark and subscription; 6: the read mark moved forward
    with django_assert_num_queries(6):
        client.get("/threads/1/cardio-back-pain/")
    for n in range(15):
        actions.add_reply(thread=Thread.objects.get(pk=1), author=poster, body=f"more {n}")
    with django_assert_num_queries(6):
        client.get("/threads/1/cardio-back-pain/?page=2")


def test_rereading_a_page_writes_no_read_mark(client, poster, django_assert_num_queries):
    client.get("/threads/1/cardio-back-pain/")
    # 1: session; 2: member; 3: thread; 4: posts; 5: read mark (already at this page)
    with django_assert_num_queries(5):
        client.get("/threads/1/cardio-back-pain/")


def test_edited_posts_cost_no_query_each(client, poster, django_assert_num_queries):
    for n in range(3):
        reply(client, f"typo {n}")
    for post in Post.objects.filter(number__gt=10):
        client.post(f"/posts/{post.pk}/edit/", {"body": f"fixed {post.number}"})
    # 1: session; 2: member; 3: thread; 4: posts with authors and editors; 5: read mark and
    # subscription; 6: the read mark moved
    with django_assert_num_queries(6):
        html = client.get("/threads/1/cardio-back-pain/?page=2").text
    assert html.count("Last edited by") == 3


@pytest.mark.parametrize("body", ["[b][/b]", "[b] [/b] [i][/i]", "[quote][/quote]"])
def test_a_reply_whose_markup_shows_nothing_is_refused_with_a_reason(client, poster, body):
    posts_before = Post.objects.count()

    response = reply(client, body)

    assert response.status_code == 200
    assert "The message shows nothing" in response.content.decode()
    assert Post.objects.count() == posts_before


def test_a_reply_of_only_a_smilie_is_accepted(client, poster):
    response = reply(client, ":)")

    assert response.status_code == 302
