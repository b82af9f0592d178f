"""No one outside a conversation reads it by any address: a guest, another member, a moderator
without a report, an admin in the admin. Moderators read a reported message alone, logged."""

import pytest
from django.contrib import admin
from django.test import Client

from messaging import actions
from messaging.models import ReportRead
from tests.conftest import make_member
from tests.moderation.conftest import make_moderator

SECRET = "Hi <strong>Two</strong>!"
# Every address that shows or changes a conversation; {c} the conversation, {m} its message.
READS = [
    "/messages/{c}/",
    "/messages/{c}/?quote={m}",
    "/messages/{c}/?page=1",
    "/messages/message/{m}/report/",
]
WRITES = [
    ("/messages/{c}/", {"body": "Let me in"}),
    ("/messages/{c}/add/", {"username": "Outsider"}),
    ("/messages/{c}/leave/", {}),
    ("/messages/{c}/delete/", {}),
    ("/messages/{c}/mark/", {"state": "unread"}),
    ("/messages/message/{m}/report/", {"reason": "Nosy"}),
]


def fill(url, conversation):
    return url.format(c=conversation.pk, m=conversation.last_message_id)


@pytest.fixture
def outsiders(db, forum):
    return {
        "member": make_member("Outsider"),
        "forum moderator": make_moderator("Forum_Mod", forums=[forum]),
        "board moderator": make_moderator("Board_Mod"),
    }


@pytest.mark.parametrize("url", READS + ["/messages/", "/messages/sent/"])
def test_a_guest_is_sent_to_log_in(client, conversation, url):
    response = client.get(fill(url, conversation))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("url", "data"), WRITES)
def test_a_guest_changes_nothing(client, conversation, url, data):
    response = client.post(fill(url, conversation), data)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert conversation.messages.count() == 1 and conversation.participants.count() == 2


@pytest.mark.parametrize("who", ["member", "forum moderator", "board moderator"])
@pytest.mark.parametrize("url", READS)
def test_outsiders_get_the_404_page_at_every_address(client, conversation, outsiders, who, url):
    client.force_login(outsiders[who])
    response = client.get(fill(url, conversation))
    assert response.status_code == 404 and SECRET not in response.content.decode()


@pytest.mark.parametrize("who", ["member", "forum moderator", "board moderator"])
@pytest.mark.parametrize(("url", "data"), WRITES)
def test_outsiders_change_nothing(client, conversation, outsiders, who, url, data):
    client.force_login(outsiders[who])
    assert client.post(fill(url, conversation), data).status_code == 404
    assert conversation.messages.count() == 1 and conversation.participants.count() == 2
    assert not conversation.messages.get().reports.exists()


def test_outsiders_inbox_and_sent_items_do_not_list_it(client, conversation, outsiders):
    for outsider in outsiders.values():
        client.force_login(outsider)
        assert "Training plan" not in client.get("/messages/").content.decode()
        assert "Training plan" not in client.get("/messages/sent/").content.decode()


def test_a_member_who_left_can_no_longer_read_it(client, other_member, conversation):
    client.force_login(other_member)
    client.post(f"/messages/{conversation.pk}/leave/")
    for url in READS:
        assert client.get(fill(url, conversation)).status_code == 404


def test_a_superuser_finds_no_conversation_or_message_in_the_admin(client, superuser):
    client.force_login(superuser)
    registered = {model._meta.label for model in admin.site._registry}
    assert "messaging.Conversation" not in registered and "messaging.Message" not in registered
    assert client.get("/admin/messaging/conversation/").status_code == 404
    assert client.get("/admin/messaging/message/").status_code == 404


@pytest.mark.parametrize("url", ["/admin/messaging/messagereport/", "/admin/messaging/reportread/"])
def test_report_admin_pages_are_for_superusers_only(client, conversation, outsiders, url):
    client.force_login(outsiders["board moderator"])
    assert client.get(url).status_code == 403
    client.force_login(outsiders["member"])
    assert client.get(url).status_code == 302


