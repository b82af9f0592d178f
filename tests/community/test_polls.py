"""Polls: made by the thread's starter, one ballot per member (the database's rule), results as
bars, closed with the thread or at their date."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from accounts.models import User
from community import actions as community_actions
from community.models import Poll, PollBallot, PollOption
from forum import actions
from forum.models import Category, Forum, Thread


def vote_url(poll):
    return f"/polls/{poll.pk}/vote/"


def option_pk(poll, text):
    return PollOption.objects.get(poll=poll, text=text).pk


def test_a_member_votes_once_and_the_results_show_bars_with_percentages(client, poll, other_member):
    client.force_login(other_member)
    response = client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")})
    assert response.status_code == 302
    html = client.get(poll.thread.get_absolute_url()).text
    assert "Voters: 1." in html
    assert "Rowing <strong>(your vote)</strong>" in html
    assert 'aria-valuenow="100"' in html and "1 vote, 100%" in html
    assert "Vote Now" not in html


def test_a_second_vote_is_refused_and_counts_nothing(client, poll, other_member):
    client.force_login(other_member)
    client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")})
    response = client.post(vote_url(poll), {"option": option_pk(poll, "Running")}, follow=True)
    assert "You have already voted in this poll." in response.text
    poll.refresh_from_db()
    assert poll.voter_count == 1
    assert PollOption.objects.get(pk=option_pk(poll, "Running")).vote_count == 0


def test_the_database_refuses_a_second_ballot_even_without_the_action(poll, other_member):
    PollBallot.objects.create(poll=poll, member=other_member)
    with pytest.raises(IntegrityError):
        PollBallot.objects.create(poll=poll, member=other_member)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_vote_requests_make_one_ballot_per_member_and_exact_counts(at_once):
    """Four members each send the vote three times at the same instant (double clicks, resent
    forms): the unique constraint keeps one ballot each, and the counters match."""
    category = Category.objects.create(name="C", slug="c")
    forum = Forum.objects.create(category=category, name="F", slug="f")
    starter = User.objects.create_user("Starter", "starter@example.com", "a-long-pass-42")
    thread = actions.create_thread(forum=forum, author=starter, title="Poll", body="x").thread
    poll = community_actions.create_poll(thread=thread, question="Q?", options=["A", "B"])
    option = PollOption.objects.get(poll=poll, text="A")
    clients = []
    for n in range(4):
        voter = User.objects.create_user(f"Voter{n}", f"voter{n}@example.com", "pw")
        for _ in range(3):
            client = Client()
            client.force_login(voter)
            clients.append(client)
    statuses = []

    def vote(client):
        statuses.append(client.post(vote_url(poll), {"option": option.pk}).status_code)

    errors = at_once([lambda client=client: vote(client) for client in clients])
    assert errors == []
    assert statuses == [302] * 12  # the refused ones are told so on the thread page
    assert PollBallot.objects.filter(poll=poll).count() == 4
    assert Poll.objects.get(pk=poll.pk).voter_count == 4
    assert PollOption.objects.get(pk=option.pk).vote_count == 4
    assert community_actions.recount()["polls"] == 0


def test_a_single_choice_poll_refuses_two_options(client, poll, other_member):
    client.force_login(other_member)
    chosen = [option_pk(poll, "Rowing"), option_pk(poll, "Running")]
    response = client.post(vote_url(poll), {"option": chosen}, follow=True)
    assert "This poll takes one choice only." in response.text
    assert not PollBallot.objects.exists()


def test_a_multiple_choice_poll_counts_each_option_and_one_voter(client, thread, other_member):
    poll = community_actions.create_poll(
        thread=thread, question="Which?", options=["A", "B", "C"], is_multiple=True
    )
    client.force_login(other_member)
    client.post(vote_url(poll), {"option": [option_pk(poll, "A"), option_pk(poll, "C")]})
    poll.refresh_from_db()
    counts = dict(PollOption.objects.filter(poll=poll).values_list("text", "vote_count"))
    assert (poll.voter_count, counts) == (1, {"A": 1, "B": 0, "C": 1})


@pytest.mark.parametrize("option", ["", "abc", "-1", "99999999999999999999", "\x00"])
def test_a_vote_with_no_valid_option_says_so(client, poll, other_member, option):
    client.force_login(other_member)
    response = client.post(vote_url(poll), {"option": option}, follow=True)
    assert response.status_code == 200
    assert "Choose an option to vote." in response.text


def test_an_option_of_another_poll_is_not_counted(client, poll, other_member, forum, member):
    other = actions.create_thread(forum=forum, author=member, title="Other", body="x").thread
    other_poll = community_actions.create_poll(thread=other, question="Q?", options=["X", "Y"])
    client.force_login(other_member)
    client.post(vote_url(poll), {"option": option_pk(other_poll, "X")})
    assert not PollBallot.objects.exists()


def test_a_poll_closes_at_its_date(client, poll, other_member):
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    client.force_login(other_member)
    response = client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")}, follow=True)
    assert "This poll is closed." in response.text
    assert not PollBallot.objects.exists()


def test_a_poll_closes_with_its_thread(client, poll, other_member):
    Thread.objects.filter(pk=poll.thread_id).update(is_locked=True)
    client.force_login(other_member)
    response = client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")}, follow=True)
    assert "This poll is closed." in response.text


def test_a_member_awaiting_email_confirmation_may_not_vote(client, settings, poll, other_member):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    User.objects.filter(pk=other_member.pk).update(email_confirmed=False)
    client.force_login(other_member)
    response = client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")}, follow=True)
    assert "Confirm your email address before voting" in response.text
    assert not PollBallot.objects.exists()


def test_a_visitor_is_sent_to_log_in_and_sees_the_results(client, poll):
    assert client.post(vote_url(poll), {"option": "1"}).url.startswith("/accounts/login/")
    html = client.get(poll.thread.get_absolute_url()).text
    assert "Poll: Best cardio?" in html and "to vote." in html


def test_a_poll_in_a_thread_the_member_may_not_see_is_not_found(client, poll, other_member):
    Thread.objects.filter(pk=poll.thread_id).update(is_removed=True)
    client.force_login(other_member)
    assert client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")}).status_code == 404
    assert client.get(f"/polls/{poll.pk}/voters/").status_code == 404


def test_voting_needs_a_post(client, poll, other_member):
    client.force_login(other_member)
    assert client.get(vote_url(poll)).status_code == 405


def test_a_public_poll_lists_its_voters_and_a_private_one_does_not(client, poll, other_member):
    community_actions.vote(poll=poll, member=other_member, option_ids=[option_pk(poll, "Rowing")])
    assert client.get(f"/polls/{poll.pk}/voters/").status_code == 404
    Poll.objects.filter(pk=poll.pk).update(is_public=True)
    html = client.get(f"/polls/{poll.pk}/voters/").text
    assert "Member_Two" in html


def test_the_starter_adds_a_poll_after_starting_the_thread(member_client, forum):
    response = member_client.post(
        "/forums/running/new-thread/",
        {"title": "Vote", "body": "Which one?", "with_poll": "on"},
    )
    thread = Thread.objects.get(title="Vote")
    assert response.url == f"/threads/{thread.pk}/poll/new/"
    response = member_client.post(
        response.url,
        {"question": "Pick", "options": "One\r\nTwo\r\n\r\nThree", "closes_in_days": "3"},
    )
    poll = Poll.objects.get(thread=thread)
    assert list(poll.options.values_list("text", flat=True)) == ["One", "Two", "Three"]
    assert poll.closes_at > timezone.now() + timedelta(days=2)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("Only one", "A poll needs 2 to 20 options"),
        ("\n".join(f"O{n}" for n in range(21)), "A poll needs 2 to 20 options"),
        ("Same\nsame", "Each option of a poll must differ"),
        ("Fine\nBad\u202eone", "direction"),
        ("x" * 201 + "\nshort", "too long"),
    ],
)
def test_poll_options_are_checked(member_client, thread, options, message):
    response = member_client.post(
        f"/threads/{thread.pk}/poll/new/",
        {"question": "Q", "options": options, "closes_in_days": "0"},
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Poll.objects.exists()


def test_only_the_starter_adds_a_poll(client, thread, other_member):
    client.force_login(other_member)
    assert client.get(f"/threads/{thread.pk}/poll/new/").status_code == 403


def test_a_thread_page_with_a_poll_costs_one_query_more_and_a_member_two(
    client, poll, other_member, django_assert_num_queries
):
    url = poll.thread.get_absolute_url()
    # 1: the thread with its forum and poll; 2: the posts; 3: the poll's options
    with django_assert_num_queries(3):
        assert client.get(url).status_code == 200
    client.force_login(other_member)
    client.get(url)
    # 1: session; 2: member; 3: thread and poll; 4: posts; 5: read mark and subscription;
    # 6: the poll's options; 7: the member's own choices
    with django_assert_num_queries(7):
        assert client.get(url).status_code == 200


def test_polls_can_be_turned_off(client, settings, poll, other_member):
    settings.BOARD_POLLS = False
    assert "Best cardio?" not in client.get(poll.thread.get_absolute_url()).text
    client.force_login(other_member)
    assert client.post(vote_url(poll), {"option": option_pk(poll, "Rowing")}).status_code == 404


def test_no_poll_is_added_to_a_closed_thread_or_a_second_time(member_client, thread, poll):
    response = member_client.get(f"/threads/{thread.pk}/poll/new/", follow=True)
    assert "closed or already has a poll" in response.text
    Poll.objects.all().delete()
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    assert member_client.get(f"/threads/{thread.pk}/poll/new/").status_code == 302


def test_with_the_page_cache_on_a_members_poll_costs_only_their_own_choices(
    client, poll, other_member, settings, django_assert_num_queries
):
    settings.BOARD_PAGE_CACHE_SECONDS = 300  # shared data kept in the (local memory) cache
    url = poll.thread.get_absolute_url()
    client.force_login(other_member)
    client.get(url)
    # 1: session; 2: member; 3: read mark and subscription; 4: the member's own choices (the
    # thread, its poll, posts and options come from the shared cache)
    with django_assert_num_queries(4):
        assert "Vote Now" in client.get(url).text
    client.post(vote_url(poll), {"option": option_pk(poll, "Running")})
    assert "Running <strong>(your vote)</strong>" in client.get(url).text
