"""Subforums: listed under their parent on the index and the parent's page, counts and last
post rolled up (from forums the reader may read only), breadcrumbs along the tree, and a fixed
number of queries however deep the tree."""

import pytest

from forum import actions
from forum.models import Forum
from tests.conftest import make_member


def make_chain(category, depth: int) -> list[Forum]:
    """A top forum with `depth` levels of subforums, one thread in each."""
    author = make_member("Chain_Author")
    forums, parent = [], None
    for level in range(depth + 1):
        parent = Forum.objects.create(
            category=category, name=f"Level {level}", slug=f"level-{level}", parent=parent
        )
        forums.append(parent)
    actions.rebuild_forum_tree()
    for level, forum in enumerate(forums):
        actions.create_thread(forum=forum, author=author, title=f"Thread at {level}", body="x")
    return forums


def breadcrumbs(html: str) -> str:
    start = html.index('aria-label="Breadcrumb"')
    return html[start : html.index("</nav>", start)]


def test_the_index_lists_subforums_and_rolls_up_counts_and_the_last_post(client, category):
    forums = make_chain(category, 2)
    html = client.get("/").content.decode()
    assert "Sub-Forums:" in html and 'href="/forums/level-1/"' in html
    assert "Level 2" not in html  # only the direct children are listed
    assert "Thread at 2" in html  # the newest post of the whole tree
    top = client.get("/").context["categories"][0][1][0]
    assert (top.total_threads, top.total_posts) == (3, 3)
    forums[0].refresh_from_db()
    assert forums[0].thread_count == 1  # its own; the page lists its own threads


def test_the_parents_page_lists_its_subforums_and_breadcrumbs_follow_the_tree(client, category):
    make_chain(category, 2)
    parent = client.get("/forums/level-1/").content.decode()
    assert "Sub-Forums" in parent and 'href="/forums/level-2/"' in parent
    child = client.get("/forums/level-2/").content.decode()
    crumbs = breadcrumbs(child)
    assert crumbs.index("Level 0") < crumbs.index("Level 1") < crumbs.index("Level 2")
    thread = Forum.objects.get(slug="level-2").threads.get()
    page = client.get(thread.get_absolute_url()).content.decode()
    crumbs = breadcrumbs(page)
    assert 'href="/forums/level-0/"' in crumbs and 'href="/forums/level-1/"' in crumbs


def test_a_hidden_subforum_adds_nothing_to_its_parents_counts_or_last_post(client, category):
    forums = make_chain(category, 1)
    actions.apply_forum_preset(forums=[forums[1]], preset="staff_only")
    html = client.get("/").content.decode()
    assert "Level 1" not in html and "Thread at 1" not in html
    assert "Thread at 0" in html
    assert "Threads: 1, Posts: 1," in html
    assert "Level 1" not in client.get("/forums/level-0/").content.decode()


@pytest.mark.parametrize("depth", [1, 3])
def test_the_index_runs_three_queries_at_any_depth(
    client, member, category, depth, django_assert_num_queries
):
    make_chain(category, depth)
    # 1: forums with category and last post; 2: member count and newest; 3: who is online
    with django_assert_num_queries(3):
        assert client.get("/").status_code == 200
    client.force_login(member)
    # a member adds: 4: the session, 5: the member, 6: forums with unread posts
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("depth", [1, 3])
def test_a_parent_forums_page_runs_three_queries_at_any_depth(
    client, category, depth, django_assert_num_queries
):
    make_chain(category, depth)
    # 1: the forum; 2: a page of threads; 3: the board's forums, for its subforums
    with django_assert_num_queries(3):
        assert client.get("/forums/level-0/").status_code == 200
    # The deepest forum has no subforums: 1 and 2 only.
    with django_assert_num_queries(2):
        assert client.get(f"/forums/level-{depth}/").status_code == 200


@pytest.mark.parametrize("depth", [1, 3])
def test_a_thread_in_the_deepest_subforum_runs_two_queries(
    client, category, depth, django_assert_num_queries
):
    forums = make_chain(category, depth)
    thread = forums[-1].threads.get()
    # 1: the thread with forum (its breadcrumbs on the row) and category; 2: its posts
    with django_assert_num_queries(2):
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_a_forum_cannot_be_made_its_own_ancestor(category):
    from django.core.exceptions import ValidationError

    top, child = make_chain(category, 1)
    top.parent = child
    with pytest.raises(ValidationError):
        top.clean()
