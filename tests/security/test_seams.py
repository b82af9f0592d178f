"""Where one feature's page reaches what another protects: closed and erased members on Who's
Online and in their avatar, notice mail after access is lost, and the second factor when a
closed account is reopened."""

import io

import pytest
from django.core import mail
from django.test import Client
from PIL import Image

from accounts import actions as account_actions
from accounts.models import User
from community import actions as community_actions
from community import online
from community.models import Notice, NoticeMail, Presence
from forum import actions
from forum.models import Forum, Post, Thread
from pictures import actions as picture_actions

PASSWORD = "a-long-pass-42"


def image_bytes(kind: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind)
    return out.getvalue()


@pytest.fixture(autouse=True)
def fresh_online():
    online.forget_noted()
    yield
    online.forget_noted()


def seen_online(member) -> None:
    reader = Client()
    reader.force_login(member)
    reader.get("/")
    online.flush()


def test_an_erased_member_is_gone_from_whos_online_and_the_index(client, member, superuser):
    seen_online(member)
    assert "Member_One" in client.get("/online/").text
    account_actions.erase_member(member=member, by=superuser)
    online.flush()
    assert not Presence.objects.filter(member=member).exists()
    for page in ("/online/", "/"):
        html = client.get(page).text
        assert "Member_One" not in html and f"Former member #{member.pk}" not in html


def test_a_closed_account_is_not_shown_online(client, member):
    seen_online(member)
    account_actions.deactivate_member(member=member, by=member)
    for page in ("/online/", "/"):
        assert "Member_One" not in client.get(page).text


def test_erasing_a_member_removes_their_avatar_and_its_files(
    client, member, superuser, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        picture_actions.set_avatar(
            member=member, content=image_bytes("PNG", size=(200, 200)), name="me.png"
        )
    url = f"/avatars/{member.pk}/{member.avatar_key}-list.webp"
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        account_actions.erase_member(member=member, by=superuser)
    member.refresh_from_db()
    assert member.avatar_key == ""
    assert client.get(url).status_code == 404


def test_a_notice_is_not_mailed_about_a_thread_the_member_may_no_longer_see(
    thread, member, other_member, superuser, run_tasks
):
    # other_member thanks member's post; before the mail goes, the thread moves to staff only.
    NoticeMail.objects.create(member=member, kind=Notice.THANKS)
    staff = Forum.objects.create(category=thread.forum.category, name="Staff", slug="staff")
    actions.apply_forum_preset(forums=[staff], preset="staff_only")
    community_actions.thank_post(post=thread.first_post, member=other_member)
    actions.move_thread(thread=thread, moderator=superuser, to_forum=staff)
    mail.outbox.clear()
    run_tasks()
    assert not [m for m in mail.outbox if thread.title in m.subject + m.body]


def test_an_erased_members_name_leaves_the_thanks_under_posts(client, thread, member, other_member):
    community_actions.thank_post(post=thread.first_post, member=other_member)
    assert "Member_Two" in client.get(thread.get_absolute_url()).text
    account_actions.erase_member(member=other_member, by=other_member)
    thread.first_post.refresh_from_db()
    assert thread.first_post.thanked_by == [[other_member.pk, f"Former member #{other_member.pk}"]]


def closed_with_two_factor(member):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=member, name="authenticator", confirmed=True)
    User.objects.filter(pk=member.pk).update(has_two_factor=True)
    member.refresh_from_db()
    account_actions.deactivate_member(member=member, by=member)
    return device


