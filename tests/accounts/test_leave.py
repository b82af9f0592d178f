import pytest
from django.db.models import ProtectedError
from django.test import Client

from accounts import actions as account_actions
from accounts.models import AccountEvent, AddressRecord, MemberSession, User
from following.models import Subscription
from forum import actions
from forum.models import Post

PASSWORD = "a-long-pass-42"


def leave(client, how, password=PASSWORD, confirm=""):
    return client.post("/accounts/leave/", {"how": how, "password": password, "confirm": confirm})


@pytest.fixture
def quoted(thread, member, other_member):
    """other_member quotes member's post #1 in a reply."""
    first = thread.first_post
    return actions.add_reply(
        thread=thread,
        author=other_member,
        body=f"[QUOTE=Member_One;{first.pk}]My shins hurt.[/QUOTE]\nMine too.",
    )


def test_closing_the_account_logs_out_and_logging_in_again_reopens_it(member_client, member):
    response = leave(member_client, "deactivate")
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active and member.deactivated_at
    assert member_client.get("/accounts/profile/").status_code == 302
    guest = Client()
    response = guest.post("/accounts/login/", {"username": "Member_One", "password": PASSWORD})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active and member.deactivated_at is None


def test_a_closed_account_does_not_reopen_with_a_wrong_password(member_client, member):
    leave(member_client, "deactivate")
    Client().post("/accounts/login/", {"username": "Member_One", "password": "wrong"})
    member.refresh_from_db()
    assert not member.is_active


def test_a_wrong_password_erases_nothing(member_client, member):
    response = leave(member_client, "erase", password="wrong", confirm="ERASE")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.erased_at is None and member.is_active


def test_erasing_needs_the_word_typed(member_client, member):
    assert leave(member_client, "erase").status_code == 200
    member.refresh_from_db()
    assert member.erased_at is None


@pytest.mark.parametrize("how", ["", "delete", "\x00"])
def test_a_bad_choice_gets_a_clear_error(member_client, member, how):
    assert leave(member_client, how).status_code == 200


def test_erasure_wipes_the_account_and_keeps_its_posts_under_a_former_name(
    member_client, member, quoted
):
    AddressRecord.note(member, "203.0.113.9", AddressRecord.LOGIN)
    Subscription.objects.get_or_create(user=member, thread=quoted.thread)
    User.objects.filter(pk=member.pk).update(location="Leeds", signature="Bye", first_name="Jo")
    leave(member_client, "erase", confirm="ERASE")
    member.refresh_from_db()
    assert member.username == f"Former member #{member.pk}"
    assert (member.email, member.location, member.signature, member.first_name) == ("",) * 4
    assert not member.has_usable_password() and not member.is_active
    assert not AddressRecord.objects.filter(member=member).exists()
    assert not MemberSession.objects.filter(member=member).exists()
    assert not Subscription.objects.filter(user=member).exists()
    assert Post.objects.filter(author=member, is_removed=False).count() == 1
    assert AccountEvent.objects.filter(member=member, kind=AccountEvent.ERASED).exists()


def test_erasure_wipes_the_addresses_from_the_account_log_and_drops_data_archives(
    member_client, member
):
    from accounts.models import DataExport, EmailChange

    EmailChange.objects.create(member=member, old_email=member.email, new_email="n@example.org")
    AccountEvent.objects.create(member=member, kind=AccountEvent.EMAIL_CHANGED, note="a to b")
    DataExport.objects.create(member=member, archive=b"zip")
    leave(member_client, "erase", confirm="ERASE")
    assert not DataExport.objects.filter(member=member).exists()
    assert not EmailChange.objects.filter(member=member, new_email="n@example.org").exists()
    assert AccountEvent.objects.get(kind=AccountEvent.EMAIL_CHANGED).note == ""


def test_a_quote_of_an_erased_member_keeps_its_text_under_the_former_name(
    member_client, member, quoted
):
    leave(member_client, "erase", confirm="ERASE")
    quoted.refresh_from_db()
    assert "My shins hurt." in quoted.body and "Mine too." in quoted.body
    assert "Member_One" not in quoted.body and "Member_One" not in quoted.body_html
    assert f"Former member #{member.pk}" in quoted.body_html


def test_the_board_may_remove_the_posts_of_an_erased_member(
    member_client, member, quoted, settings
):
    settings.BOARD_ERASURE_REMOVES_POSTS = True
    leave(member_client, "erase", confirm="ERASE")
    post = Post.objects.get(author=member)
    assert post.is_removed and post.body == "" and post.body_html == ""
    quoted.refresh_from_db()
    assert "My shins hurt." in quoted.body  # the quote keeps the text
    quoted.thread.refresh_from_db()
    assert quoted.thread.post_count == 1


def test_deleting_a_member_who_posted_is_still_refused(member, thread):
    with pytest.raises(ProtectedError):
        member.delete()


def test_a_superuser_erases_a_member_from_the_admin(client, superuser, member, thread):
    client.force_login(superuser)
    data = {"action": "erase", "_selected_action": [member.pk]}
    response = client.post("/admin/accounts/user/", data)
    assert response.status_code == 200  # the confirmation step
    member.refresh_from_db()
    assert member.erased_at is None
    client.post("/admin/accounts/user/", {**data, "apply": "1", "understood": "on"})
    member.refresh_from_db()
    assert member.erased_at is not None
    event = AccountEvent.objects.get(member=member, kind=AccountEvent.ERASED)
    assert event.by == superuser


def test_erasing_twice_changes_nothing_more(member, superuser):
    account_actions.erase_member(member=member, by=superuser)
    account_actions.erase_member(member=member, by=superuser)
    assert AccountEvent.objects.filter(member=member, kind=AccountEvent.ERASED).count() == 1


def test_the_leave_page_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries
):
    member_client.get("/accounts/leave/")
    with django_assert_num_queries(2):  # session, member
        assert member_client.get("/accounts/leave/").status_code == 200


def test_an_erased_members_posts_show_the_former_name_without_a_dead_profile_link(
    member_client, member, quoted, other_member
):
    leave(member_client, "erase", confirm="ERASE")
    reader = Client()
    reader.force_login(other_member)
    page = reader.get(quoted.thread.get_absolute_url()).content.decode()
    assert f'<span class="postbit-name" id="post{quoted.thread.first_post_id}-author">' in page
    assert f"Former member #{member.pk}" in page and "Member_One" not in page


def test_the_only_superuser_may_not_leave(client, superuser):
    client.force_login(superuser)
    response = leave(client, "deactivate")
    assert "only superuser" in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.is_active
