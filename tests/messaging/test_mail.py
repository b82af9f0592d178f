"""Mail about new messages: through the task worker, once per conversation until read, never
about an ignored member, with a signed one-click way out."""

import re

from django.core import mail
from django.test import Client
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from messaging import actions
from messaging.models import Participant


def send(sender, recipients, body="Private words", capture=None):
    with capture(execute=True):
        return actions.start_conversation(
            sender=sender, recipients=recipients, subject="Plans", body=body
        )


def reply(conversation, sender, body, capture):
    with capture(execute=True):
        return actions.reply(conversation=conversation, sender=sender, body=body)


def test_a_new_message_mails_the_recipient_once_until_they_read_it(
    client, member, other_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    conversation = send(member, [other_member], capture=django_capture_on_commit_callbacks)
    conversation = conversation.conversation
    assert [m.to for m in mail.outbox] == [["member_two@example.com"]]
    assert "Member_One sent you a private message" in mail.outbox[0].body
    assert mail.outbox[0].subject == "New private message: Plans"
    assert "Private words" not in mail.outbox[0].body  # the text stays on the board
    reply(conversation, member, "Second", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    client.force_login(other_member)
    client.get(f"/messages/{conversation.pk}/")
    reply(conversation, member, "Third", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_the_mail_is_a_task_that_survives_until_a_worker_runs_it(run_tasks, member, other_member):
    DBTaskResult.objects.all().delete()
    mail.outbox.clear()
    actions.start_conversation(sender=member, recipients=[other_member], subject="s", body="b")
    assert mail.outbox == [] and DBTaskResult.objects.ready().count() == 1
    run_tasks()
    assert len(mail.outbox) == 1
    place = Participant.objects.get(user=other_member)
    assert place.mail_sent_at is not None


def test_a_task_run_twice_sends_once(run_tasks, member, other_member):
    from messaging.notifications import send_message_mail

    message = actions.start_conversation(
        sender=member, recipients=[other_member], subject="s", body="b"
    )
    run_tasks()
    place = Participant.objects.get(user=other_member)
    assert send_message_mail.call(place.pk, message.pk) == "not sent: already sent"
    assert len(mail.outbox) == 1


def test_no_mail_when_read_before_the_worker_runs(run_tasks, client, member, other_member):
    mail.outbox.clear()
    message = actions.start_conversation(
        sender=member, recipients=[other_member], subject="s", body="b"
    )
    client.force_login(other_member)
    client.get(f"/messages/{message.conversation_id}/")
    run_tasks()
    assert mail.outbox == []


def test_members_who_turned_the_mail_off_get_none(
    member, other_member, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=other_member.pk).update(mail_on_message=False)
    mail.outbox.clear()
    send(member, [User.objects.get(pk=other_member.pk)], capture=django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_an_ignored_members_group_replies_mail_nobody_who_ignores_them(
    member, other_member, third_member, django_capture_on_commit_callbacks
):
    conversation = send(
        member, [other_member, third_member], capture=django_capture_on_commit_callbacks
    ).conversation
    actions.ignore_member(member=other_member, ignored=third_member)
    for place in Participant.objects.all():
        actions.mark_read(place=place, through=1)
    mail.outbox.clear()
    reply(conversation, third_member, "Hi from Three", django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["member_one@example.com"]]


def test_the_unsubscribe_link_turns_the_mail_off_in_one_click_logged_out(
    member, other_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    send(member, [other_member], capture=django_capture_on_commit_callbacks)
    sent = mail.outbox[0]
    path = re.search(r"http://127\.0\.0\.1:8000(/messages/unsubscribe/\S+/)", sent.body).group(1)
    assert sent.extra_headers["List-Unsubscribe"].endswith(f"{path}>")
    visitor = Client(enforce_csrf_checks=True)
    assert "Stop mail about private messages?" in visitor.get(path).content.decode()
    assert User.objects.get(pk=other_member.pk).mail_on_message  # a GET changes nothing
    assert visitor.post(path).status_code == 200
    assert not User.objects.get(pk=other_member.pk).mail_on_message


def test_a_forged_or_foreign_unsubscribe_token_is_a_404(client, member):
    from django.core import signing

    from following.notifications import UNSUBSCRIBE_SALT

    assert client.get("/messages/unsubscribe/1:forged/").status_code == 404
    # A thread unsubscribe token (another salt) does not turn off message mail.
    token = signing.dumps(member.pk, salt=UNSUBSCRIBE_SALT)
    assert client.post(f"/messages/unsubscribe/{token}/").status_code == 404
    assert User.objects.get(pk=member.pk).mail_on_message
