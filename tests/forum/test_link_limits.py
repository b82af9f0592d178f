"""New members may post only a few links and images, as spam accounts post them at once."""

import pytest

from forum import actions
from forum.models import Post
from tests.conftest import make_member

TWO_LINKS = "See [url=http://a.example]this[/url] and http://b.example"
THREE_LINKS = TWO_LINKS + " and [img]https://c.example/x.png[/img]"


@pytest.fixture
def newcomer(db):
    return make_member("New_Comer")


@pytest.fixture(autouse=True)
def link_limits(settings):
    settings.BOARD_NEW_MEMBER_POSTS = 5
    settings.BOARD_NEW_MEMBER_MAX_LINKS = 2


def test_a_new_member_may_post_up_to_the_limit_of_links(thread, newcomer):
    post = actions.add_reply(thread=thread, author=newcomer, body=TWO_LINKS)

    assert post.pk


def test_a_new_members_post_with_too_many_links_and_images_is_refused_with_the_numbers(
    thread, newcomer
):
    with pytest.raises(actions.PostingRefused) as refused:
        actions.add_reply(thread=thread, author=newcomer, body=THREE_LINKS)

    message = str(refused.value)
    assert "at most 2 links or images" in message and "this post has 3" in message
    assert "until you have 5 posts (you have 0)" in message
    assert not Post.objects.filter(author=newcomer).exists()


def test_with_a_limit_of_zero_new_members_post_no_links_at_all(settings, forum, newcomer):
    settings.BOARD_NEW_MEMBER_MAX_LINKS = 0

    with pytest.raises(actions.PostingRefused, match="may not post links or images"):
        actions.create_thread(forum=forum, author=newcomer, title="Hi", body="www.spam.example")


def test_quoting_a_post_is_not_a_link_and_smilies_are_not_images(settings, thread, newcomer):
    settings.BOARD_NEW_MEMBER_MAX_LINKS = 0
    quote = thread.first_post.quote_source()

    assert actions.add_reply(thread=thread, author=newcomer, body=quote + "Same :)").pk


def test_members_with_enough_posts_and_staff_are_not_limited(thread, newcomer):
    staff = make_member("Staff_One", is_staff=True)
    newcomer.post_count = 5
    newcomer.save()

    assert actions.add_reply(thread=thread, author=newcomer, body=THREE_LINKS).pk
    assert actions.add_reply(thread=thread, author=staff, body=THREE_LINKS).pk


def test_an_edit_cannot_add_links_past_the_limit(thread, newcomer):
    post = actions.add_reply(thread=thread, author=newcomer, body="No links yet")

    with pytest.raises(actions.PostingRefused, match="this post has 3"):
        actions.edit_post(post=post, editor=newcomer, body=THREE_LINKS)


def test_the_reply_page_shows_the_refusal_and_keeps_the_text(client, thread, newcomer):
    client.force_login(newcomer)

    response = client.post(f"/threads/{thread.pk}/reply/", {"body": THREE_LINKS})

    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 2 links or images" in html and "c.example/x.png" in html
