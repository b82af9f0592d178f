"""Account mail (confirmation, password reset) as tasks: the request never waits for SMTP."""

import re

from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User

PASSWORD = "treadmill-2007-hiit"


def test_registration_succeeds_with_the_mail_server_down_and_the_mail_follows(
    client, db, settings, run_tasks, mail_server_down
):
    settings.BOARD_REQUIRE_EMAIL_CONFIRMATION = True
    response = client.post(
        "/accounts/register/",
        {"username": "Patient One", "email": "patient@example.com",
         "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    assert "a link is on its way to you" in response.text
    member = User.objects.get(username="Patient One")
    assert response.context["user"] == member
    task = DBTaskResult.objects.get(task_path="accounts.mail.send_confirmation_mail")
    assert task.args_kwargs["args"] == [member.pk, "http://testserver/"]  # no token waits here

    run_tasks()
    task.refresh_from_db()
    assert task.status == "FAILED" and "attempt 1 of 5 failed, next at" in task.traceback
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_tasks()
    assert [m.to for m in mail.outbox] == [["patient@example.com"]]
    link = re.search(r"http://testserver(/accounts/confirm/\S+/)", mail.outbox[0].body).group(1)
    client.get(link)
    member.refresh_from_db()
    assert member.email_confirmed


def test_a_password_reset_is_mailed_by_the_worker_with_a_token_made_at_sending(
    client, member, run_tasks
):
    response = client.post("/accounts/password/reset/", {"email": "MEMBER_ONE@example.com"})
    assert response.status_code == 302 and mail.outbox == []
    task = DBTaskResult.objects.get(task_path="accounts.mail.send_password_reset_mail")
    assert task.args_kwargs["args"] == [member.pk, "http://testserver"]
    run_tasks()
    assert [m.to for m in mail.outbox] == [["member_one@example.com"]]
    assert mail.outbox[0].subject == "Reset your password"
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200 and "new_password1" in form.text
