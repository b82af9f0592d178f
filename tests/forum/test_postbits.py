"""Postbits rendered once and kept: never stale, whatever changed."""

from django.utils import timezone

from accounts.models import User
from forum import actions, postbits
from forum.models import Post

SAMPLE_THREAD = "/threads/1/cardio-back-pain/"


def count_renders(monkeypatch) -> list:
    rendered = []
    render = postbits.render_to_string

    def counting(*args, **kwargs):
        rendered.append(args[1]["post"].number)
        return render(*args, **kwargs)

    monkeypatch.setattr(postbits, "render_to_string", counting)
    return rendered


def test_a_postbit_is_rendered_once_for_every_reader_who_sees_it_alike(
    client, sample, monkeypatch
):
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
