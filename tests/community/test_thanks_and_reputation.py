"""Thanks (one click, the post lists who thanked) and vBulletin's reputation (a comment, limits
per day and per member, beans in the postbit), each with its counter in the same transaction."""

import io

import pytest

from accounts.models import User
from community import actions as community_actions
from community.models import Notice, Reputation, Thanks
from forum import actions
from forum.models import Category, Forum, Post, Thread
from tests.conftest import make_member


def test_thanking_a_post_lists_the_member_under_it_and_drops_the_button(client, reply, member):
    client.force_login(member)
    response = client.post(f"/posts/{reply.pk}/thank/")
    assert response.url == reply.location()
    html = client.get(reply.thread.get_absolute_url()).text
    assert "1 member thanked Member_Two for this post:" in html
    assert f'aria-label="Thanks for post #{reply.number} by Member_Two"' not in html
    reply.refresh_from_db()
    assert (reply.thanks_count, reply.thanked_by) == (1, [[member.pk, "Member_One"]])


def test_a_post_is_thanked_once_per_member(client, reply, member):
    client.force_login(member)
    client.post(f"/posts/{reply.pk}/thank/")
    response = client.post(f"/posts/{reply.pk}/thank/", follow=True)
    assert "You have already thanked this post." in response.text
    assert Post.objects.get(pk=reply.pk).thanks_count == 1


def test_nobody_thanks_their_own_post(client, reply, other_member):
    client.force_login(other_member)
    response = client.post(f"/posts/{reply.pk}/thank/", follow=True)
    assert "That is your own post." in response.text
    assert not Thanks.objects.exists()


def test_a_visitor_cannot_thank_and_a_get_does_nothing(client, reply, member):
    assert client.post(f"/posts/{reply.pk}/thank/").url.startswith("/accounts/login/")
    client.force_login(member)
    assert client.get(f"/posts/{reply.pk}/thank/").status_code == 405
    assert client.post("/posts/999999/thank/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_simultaneous_thanks_all_land_in_the_count_and_the_list(at_once):
    category = Category.objects.create(name="C", slug="c")
    forum = Forum.objects.create(category=category, name="F", slug="f")
    author = User.objects.create_user("Author", "author@example.com", "a-long-pass-42")
    post = actions.create_thread(forum=forum, author=author, title="T", body="x")
    fans = [User.objects.create_user(f"Fan{n}", f"fan{n}@example.com", "pw") for n in range(6)]

    def thank(fan):
        community_actions.thank_post(post=Post.objects.get(pk=post.pk), member=fan)

    errors = at_once([lambda fan=fan: thank(fan) for fan in fans])
    assert errors == []
    post.refresh_from_db()
    assert post.thanks_count == 6
    assert sorted(name for _, name in post.thanked_by) == [f"Fan{n}" for n in range(6)]
    assert User.objects.get(pk=author.pk).unread_notice_count == 6


def test_thanks_notify_the_author(reply, member):
    community_actions.thank_post(post=reply, member=member)
    notice = Notice.objects.get()
    assert (notice.recipient, notice.kind, notice.actor) == (reply.author, "thanks", member)
    assert User.objects.get(pk=reply.author_id).unread_notice_count == 1


def test_reputation_adds_to_the_authors_total_their_beans_and_profile(client, reply, member):
    client.force_login(member)
    response = client.post(
        f"/posts/{reply.pk}/reputation/", {"amount": "1", "comment": "Good advice"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=reply.author_id).reputation == 1
    html = client.get(reply.thread.get_absolute_url()).text
    assert 'title="Reputation: 1"' in html  # the postbit's fragment was rendered again
    page = client.get(f"/members/{reply.author_id}/reputation/").text
    assert "Good advice" in page and "positive" in page
    assert "(<a href" in client.get(f"/members/{reply.author_id}/").text


def test_negative_reputation_takes_one_away(reply, member):
    community_actions.give_reputation(post=reply, giver=member, amount=-1, comment="No")
    assert User.objects.get(pk=reply.author_id).reputation == -1


def test_reputation_is_given_once_per_post(reply, member, settings):
    settings.BOARD_REPUTATION_SPREAD = 0
    community_actions.give_reputation(post=reply, giver=member, amount=1)
    with pytest.raises(community_actions.CommunityRefused, match="already given reputation"):
        community_actions.give_reputation(post=reply, giver=member, amount=1)
    assert User.objects.get(pk=reply.author_id).reputation == 1


def test_reputation_must_be_spread_before_the_same_member_again(thread, reply, member):
    again = actions.add_reply(thread=thread, author=reply.author, body="More advice")
    community_actions.give_reputation(post=reply, giver=member, amount=1)
    with pytest.raises(community_actions.CommunityRefused, match="give some reputation to others"):
        community_actions.give_reputation(post=again, giver=member, amount=1)
    someone = make_member("Someone")
    elsewhere = actions.add_reply(thread=thread, author=someone, body="Hi")
    community_actions.give_reputation(post=elsewhere, giver=member, amount=1)
    community_actions.give_reputation(post=again, giver=member, amount=1)
    assert User.objects.get(pk=reply.author_id).reputation == 2


def test_reputation_is_limited_per_day(thread, member, settings):
    settings.BOARD_REPUTATION_PER_DAY = 2
    posts = [
        actions.add_reply(thread=thread, author=make_member(f"Poster{n}"), body="x")
        for n in range(3)
    ]
    for post in posts[:2]:
        community_actions.give_reputation(post=post, giver=member, amount=1)
    with pytest.raises(community_actions.CommunityRefused, match="in 24 hours"):
        community_actions.give_reputation(post=posts[2], giver=member, amount=1)
    assert Reputation.objects.count() == 2


def test_reputation_for_ones_own_post_is_refused_with_a_message(client, reply, other_member):
    client.force_login(other_member)
    html = client.get(f"/posts/{reply.pk}/reputation/").text
    assert "That is your own post." in html and "Add to Reputation" not in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "5"}, "Select a valid choice"),
        ({}, "This field is required"),
        ({"amount": "1", "comment": "a\x00b"}, "comment"),
        ({"amount": "1", "comment": "x" * 251}, "too long"),
    ],
)
def test_bad_reputation_input_gets_a_message(client, reply, member, data, message):
    client.force_login(member)
    response = client.post(f"/posts/{reply.pk}/reputation/", data)
    assert response.status_code == 200
    assert message in response.text
    assert not Reputation.objects.exists()


