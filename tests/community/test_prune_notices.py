"""`manage.py prune_notices`: read notices older than BOARD_NOTICE_DAYS and "Moved:" stubs past
their end go; unread notices, recent ones and live stubs stay."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from community.models import MovedStub, Notice
from forum import actions
from forum.models import Forum


def prune() -> str:
    out = io.StringIO()
    call_command("prune_notices", stdout=out)
    return out.getvalue()


def notice(member, *, days_old: int, is_read: bool) -> Notice:
    return Notice.objects.create(
        recipient=member,
        kind=Notice.PRIVATE_MESSAGE,
        url="/messages/1/",
        is_read=is_read,
        created_at=timezone.now() - timedelta(days=days_old),
    )


def test_read_notices_older_than_the_setting_are_deleted_and_unread_ones_kept(member, settings):
    settings.BOARD_NOTICE_DAYS = 30
    old_read = notice(member, days_old=31, is_read=True)
    old_unread = notice(member, days_old=400, is_read=False)
    recent_read = notice(member, days_old=29, is_read=True)
    assert "Deleted 1 read notification older than 30 days" in prune()
    assert set(Notice.objects.all()) == {old_unread, recent_read}
    assert not Notice.objects.filter(pk=old_read.pk).exists()


def test_a_setting_of_zero_keeps_every_notice(member, settings):
    settings.BOARD_NOTICE_DAYS = 0
    notice(member, days_old=4000, is_read=True)
    prune()
    assert Notice.objects.count() == 1


def test_moved_stubs_past_their_end_are_deleted_and_live_ones_kept(
    forum, category, thread, superuser
):
    other = Forum.objects.create(category=category, name="Cardio", slug="cardio")
    actions.move_thread(thread=thread, moderator=superuser, to_forum=other)
    live = MovedStub.objects.get()
    second = actions.create_thread(forum=forum, author=superuser, title="Rowing", body="Row.")
    actions.move_thread(thread=second.thread, moderator=superuser, to_forum=other)
    MovedStub.objects.filter(thread=second.thread).update(expires_at=timezone.now())
    assert "and 1 expired moved stub." in prune()
    assert list(MovedStub.objects.all()) == [live]
