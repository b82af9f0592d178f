"""Postbits and thread rows rendered once and kept: never stale, whatever changed."""

from django.utils import timezone

from accounts.models import User
from forum import actions, fragments
from forum.models import Post, Thread

SAMPLE_THREAD = "/threads/1/cardio-back-pain/"


def count_renders(monkeypatch) -> list:
    rendered = []
    render = fragments.render_to_string

    def counting(*args, **kwargs):
        rendered.append(args[1]["post"].number if "post" in args[1] else args[1]["thread"].pk)
        return render(*args, **kwargs)

    monkeypatch.setattr(fragments, "render_to_string", counting)
    return rendered


def test_a_postbit_is_rendered_once_for_every_reader_who_sees_it_alike(client, sample, monkeypatch):
    rendered = count_renders(monkeypatch)
    client.get(SAMPLE_THREAD)
    client.get(SAMPLE_THREAD)
    assert sorted(rendered) == list(range(1, 11))


def test_a_change_to_the_author_shows_at_once_in_every_postbit(client, sample):
    client.get(SAMPLE_THREAD)
    ross = User.objects.get(username="Ross86")
    User.objects.filter(pk=ross.pk).update(
        location="Boston", signature_html="<p>Row, row, row</p>", post_count=1234
    )
    html = client.get(SAMPLE_THREAD).text
    assert "Boston" in html and "Row, row, row" in html and "1,234" in html


def test_a_moderator_sees_a_removed_post_and_a_member_only_its_notice(client, sample):
    post = Post.objects.get(thread=1, number=3)
    Post.objects.filter(pk=post.pk).update(
        is_removed=True, removed_at=timezone.now(), removed_reason="Off topic"
    )
    member = User.objects.create_user("Reader", password="a-long-pass-42")
    boss = User.objects.create_superuser("Boss", "boss@example.com", "a-long-pass-42")
    client.force_login(member)
    assert "Off topic" not in client.get(SAMPLE_THREAD).text
    client.force_login(boss)
    assert "Removed by a moderator: Off topic" in client.get(SAMPLE_THREAD).text
    client.force_login(member)
    assert "Off topic" not in client.get(SAMPLE_THREAD).text


def test_each_reader_sees_times_in_their_own_zone(client, sample):
    reader = User.objects.create_user("Reader", password="a-long-pass-42")
    first = Post.objects.get(thread=1, number=1)
    board_time = timezone.localtime(first.created_at).strftime("%I:%M %p")
    assert board_time in client.get(SAMPLE_THREAD).text
    User.objects.filter(pk=reader.pk).update(time_zone="Asia/Tokyo")
    client.force_login(reader)
    tokyo = timezone.localtime(first.created_at, timezone.get_fixed_timezone(9 * 60))
    html = client.get(SAMPLE_THREAD).text
    assert tokyo.strftime("%I:%M %p") in html


def test_an_edit_shows_in_the_postbit_at_once(client, sample):
    boss = User.objects.create_superuser("Boss", "boss@example.com", "a-long-pass-42")
    post = Post.objects.get(thread=1, number=2)
    client.get(SAMPLE_THREAD)
    actions.edit_post(post=post, editor=boss, body="Edited by hand")
    html = client.get(SAMPLE_THREAD).text
    assert "Edited by hand" in html and "Last edited by Boss" in html


def test_a_forum_lists_each_reader_their_own_unread_threads(client, thread):
    first, second = (User.objects.create_user(name, password="a-long-pass-42") for name in "AB")
    client.force_login(first)
    client.get(thread.get_absolute_url())
    assert 'class="thread-title is-unread"' not in client.get("/forums/running/").text
    client.force_login(second)
    assert 'class="thread-title is-unread"' in client.get("/forums/running/").text


def test_a_thread_row_shows_new_replies_and_views_at_once(client, sample):
    ross = User.objects.get(username="Ross86")
    assert "10,000" not in client.get("/forums/cardio/").text
    Thread.objects.filter(pk=1).update(view_count=10_000)
    actions.add_reply(thread=Thread.objects.get(pk=1), author=ross, body="Bump")
    html = client.get("/forums/cardio/").text
    assert "10,000" in html and ">10<" in html


def test_a_change_to_any_template_a_fragment_may_include_makes_new_keys(
    settings, tmp_path, monkeypatch
):
    templates = tmp_path / "templates"
    (templates / "includes").mkdir(parents=True)
    include = templates / "includes" / "thread_last_post.html"
    include.write_text("by {{ thread.last_post.author }}")
    settings.BASE_DIR = tmp_path
    monkeypatch.setattr(fragments, "RENDERING_SOURCES", [(templates, "*.html")])
    fragments.rendering_version.cache_clear()
    before = fragments.rendering_version()
    include.write_text("by {{ thread.last_post.author }} at {{ thread.last_post_at }}")
    fragments.rendering_version.cache_clear()
    assert fragments.rendering_version() != before
    fragments.rendering_version.cache_clear()
