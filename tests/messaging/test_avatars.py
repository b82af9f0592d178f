"""Avatars (pictures/) in the inbox and in the conversation page's message headers, from the
rows the pages already load: no query per row (the counts are pinned in test_queries.py)."""

import io

from PIL import Image

from messaging import actions
from pictures import actions as picture_actions


def with_avatar(member):
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (30, 90, 200)).save(out, "PNG")
    return picture_actions.set_avatar(member=member, content=out.getvalue(), name="me.png")


def test_the_inbox_shows_the_avatar_of_the_member_one_is_talking_with(
    client, member, other_member, conversation
):
    other_member = with_avatar(other_member)
    client.force_login(member)
    html = client.get("/messages/").text
    assert f"/avatars/{other_member.pk}/{other_member.avatar_key}-list.webp" in html
    client.force_login(other_member)
    assert "avatar-list avatar-initials avatar-hue" in client.get("/messages/").text  # Member_One


def test_each_message_header_shows_its_authors_avatar_or_initials(
    client, member, other_member, conversation
):
    actions.reply(conversation=conversation, sender=other_member, body="Hello back")
    member = with_avatar(member)
    client.force_login(other_member)
    html = client.get(f"/messages/{conversation.pk}/").text
    assert html.count(f"/avatars/{member.pk}/{member.avatar_key}-post.webp") == 1
    assert '<span class="avatar avatar-post avatar-initials' in html  # Member_Two's reply
