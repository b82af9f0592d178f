"""Reputation, thanks, polls, notices and Who's Online in "download my data" and in erasure
(accounts.personal_data)."""

from django.test import Client

from accounts import actions as account_actions
from accounts.personal_data import collect
from community import actions as community_actions
from community import online
from community.models import Notice, NoticeMail, PollBallot, Presence, Reputation
from forum.models import Post


def test_the_export_holds_reputation_both_ways_ballots_thanks_and_notices(
    member, other_member, thread, reply, poll
):
    community_actions.give_reputation(post=reply, giver=member, amount=1, comment="Good tip")
    community_actions.give_reputation(post=thread.first_post, giver=other_member, amount=-1)
    community_actions.thank_post(post=reply, member=member)
    community_actions.vote(poll=poll, member=member, option_ids=[poll.options.first().pk])
    community_actions.set_notice_mail(member=member, kinds=[Notice.MENTION])
    member.refresh_from_db()
    exported = collect(member)[0]["community"]
    assert exported["reputation_given"][0]["receiver"] == "Member_Two"
    assert exported["reputation_given"][0]["comment"] == "Good tip"
    assert (exported["reputation_received"][0]["giver"], exported["reputation"]) == (
        "Member_Two",
        -1,
    )
    assert exported["poll_votes"] == [
        {
            "poll": "Best cardio?",
            "thread": thread.pk,
            "chose": ["Rowing"],
            "at": exported["poll_votes"][0]["at"],
        }
    ]
    assert exported["thanks_given"][0]["post"] == reply.pk
    assert [notice["kind"] for notice in exported["notices"]] == [Notice.REPUTATION]
    assert exported["notices_by_mail"] == [Notice.MENTION]


def test_erasure_deletes_notices_mail_choices_and_the_online_entry(
    member, other_member, reply, thread, settings
):
    community_actions.give_reputation(post=thread.first_post, giver=other_member, amount=1)
    community_actions.set_notice_mail(member=member, kinds=[Notice.MENTION])
    settings.BOARD_ONLINE_FLUSH_SECONDS = 0
    as_member = Client()
    as_member.force_login(member)
    as_member.get("/notifications/settings/")
    assert Presence.objects.filter(member=member).exists()
    account_actions.erase_member(member=member, by=member)
    member.refresh_from_db()
    assert not Notice.objects.filter(recipient=member).exists()
    assert member.unread_notice_count == 0
    assert not NoticeMail.objects.filter(member=member).exists()
    assert not Presence.objects.filter(member=member).exists()
    # What counts for others stays, under the former name.
    assert Reputation.objects.get().receiver == member and member.reputation == 1


def test_an_erased_member_leaves_the_online_list_at_once(
    client, member, django_capture_on_commit_callbacks
):
    as_member = Client()
    as_member.force_login(member)
    as_member.get("/")  # noted in this process, not yet written
    with django_capture_on_commit_callbacks(execute=True):
        account_actions.erase_member(member=member, by=member)
    names = [row["username"] for row in online.summary()["members"]]
    assert "Member_One" not in names


def test_the_thanks_under_a_post_name_an_erased_thanker_by_the_former_name(member, reply, poll):
    community_actions.thank_post(post=reply, member=member)
    community_actions.vote(poll=poll, member=member, option_ids=[poll.options.first().pk])
    account_actions.erase_member(member=member, by=member)
    assert Post.objects.get(pk=reply.pk).thanked_by == [[member.pk, f"Former member #{member.pk}"]]
    assert PollBallot.objects.filter(member=member).exists()  # the poll's count stays true


def test_mentions_of_an_erased_member_stay_as_written_text_and_others_stay_links(
    member, other_member, third_member, thread, post_reply
):
    post = post_reply(other_member, thread, "Ask @Member_One and @Member_Three")
    assert f'href="/members/{member.pk}/">@Member_One</a>' in post.body_html
    account_actions.erase_member(member=member, by=member)
    post.refresh_from_db()
    assert f"/members/{member.pk}/" not in post.body_html
    assert "Ask @Member_One and " in post.body_html
    assert f'<a class="mention" href="/members/{third_member.pk}/">@Member_Three</a>' in (
        post.body_html
    )
    assert post.body == "Ask @Member_One and @Member_Three"
