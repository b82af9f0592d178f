"""Attachments on posts, through the board's pages: posting them, placing one with [ATTACH],
the limits, the downloads' headers, and who may fetch them."""

import pytest
from django.core.files.storage import storages

from forum import actions
from forum.models import Post
from pictures.models import Attachment


def post_reply(client, thread, body, *files):
    return client.post(
        f"/threads/{thread.pk}/reply/", {"body": body, "attachments": list(files)}, follow=True
    )


def test_a_reply_carries_two_photos_one_placed_inline_with_attach(
    member_client, thread, upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_reply(
            member_client,
            thread,
            "Week 1: [ATTACH]2[/ATTACH] and the rest below.",
            upload("front.jpg"),
            upload("side.jpg"),
        )
    assert response.status_code == 200
    front, side = Attachment.objects.order_by("position")
    assert (front.name, side.name, front.position, side.position) == ("front.jpg", "side.jpg", 1, 2)
    html = response.text
    inline = html.index(f"/attachments/{side.pk}/thumbnail/")
    listed = html.index(f"/attachments/{front.pk}/thumbnail/")
    assert html.index("Week 1:") < inline < html.index("and the rest below.") < listed
    assert '<div class="attachments">' in html and "[ATTACH]" not in html
    # The thumbnails were made by the task, once, after the reply committed.
    assert all(a.thumbnail_name for a in Attachment.objects.all())


def test_a_new_thread_and_an_edit_carry_files_and_the_edit_places_them_anew(
    member_client, forum, upload, member
):
    member_client.post(
        "/forums/running/new-thread/",
        {"title": "Form check", "body": "Squat below.", "attachments": [upload("squat.jpg")]},
    )
    post = Post.objects.get(thread__title="Form check")
    assert post.attachments.count() == 1 and 'class="attachments"' in post.body_html
    member_client.post(
        f"/posts/{post.pk}/edit/",
        {
            "body": "Squat: [ATTACH]1[/ATTACH] plan: [ATTACH]2[/ATTACH]",
            "attachments": [upload("plan.txt", b"Mon: squat 5x5\n")],
        },
    )
    post.refresh_from_db()
    assert 'class="attachments"' not in post.body_html  # both placed in the text
    assert post.body_html.count('class="attachment-') == 2 and "plan.txt" in post.body_html


def test_an_unsafe_file_is_refused_with_its_name_and_nothing_is_posted(
    member_client, thread, upload
):
    response = post_reply(
        member_client, thread, "Look", upload("ok.jpg"), upload("evil.jpg", b"<html>hi</html>")
    )
    assert "“evil.jpg” is not a JPEG, PNG, WebP or GIF image." in response.text
    assert not Attachment.objects.exists() and thread.posts.count() == 1


def test_a_file_past_the_size_limit_is_refused_with_a_clear_message(
    settings, member_client, thread, upload
):
    settings.BOARD_ATTACHMENT_MAX_BYTES = 500
    response = post_reply(member_client, thread, "Big", upload("big.txt", b"x" * 501))
    shown = response.text.replace("\xa0", " ")
    assert "“big.txt” is 501 bytes: a file may be at most 500 bytes." in shown
    assert thread.posts.count() == 1


def test_more_files_than_a_post_may_carry_are_refused(settings, member_client, thread, upload):
    settings.BOARD_ATTACHMENTS_PER_POST = 2
    response = post_reply(
        member_client, thread, "Many", upload("a.jpg"), upload("b.jpg"), upload("c.jpg")
    )
    assert "A post may carry at most 2 files." in response.text
    assert thread.posts.count() == 1


def test_editing_cannot_add_files_past_the_per_post_limit(settings, member, thread, upload):
    settings.BOARD_ATTACHMENTS_PER_POST = 1
    from django.test import Client

    client = Client()
    client.force_login(member)
    post_reply(client, thread, "One", upload("a.jpg"))
    reply = thread.posts.get(number=2)
    response = client.post(
        f"/posts/{reply.pk}/edit/", {"body": "One more", "attachments": [upload("b.jpg")]}
    )
    assert "A post may carry at most 1 files." in response.text
    reply.refresh_from_db()
    assert reply.body == "One" and reply.attachments.count() == 1


def test_a_member_past_their_quota_is_told_and_nothing_is_posted(
    settings, member_client, thread, upload
):
    settings.BOARD_ATTACHMENT_QUOTA_BYTES = 1500
    post_reply(member_client, thread, "First", upload("a.txt", b"x" * 1000))
    response = post_reply(member_client, thread, "Second", upload("b.txt", b"y" * 1000))
    shown = response.text.replace("\xa0", " ")
    assert "These files would take you past your space for attachments (1.5 KB" in shown
    assert thread.posts.count() == 2 and Attachment.objects.count() == 1


@pytest.fixture
def photo_and_text(member, thread, make_image):
    from pictures.actions import attach
    from pictures.images import prepare

    reply = actions.add_reply(thread=thread, author=member, body="Files")
    return attach(
        post=reply,
        member=member,
        files=[prepare(make_image("PNG"), "lift.png"), prepare(b"<b>5x5</b>\n", "plan.txt")],
    )


def test_an_image_is_served_inline_with_nosniff(client, photo_and_text):
    photo = photo_and_text[0]
    response = client.get(f"/attachments/{photo.pk}/lift.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="lift.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_a_file_that_is_not_an_image_is_always_a_download(client, photo_and_text):
    text = photo_and_text[1]
    response = client.get(f"/attachments/{text.pk}/plan.txt")
    assert response["Content-Disposition"] == 'attachment; filename="plan.txt"'
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_wrong_name_in_the_address_leads_to_the_right_one(client, photo_and_text):
    photo = photo_and_text[0]
    response = client.get(f"/attachments/{photo.pk}/other.html")
    assert (
        response.status_code == 302 and response["Location"] == f"/attachments/{photo.pk}/lift.png"
    )


def urls_of(attachment):
    return [
        f"/attachments/{attachment.pk}/{attachment.name}",
        f"/attachments/{attachment.pk}/thumbnail/",
    ]


def test_attachments_of_a_removed_post_are_refused_to_members_but_not_its_moderators(
    client, other_member, superuser, photo_and_text
):
    photo = photo_and_text[0]
    actions.remove_post(post=photo.post, moderator=superuser, reason="Spam")
    for who, status in [(None, 404), (other_member, 404), (photo.owner, 404), (superuser, 200)]:
        if who:
            client.force_login(who)
        for url in urls_of(photo):
            assert client.get(url).status_code == status, (who, url)


def test_attachments_of_a_removed_thread_are_refused_by_every_url(
    client, other_member, superuser, photo_and_text
):
    photo = photo_and_text[0]
    actions.remove_thread(thread=photo.post.thread, moderator=superuser, reason="Spam")
    client.force_login(other_member)
    assert [client.get(url).status_code for url in urls_of(photo)] == [404, 404]


def test_attachments_of_a_held_reply_are_seen_only_by_its_author(
    settings, client, member, other_member, thread, upload
):
    settings.BOARD_HOLD_FIRST_POSTS = 5
    author = type(member).objects.create_user("Newbie", "new@example.com", "a-long-pass-42")
    client.force_login(author)
    post_reply(client, thread, "My first post", upload("me.jpg"))
    held = Attachment.objects.get()
    assert held.post.is_held
    assert client.get(urls_of(held)[0]).status_code == 200
    client.force_login(other_member)
    assert client.get(urls_of(held)[0]).status_code == 404
    client.logout()
    assert client.get(urls_of(held)[1]).status_code == 404


def test_attachments_follow_the_posts_visible_to_rule(monkeypatch, client, photo_and_text):
    """Whatever Post.objects.visible_to hides (forum permissions, when they land), every
    attachment URL refuses."""
    from forum.models import PostQuerySet

    monkeypatch.setattr(PostQuerySet, "visible_to", lambda self, user: self.none())
    for attachment in photo_and_text:
        assert client.get(urls_of(attachment)[0]).status_code == 404


def test_an_unknown_attachment_is_the_404_page(client, db):
    assert client.get("/attachments/999999/x.jpg").status_code == 404
    assert client.get("/attachments/999999/thumbnail/").status_code == 404


def test_a_thumbnail_is_made_once_and_served_as_webp(client, photo_and_text):
    from pictures.tasks import make_thumbnail

    photo = photo_and_text[0]
    first = make_thumbnail.call(photo.pk)
    assert first and make_thumbnail.call(photo.pk) is None  # the second run finds it made
    assert storages["default"].exists(first)
    response = client.get(f"/attachments/{photo.pk}/thumbnail/")
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_before_its_thumbnail_is_made_an_image_shows_itself(client, photo_and_text):
    photo = photo_and_text[0]
    response = client.get(f"/attachments/{photo.pk}/thumbnail/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def queries_of(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first visit moves the read mark: compare re-reading pages
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_thread_page_with_ten_image_posts_costs_what_one_without_any_costs(
    settings, client, member, other_member, forum, thread, make_image, django_assert_num_queries
):
    from pictures.actions import attach
    from pictures.images import prepare

    settings.BOARD_POSTS_PER_PAGE = 20
    plain = actions.create_thread(forum=forum, author=member, title="Plain", body="x").thread
    for n in range(10):
        actions.add_reply(thread=plain, author=member, body=f"Words {n}")
        reply = actions.add_reply(thread=thread, author=member, body=f"Photo {n}")
        attach(post=reply, member=member, files=[prepare(make_image(), f"p{n}.jpg")])
    # 1: the thread with forum and category; 2: the page's posts with their authors
    with django_assert_num_queries(2):
        html = client.get(thread.get_absolute_url()).text
    assert html.count("/thumbnail/") == 10
    client.force_login(other_member)
    with_photos = queries_of(client, thread.get_absolute_url())
    assert with_photos == queries_of(client, plain.get_absolute_url()) == 5


def test_a_request_larger_than_any_post_may_carry_is_refused_before_it_is_read(
    settings, member_client, thread, upload
):
    settings.BOARD_ATTACHMENT_MAX_BYTES = 1000
    settings.BOARD_ATTACHMENTS_PER_POST = 1
    settings.BOARD_AVATAR_MAX_BYTES = 1000
    big = upload("big.txt", b"x" * (1024 * 1024 + 5000))
    response = member_client.post(f"/threads/{thread.pk}/reply/", {"body": "x", "attachments": big})
    assert response.status_code == 400 and thread.posts.count() == 1


def test_the_author_removes_one_attachment_while_editing_and_the_others_keep_their_numbers(
    member_client, thread, upload, django_capture_on_commit_callbacks
):
    post_reply(member_client, thread, "[ATTACH]2[/ATTACH]", upload("a.jpg"), upload("b.jpg"))
    first, second = Attachment.objects.order_by("position")
    reply = first.post
    edit_page = member_client.get(f"/posts/{reply.pk}/edit/").text
    assert "Remove attachments" in edit_page and "1: a.jpg" in edit_page
    with django_capture_on_commit_callbacks(execute=True):
        member_client.post(
            f"/posts/{reply.pk}/edit/",
            {
                "body": "[ATTACH]2[/ATTACH] [ATTACH]3[/ATTACH]",
                "remove_attachments": [first.pk],
                "attachments": [upload("c.jpg")],
            },
        )
    reply.refresh_from_db()
    assert [a.name for a in reply.attachments.all()] == ["b.jpg", "c.jpg"]
    assert [a.position for a in reply.attachments.all()] == [2, 3]
    assert "a.jpg" not in reply.body_html and 'class="attachments"' not in reply.body_html
    assert not storages["default"].exists(first.stored_name)


def test_another_member_cannot_remove_attachments_of_a_post_they_may_not_edit(
    client, other_member, photo_and_text
):
    client.force_login(other_member)
    post = photo_and_text[0].post
    response = client.post(
        f"/posts/{post.pk}/edit/", {"body": "x", "remove_attachments": [photo_and_text[0].pk]}
    )
    assert response.status_code == 403 and post.attachments.count() == 2


def test_removing_an_attachment_of_another_post_does_nothing(
    member_client, member, thread, photo_and_text
):
    own = actions.add_reply(thread=thread, author=member, body="Mine")
    response = member_client.post(
        f"/posts/{own.pk}/edit/", {"body": "Mine!", "remove_attachments": [photo_and_text[0].pk]}
    )
    assert response.status_code in (200, 302) and Attachment.objects.count() == 2


def test_quoting_a_post_leaves_its_attach_tags_out(member_client, thread, photo_and_text):
    post = photo_and_text[0].post
    post.__class__.objects.filter(pk=post.pk).update(body="Look [ATTACH]1[/ATTACH] here")
    page = member_client.get(f"/threads/{thread.pk}/reply/?quote={post.pk}").text
    assert "Look  here" in page and "Look [ATTACH]" not in page
