"""A post's files and its @mention links live together in its stored HTML: placing the files
(when posted, when the thumbnail is made, when edited) keeps the links."""

from forum.models import Post
from pictures import actions
from pictures.images import prepare


def test_a_reply_with_an_image_keeps_its_mention_links_after_the_thumbnail_is_made(
    member, other_member, thread, make_image, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = actions.add_reply(
            thread=thread,
            author=other_member,
            body="Look, @Member_One",
            attachments=[prepare(make_image(), "shin.jpg")],
        )
    stored = Post.objects.get(pk=reply.pk)
    assert f'<a class="mention" href="/members/{member.pk}/">@Member_One</a>' in stored.body_html
    assert stored.attachments.get().thumbnail_name  # the task ran and rendered the post again
    assert "attachment-image" in stored.body_html