def test_reputation_for_a_post_the_member_may_not_see_is_not_found(client, reply, member):
    Thread.objects.filter(pk=reply.thread_id).update(is_removed=True)
    client.force_login(member)
    assert client.post(f"/posts/{reply.pk}/reputation/", {"amount": "1"}).status_code == 404


def test_reputation_and_thanks_can_be_turned_off(client, settings, reply, member):
    settings.BOARD_REPUTATION = False
    settings.BOARD_THANKS = False
    client.force_login(member)
    html = client.get(reply.thread.get_absolute_url()).text
    assert "Reputation" not in html and "Thanks for post" not in html
    assert client.post(f"/posts/{reply.pk}/thank/").status_code == 404
    assert client.get(f"/posts/{reply.pk}/reputation/").status_code == 404


def test_the_thread_page_costs_no_query_for_beans_and_thanks(
    client, thread, reply, member, django_assert_num_queries
):
    for n in range(5):
        fan = make_member(f"Fan{n}")
        community_actions.thank_post(post=reply, member=fan)
        community_actions.give_reputation(post=reply, giver=fan, amount=1)
    # 1: the thread with its forum and poll (none); 2: the posts with authors and editors
    with django_assert_num_queries(2):
        html = client.get(thread.get_absolute_url()).text
    assert "5 members thanked Member_Two" in html and 'title="Reputation: 5"' in html


def test_recount_community_rebuilds_every_counter_from_its_rows(reply, member, poll, other_member):
    from django.core.management import call_command

    from community.models import Poll, PollOption

    community_actions.thank_post(post=reply, member=member)
    community_actions.give_reputation(post=reply, giver=member, amount=1)
    community_actions.vote(poll=poll, member=other_member, option_ids=[poll.options.first().pk])
    User.objects.update(reputation=7, unread_notice_count=9)
    Post.objects.update(thanks_count=0, thanked_by=[])
    Poll.objects.update(voter_count=5)
    PollOption.objects.update(vote_count=3)
    assert community_actions.recount() == {"members": 2, "posts": 1, "polls": 1}
    assert User.objects.get(pk=reply.author_id).reputation == 1
    assert User.objects.get(pk=reply.author_id).unread_notice_count == 2
    assert Post.objects.get(pk=reply.pk).thanked_by == [[member.pk, "Member_One"]]
    assert list(PollOption.objects.values_list("vote_count", flat=True)) == [1, 0, 0]
    out = io.StringIO()
    call_command("recount_community", stdout=out)
    assert "members: 0 fixed" in out.getvalue()
    assert community_actions.recount() == {"members": 0, "posts": 0, "polls": 0}