def test_a_closed_account_with_two_factor_reopens_only_after_the_code(member):
    from django_otp.oath import TOTP

    device = closed_with_two_factor(member)
    guest = Client()
    response = guest.post("/accounts/login/", {"username": "Member_One", "password": PASSWORD})
    assert response.url == "/accounts/login/code/"
    member.refresh_from_db()
    assert not member.is_active  # the password alone reopens nothing
    assert guest.get("/accounts/profile/").status_code == 302
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = guest.post("/accounts/login/code/", {"code": f"{totp.token():06d}"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active and member.deactivated_at is None
    assert guest.get("/accounts/profile/").status_code == 200


def test_the_admin_login_reopens_no_closed_account_with_two_factor(member):
    closed_with_two_factor(member)
    User.objects.filter(pk=member.pk).update(is_staff=True)
    guest = Client()
    guest.post("/admin/login/", {"username": "Member_One", "password": PASSWORD})
    member.refresh_from_db()
    assert not member.is_active
    assert guest.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize("how", ["mention", "quote", "thanks", "reputation"])
def test_a_member_on_the_ignore_list_rings_no_bell_and_sends_no_mail(
    thread, member, other_member, django_capture_on_commit_callbacks, how
):
    from messaging import actions as messaging_actions

    messaging_actions.ignore_member(member=member, ignored=other_member)
    for kind, _ in Notice.KINDS:
        NoticeMail.objects.create(member=member, kind=kind)
    mail.outbox.clear()
    first = Post.objects.select_related("author").get(pk=thread.first_post.pk)  # as views load it
    with django_capture_on_commit_callbacks(execute=True):
        if how == "mention":
            actions.add_reply(thread=thread, author=other_member, body="@Member_One hi")
        elif how == "quote":
            body = f"[QUOTE=Member_One;{first.pk}]x[/QUOTE] no"
            actions.add_reply(thread=thread, author=other_member, body=body)
        elif how == "thanks":
            community_actions.thank_post(post=first, member=other_member)
        else:
            community_actions.give_reputation(post=first, giver=other_member, amount=-1)
    assert not Notice.objects.filter(recipient=member).exists()
    member.refresh_from_db()
    assert member.unread_notice_count == 0
    assert not [m for m in mail.outbox if member.email in m.to]


def test_a_thread_starter_adds_no_poll_where_they_may_no_longer_post(client, thread, member):
    # The member's thread's forum became read-only (an announcements forum): as with a reply,
    # the starter may no longer add to it, a poll included.
    actions.apply_forum_preset(forums=[thread.forum], preset="read_only")
    client.force_login(member)
    data = {"question": "Best?", "options": "A\nB", "closes_in_days": "0"}
    response = client.post(f"/threads/{thread.pk}/poll/new/", data)
    assert response.status_code == 403
    assert not hasattr(Thread.objects.select_related("poll").get(pk=thread.pk), "poll")


def test_erasure_that_removes_posts_deletes_their_attachments_and_files(
    thread, other_member, settings, django_capture_on_commit_callbacks
):
    from django.core.files.storage import storages

    from pictures.images import prepare
    from pictures.models import Attachment

    settings.BOARD_ERASURE_REMOVES_POSTS = True
    reply = actions.add_reply(thread=thread, author=other_member, body="My plan")
    (plan,) = picture_actions.attach(
        post=reply, member=other_member, files=[prepare(b"5x5\n", "plan.txt")]
    )
    with django_capture_on_commit_callbacks(execute=True):
        account_actions.erase_member(member=other_member, by=other_member)
    assert not Attachment.objects.filter(owner=other_member).exists()
    assert not storages["default"].exists(plan.stored_name)


def test_the_poll_reputation_and_attachment_admins_keep_a_moderator_to_their_forums(
    client, thread, member, other_member, superuser
):
    from django.contrib.auth.models import Permission

    from pictures.images import prepare

    staff = Forum.objects.create(category=thread.forum.category, name="Staff", slug="staff")
    actions.apply_forum_preset(forums=[staff], preset="staff_only")
    secret = actions.create_thread(forum=staff, author=superuser, title="Zebra payroll", body="x")
    community_actions.create_poll(thread=secret.thread, question="Zebra raise?", options=["Y", "N"])
    community_actions.give_reputation(post=secret, giver=other_member, amount=1, comment="Zebra")
    picture_actions.attach(post=secret, member=superuser, files=[prepare(b"x", "zebra.txt")])
    # A moderator of the public forum only, given the view permissions on these admins.
    moderator = User.objects.create_user("Mod", "mod@example.com", PASSWORD, is_staff=True)
    thread.forum.moderators.add(moderator)
    codenames = ["view_poll", "view_reputation", "view_attachment"]
    moderator.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client.force_login(moderator)
    for page in ("community/poll", "community/reputation", "pictures/attachment"):
        response = client.get(f"/admin/{page}/")
        assert response.status_code == 200
        assert "Zebra" not in response.text and "zebra" not in response.text
