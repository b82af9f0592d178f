"""Fixed query counts of the private message pages, whatever they list, and none added to the
board's pages by the header's unread count or the ignore list."""

import pytest

from messaging import actions
from messaging.models import MessageReport, Participant
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator


@pytest.fixture(params=["no cache", "local memory"])
def caching(request, settings):
    if request.param == "local memory":
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.parametrize("count", [1, 12])
def test_the_inbox_runs_five_queries_whatever_it_lists(
    client, django_assert_num_queries, caching, member, count
):
    for n in range(count):
        others = [make_member(f"Friend{n}a"), make_member(f"Friend{n}b")]
        actions.start_conversation(sender=member, recipients=others, subject=f"S{n}", body="x")
    client.force_login(member)
    # 1 session; 2 member; 3 how many conversations they keep; 4 the page of them with their
    # last messages and authors; 5 who is in each.
    with django_assert_num_queries(5):
        response = client.get("/messages/")
    assert response.content.decode().count("Friend") == 2 * count


@pytest.mark.parametrize("count", [1, 15])
def test_a_conversation_page_runs_five_queries_when_read_and_nine_when_unread(
    client, django_assert_num_queries, caching, member, other_member, count
):
    conversation = actions.start_conversation(
        sender=member, recipients=[other_member], subject="Long", body="first"
    ).conversation
    for n in range(count - 1):
        actions.reply(conversation=conversation, sender=member, body=f"m{n}")
    client.force_login(other_member)
    # 1 session; 2 member; 3 their place with the conversation; 4 the page of messages with
    # authors; 5 who is in it; reading the unread part: 6 the member's row locked, 7 the place
    # read, 8 its bell notice read, 9 the member's counts, in a savepoint here (a transaction
    # in production): +2.
    with django_assert_num_queries(11):
        response = client.get(f"/messages/{conversation.pk}/")
    assert response.content.decode().count('class="postbit"') == count
    assert not Participant.objects.get(user=other_member).is_unread
    with django_assert_num_queries(5):
        client.get(f"/messages/{conversation.pk}/")


def test_sent_items_run_four_queries(client, django_assert_num_queries, member, other_member):
    for _ in range(3):
        actions.start_conversation(sender=member, recipients=[other_member], subject="s", body="b")
    client.force_login(member)
    # 1 session; 2 member; 3 the count; 4 the page of messages with their conversations.
    with django_assert_num_queries(4):
        client.get("/messages/sent/")


def test_the_header_count_and_the_ignore_list_add_no_query_to_a_thread_page(
    client, django_assert_num_queries, thread, member, other_member
):
    actions.start_conversation(sender=other_member, recipients=[member], subject="s", body="b")
    actions.ignore_member(member=member, ignored=other_member)
    client.force_login(member)
    client.get(thread.get_absolute_url())  # moves the read mark once
    # As pinned in tests/forum: session, member, thread, posts, read mark and subscription.
    with django_assert_num_queries(5):
        page = client.get(thread.get_absolute_url()).content.decode()
    assert 'pm-unread">1<' in page


def test_the_report_pages_run_six_queries(
    client, django_assert_num_queries, member, other_member, conversation
):
    report = actions.report_message(
        message=conversation.last_message, reporter=other_member, reason="Rude"
    )
    client.force_login(make_moderator("Board_Mod"))
    # 1 session; 2 member; 3 their moderator scope; 4 the count; 5 the page with the
    # message's author and the reporter; 6 the header's moderation queue count (kept in the
    # shared cache when there is one, as on every moderator's page).
    with django_assert_num_queries(6):
        client.get("/messages/reports/")
    # 1 session; 2 member; 3 scope; 4 the report with its message, conversation, author and
    # reporter; 5 the read logged; 6 the header's queue count.
    with django_assert_num_queries(6):
        client.get(f"/messages/reports/{report.pk}/")
    assert MessageReport.objects.get().reads.count() == 1


def test_the_contacts_and_ignore_list_page_runs_four_queries(
    client, django_assert_num_queries, member, other_member
):
    member.contacts.add(other_member)
    client.force_login(member)
    # 1 session; 2 member; 3 contacts; 4 ignored members.
    with django_assert_num_queries(4):
        client.get("/messages/lists/")