def test_moderators_see_no_report_pages_without_a_report_and_forum_moderators_none_at_all(
    client, other_member, conversation, outsiders
):
    client.force_login(outsiders["board moderator"])
    assert "No open reports." in client.get("/messages/reports/").content.decode()
    report = actions.report_message(
        message=conversation.last_message, reporter=other_member, reason="Rude"
    )
    for who in ("member", "forum moderator"):
        client.force_login(outsiders[who])
        assert client.get("/messages/reports/").status_code == 404
        assert client.get(f"/messages/reports/{report.pk}/").status_code == 404
    assert not ReportRead.objects.exists()


def test_a_reported_message_is_read_alone_by_a_moderator_and_every_read_is_logged(
    client, member, other_member, conversation, outsiders, superuser
):
    actions.reply(conversation=conversation, sender=member, body="Not reported, stays private")
    client.force_login(other_member)
    first = conversation.messages.get(number=1)
    response = client.post(f"/messages/message/{first.pk}/report/", {"reason": "Rude words"})
    assert response.status_code == 302
    moderator = outsiders["board moderator"]
    client.force_login(moderator)
    listing = client.get("/messages/reports/").content.decode()
    assert "Member_One" in listing and SECRET not in listing and not ReportRead.objects.exists()
    report = first.reports.get()
    page = client.get(f"/messages/reports/{report.pk}/").content.decode()
    assert SECRET in page and "Rude words" in page and "stays private" not in page
    client.get(f"/messages/reports/{report.pk}/")
    assert list(ReportRead.objects.values_list("moderator", flat=True)) == [moderator.pk] * 2
    # The conversation itself stays closed to the moderator.
    assert client.get(f"/messages/{conversation.pk}/").status_code == 404
    client.force_login(superuser)
    assert "Board_Mod" in client.get("/admin/messaging/reportread/").content.decode()


def test_resolving_takes_the_report_off_the_list(client, other_member, conversation, outsiders):
    report = actions.report_message(
        message=conversation.last_message, reporter=other_member, reason="Rude"
    )
    client.force_login(outsiders["board moderator"])
    client.post(f"/messages/reports/{report.pk}/")
    assert "No open reports." in client.get("/messages/reports/").content.decode()


def test_members_cannot_report_their_own_messages(client, member, conversation):
    client.force_login(member)
    assert (
        client.get(f"/messages/message/{conversation.last_message_id}/report/").status_code == 404
    )


@pytest.mark.parametrize("pk", ["999999", "0"])
def test_unknown_conversations_and_reports_are_the_404_page(client, member, outsiders, pk):
    client.force_login(member)
    assert client.get(f"/messages/{pk}/").status_code == 404
    client.force_login(outsiders["board moderator"])
    assert client.get(f"/messages/reports/{pk}/").status_code == 404


@pytest.mark.parametrize(("url", "data"), WRITES)
def test_every_conversation_post_needs_a_csrf_token(other_member, conversation, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_member)
    client.cookies["csrftoken"] = "abcdefghijklmnopqrstuvwxyzABCDEF"
    response = client.post(fill(url, conversation), data)
    assert response.status_code == 403 and b"CSRF" in response.content
    assert conversation.messages.count() == 1 and conversation.participants.count() == 2
    token = {"csrfmiddlewaretoken": "abcdefghijklmnopqrstuvwxyzABCDEF"}
    assert client.post(fill(url, conversation), {**data, **token}).status_code in (200, 302)


@pytest.mark.parametrize("url", READS[:3] + ["/messages/reports/"])
def test_conversation_pages_are_never_kept_by_shared_caches(
    client, other_member, conversation, outsiders, url
):
    client.force_login(outsiders["board moderator"] if "reports" in url else other_member)
    cache_control = client.get(fill(url, conversation))["Cache-Control"]
    assert "private" in cache_control or "no-store" in cache_control
