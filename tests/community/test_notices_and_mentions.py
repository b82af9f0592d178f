"""The bell: notices for mentions, quotes, replies in followed threads, thanks and reputation;
@mentions linked and told only to members who may see the thread."""

import pytest
from django.core import mail

from accounts.models import User
from community import actions as community_actions
from community.mentions import link_mentions, mentioned_members, mentioned_names
from community.models import Notice, NoticeMail
from forum import actions
from forum.models import Post
from messaging import actions as messaging_actions
from tests.conftest import make_member


def bell(member) -> int:
    return User.objects.get(pk=member.pk).unread_notice_count


def test_a_mention_links_the_profile_and_rings_the_bell(
    client, thread, member, other_member, post_reply
):
    post = post_reply(other_member, thread, "Ask @Member_One about it")
    assert f'<a class="mention" href="/members/{member.pk}/">@Member_One</a>' in post.body_html
    assert bell(member) == 1
    notice = Notice.objects.get(recipient=member)
    assert (notice.kind, notice.actor, notice.post) == ("mention", other_member, post)
    client.force_login(member)
    html = client.get("/").text
    assert 'aria-label="1 unread">1</span>' in html
    assert "Member_Two mentioned you in Shin splints" in client.get("/notifications/").text


@pytest.mark.parametrize(
    "body",
    ['Hi @"Coach Dave", see this', "Hi [MENTION]Coach Dave[/MENTION]", "hi @coach dave"],
)
def test_names_with_spaces_are_mentioned_quoted_or_in_mention_tags(body, db):
    coach = make_member("Coach Dave")
    found = mentioned_members(body)
    assert found == ([coach] if "@coach dave" not in body else [])


def test_mentions_inside_quotes_code_and_addresses_are_left_alone(member, db):
    assert mentioned_names("[QUOTE=X;1]@Member_One[/QUOTE] mail me at a@Member_One.com") == []
    html = link_mentions("<pre><code>@Member_One</code></pre>", [member])
    assert html == "<pre><code>@Member_One</code></pre>"


def test_a_moderators_mention_in_a_removed_thread_sends_nothing(
    thread, member, superuser, post_reply
):
    moderator = superuser
    outsider = make_member("Outsider")
    actions.remove_thread(thread=thread, moderator=moderator, reason="spam")
    thread.refresh_from_db()
    post_reply(moderator, thread, "@Outsider and @Member_One")
    assert bell(outsider) == 0 and bell(member) == 0
    assert not Notice.objects.exists()


def test_a_mention_in_a_thread_visible_to_the_member_only_through_visible_to_is_honoured(
    thread, member, other_member, monkeypatch, post_reply
):
    """Eligibility goes through Thread.objects.visible_to: narrowing it (as per-forum
    permissions will) silences the mention."""
    from forum.models import ThreadQuerySet

    original = ThreadQuerySet.visible_to

    def hidden_from_member_one(self, user):
        shown = original(self, user)
        return shown.none() if user.pk == member.pk else shown

    monkeypatch.setattr(ThreadQuerySet, "visible_to", hidden_from_member_one)
    post_reply(other_member, thread, "@Member_One hello")
    assert bell(member) == 0
    assert not Notice.objects.filter(recipient=member).exists()


def test_at_most_a_few_members_are_mentioned_per_post(thread, other_member, settings, post_reply):
    settings.BOARD_MAX_MENTIONS = 3
    names = [make_member(f"Target{n}").username for n in range(6)]
    body = " ".join(f"@{name}" for name in names)
    post = post_reply(other_member, thread, body)
    assert post.body_html.count('class="mention"') == 3
    assert Notice.objects.filter(kind="mention").count() == 3


def test_a_quote_tells_the_quoted_author(thread, member, other_member, post_reply):
    first = thread.first_post
    body = f"[QUOTE=Member_One;{first.pk}]My shins hurt.[/QUOTE]\nStretch."
    Notice.objects.all().delete()
    post_reply(other_member, thread, body)
    notice = Notice.objects.get(recipient=member)
    assert notice.kind == "quote"  # not also a reply notice: one per post


def test_a_reply_in_a_followed_thread_rings_the_followers_bell_once(
    thread, member, other_member, post_reply
):
    # member started the thread and so follows it
    post_reply(other_member, thread, "First")
    assert Notice.objects.filter(recipient=member, kind="reply").count() == 1
    assert not Notice.objects.filter(recipient=other_member).exists()  # never one's own


def test_mark_all_read_empties_the_bell(client, thread, member, other_member, post_reply):
    post_reply(other_member, thread, "@Member_One one")
    post_reply(other_member, thread, "two")
    assert bell(member) == 2
    client.force_login(member)
    response = client.post("/notifications/read/", follow=True)
    assert "Marked 2 notifications read." in response.text
    assert bell(member) == 0
    assert 'unread">' not in response.text


