"""Links built without the URL resolver are the links reverse() builds."""

import pytest
from django.urls import reverse, set_script_prefix

from forum.links import link


@pytest.fixture
def script_prefix():
    yield
    set_script_prefix("/")


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("forum:index", ()),
        ("forum:forum_detail", ("cardio",)),
        ("forum:thread_detail", (12, "cardio-back-pain")),
        ("forum:thread_detail", (8080808082, "8080808081")),
        ("forum:thread_detail", (3, "ünïcode-slug")),
        ("forum:thread_detail", (3, "a b?d&e")),
        ("forum:post_permalink", (10**15,)),
        ("members:member_detail", (7,)),
        ("following:thread_first_unread", (42,)),
    ],
)
def test_a_link_is_what_reverse_gives(name, args):
    assert link(name, *args) == reverse(name, args=args)


def test_links_follow_the_script_prefix_the_board_is_mounted_under(script_prefix):
    assert link("forum:post_permalink", 5) == "/posts/5/"
    set_script_prefix("/board/")
    assert (
        link("forum:post_permalink", 5)
        == "/board/posts/5/"
        == reverse("forum:post_permalink", args=[5])
    )