def test_opening_a_notice_marks_it_read_and_goes_to_the_post(
    client, thread, member, other_member, post_reply
):
    post = post_reply(other_member, thread, "@Member_One see")
    notice = Notice.objects.get(recipient=member)
    client.force_login(member)
    assert client.post(f"/notifications/{notice.pk}/open/").url == post.location()
    assert bell(member) == 0
    client.force_login(other_member)
    assert client.post(f"/notifications/{notice.pk}/open/").status_code == 404


def test_notices_are_mailed_only_for_the_kinds_the_member_chose(
    client, thread, member, other_member, post_reply
):
    client.force_login(member)
    client.post("/notifications/settings/", {"kinds": ["mention"]})
    assert list(NoticeMail.objects.values_list("kind", flat=True)) == ["mention"]
    mail.outbox.clear()
    post_reply(other_member, thread, "@Member_One hi")
    mentions = [m for m in mail.outbox if "mentioned you" in m.subject]
    assert [m.to for m in mentions] == [["member_one@example.com"]]
    client.post("/notifications/settings/", {})  # every box unticked
    assert not NoticeMail.objects.exists()


def test_the_notice_page_runs_a_fixed_number_of_queries(
    client, thread, member, post_reply, django_assert_num_queries
):
    for n in range(5):
        post_reply(make_member(f"Poster{n}"), thread, "@Member_One x")
    client.force_login(member)
    # 1: session; 2: member; 3: the page of notices with actors, threads and posts
    with django_assert_num_queries(3):
        assert client.get("/notifications/").status_code == 200


@pytest.mark.parametrize("page", ["0", "abc", "2", "-1"])
def test_odd_notice_pages_are_not_found(member_client, page):
    assert member_client.get(f"/notifications/?page={page}").status_code == 404


def test_the_bell_shows_the_count_kept_on_the_members_row(member_client, member):
    User.objects.filter(pk=member.pk).update(unread_notice_count=3)
    html = member_client.get("/notifications/settings/").text
    assert 'aria-label="3 unread">3</span>' in html


def test_a_private_message_notice_has_a_hook(member, other_member):
    notice = community_actions.notify(
        recipient=member, kind=Notice.PRIVATE_MESSAGE, actor=other_member, url="/messages/1/"
    )
    assert notice.target() == "/messages/1/"
    assert notice.sentence() == "Member_Two sent you a private message"
    assert bell(member) == 1


def test_notices_about_a_thread_removed_since_are_no_longer_listed(
    client, thread, member, other_member, superuser, post_reply
):
    post_reply(other_member, thread, "@Member_One look")
    actions.remove_thread(thread=thread, moderator=superuser, reason="Off topic")
    client.force_login(member)
    html = client.get("/notifications/").text
    assert "Shin splints" not in html and "No notifications yet" in html


def test_replies_are_not_offered_by_mail_twice(member_client):
    response = member_client.post("/notifications/settings/", {"kinds": ["reply"]})
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not NoticeMail.objects.exists()


def test_notices_about_a_post_removed_since_are_no_longer_listed(
    client, thread, member, other_member, superuser, post_reply
):
    spam = post_reply(other_member, thread, "@Member_One buy cheap watches")
    actions.remove_post(post=spam, moderator=superuser, reason="Spam")
    client.force_login(member)
    html = client.get("/notifications/").text
    assert "Member_Two mentioned you" not in html and "No notifications yet" in html


def test_an_ignored_member_rings_no_bell_and_sends_no_mail_to_the_ignorer(
    member, other_member, thread, post_reply, django_capture_on_commit_callbacks
):
    NoticeMail.objects.bulk_create(
        NoticeMail(member=member, kind=kind) for kind in (Notice.MENTION, Notice.QUOTE)
    )
    messaging_actions.ignore_member(member=member, ignored=other_member)
    first = Post.objects.get(pk=thread.first_post_id)  # as a page loads it, author and all
    post = post_reply(
        other_member, thread, f"@Member_One [QUOTE=Member_One;{first.pk}]My shins hurt.[/QUOTE]"
    )
    with django_capture_on_commit_callbacks(execute=True):
        community_actions.thank_post(post=first, member=other_member)
        community_actions.give_reputation(post=first, giver=other_member, amount=-1)
    assert post.pk and not Notice.objects.filter(recipient=member).exists()
    assert bell(member) == 0 and mail.outbox == []


def test_a_mention_that_ends_a_sentence_is_linked_without_the_full_stop(member, db):
    html = link_mentions("Ask @Member_One. Or @Member_One-", [member])
    link = f'<a class="mention" href="/members/{member.pk}/">@Member_One</a>'
    assert html == f"Ask {link}. Or {link}-"
