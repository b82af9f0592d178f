"""Search: relevance on the sample thread, web search syntax, filters, removed content, the GIN
plan, query counts, hostile input, and the same page on the embedded SQLite board."""

import re

import pytest
from django.db import connection
from django.test import override_settings

from forum import actions
from forum.models import Category, Forum, Post, Thread
from forum.search import MARK_START, MARK_STOP, Search, union
from tests.conftest import SqliteBoard, make_member

RESULT_LINK = re.compile(r'<h3 class="h6 mb-1"><a class="thread-title" href="/posts/(\d+)/">')


def found(client, **params) -> list[int]:
    """The ids of the posts a search lists, in their order."""
    response = client.get("/search/", params)
    assert response.status_code == 200
    return [int(pk) for pk in RESULT_LINK.findall(response.content.decode())]


def authors(post_ids) -> set[str]:
    return set(Post.objects.filter(pk__in=post_ids).values_list("author__username", flat=True))


def test_shoes_finds_the_posts_of_eddie0206_and_ross86(client, sample):
    posts = found(client, q="shoes")
    assert sorted(posts) == [9, 10]
    assert authors(posts) == {"Eddie0206", "Ross86"}


def test_stretching_finds_stretch_and_stretched_by_stemming(client, sample):
    posts = found(client, q="stretching")
    assert sorted(posts) == [6, 7, 8]
    assert authors(posts) == {"Pitysister", "iron_worker", "Ross86"}


def test_words_are_matched_whatever_their_case(client, sample):
    assert sorted(found(client, q="SHOES")) == [9, 10]


def test_a_quoted_phrase_needs_its_words_side_by_side(client, forum, member):
    together = actions.create_thread(
        forum=forum, author=member, title="Deadlifts", body="Lower back pain after deadlifts."
    )
    apart = actions.add_reply(
        thread=together.thread, author=member, body="My back is fine but my lower legs hurt."
    )
    assert found(client, q='"lower back"') == [together.pk]
    assert sorted(found(client, q="lower back")) == [together.pk, apart.pk]


def test_a_phrase_in_a_thread_title_finds_the_first_post(client, sample):
    # Posts 6 and 7 say "back pain"; the title "Cardio = Back pain..." belongs to post 1.
    assert sorted(found(client, q='"back pain"')) == [1, 6, 7]


def test_a_minus_leaves_out_posts_with_that_word(client, sample):
    assert found(client, q="shoes -cross") == [9]


def test_or_finds_either_word(client, sample):
    assert sorted(found(client, q="shoes or stretching")) == [6, 7, 8, 9, 10]


def test_results_are_ranked_most_relevant_first(client, forum, member):
    once = actions.create_thread(
        forum=forum, author=member, title="Foot trouble", body="My heel hurts after running."
    )
    often = actions.add_reply(
        thread=once.thread, author=member, body="Heel spurs: ice the heel, stretch the heel."
    )
    assert found(client, q="heel") == [often.pk, once.pk]


def test_a_thread_title_finds_its_first_post(client, forum, member):
    first = actions.create_thread(
        forum=forum, author=member, title="Plantar fasciitis", body="My foot hurts."
    )
    actions.add_reply(thread=first.thread, author=member, body="Mine too.")
    assert found(client, q="plantar") == [first.pk]


def test_titles_only_searches_thread_titles(client, sample):
    assert found(client, q="cardio", titles="1") == [1]
    assert found(client, q="shoes", titles="1") == []


def test_snippets_highlight_the_words_and_escape_everything_else(client, forum, member):
    actions.create_thread(
        forum=forum,
        author=member,
        title="Tricks <b>",
        body='[b]Stretching[/b] <script>alert("x")</script> & more [img]http://x.test/a.png[/img]',
    )
    html = client.get("/search/", {"q": "stretching"}).content.decode()
    snippet = html[html.index('class="mb-0 search-snippet"') :].split("</p>", 1)[0]
    assert "<mark>Stretching</mark>" in snippet
    # ts_headline drops what looks like an HTML tag; the rest is escaped.
    assert "alert(&quot;x&quot;)" in snippet and "&amp; more" in snippet
    assert "<script>alert" not in html
    assert "[b]" not in snippet and "x.test" not in snippet  # BBCode is not text
    assert "Tricks &lt;b&gt;" in html


def test_highlight_markers_typed_by_a_member_cannot_open_markup(client, forum, member):
    body = f"{MARK_START}<i>x</i> stretching {MARK_START} stray {MARK_STOP}{MARK_STOP}"
    actions.create_thread(forum=forum, author=member, title="Odd", body=body)
    html = client.get("/search/", {"q": "stretching"}).content.decode()
    snippet = html[html.index('class="mb-0 search-snippet"') :].split("</p>", 1)[0]
    assert "<i>" not in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") >= 1
    assert MARK_START not in snippet and MARK_STOP not in snippet


def test_results_can_be_shown_as_threads(client, sample, forum, member):
    actions.create_thread(forum=forum, author=member, title="Shoes for squats", body="Flat.")
    html = client.get("/search/", {"q": "shoes", "show": "threads"}).content.decode()
    assert "Search results: 2 threads" in html
    # The thread whose title matches comes first.
    assert html.index("<mark>Shoes</mark> for squats") < html.index(
        'href="/threads/1/cardio-back-pain/"'
    )


def test_the_forum_filter_keeps_one_forum(client, sample, member):
    other = Forum.objects.create(category=Category.objects.get(), name="Gear", slug="gear")
    gear = actions.create_thread(forum=other, author=member, title="Shoes", body="Shoes!")
    assert sorted(found(client, q="shoes")) == [9, 10, gear.pk]
    assert found(client, q="shoes", forum=other.pk) == [gear.pk]
    assert sorted(found(client, q="shoes", forum=1)) == [9, 10]


def test_the_member_filter_keeps_one_members_posts(client, sample):
    assert found(client, q="stretching", member=2) == [8]


def test_dates_are_the_visitors_days_and_both_ends_count(client, sample):
    # Posts 1 and 2 were written on the evening of 12-11-2007 in New York, 12-12 in UTC.
    assert sorted(found(client, q="back", date_to="2007-12-11")) == [1, 2]
    later = found(client, q="back", date_from="2007-12-12", date_to="2007-12-12")
    assert 1 not in later and 2 not in later and 10 in later


def test_a_member_search_without_words_lists_their_posts_newest_first(client, sample):
    response = client.get("/search/", {"member": 2})
    assert [int(pk) for pk in RESULT_LINK.findall(response.content.decode())] == [10, 8, 5, 2]
    assert 'Posts by <a href="/members/2/">Ross86</a>' in response.content.decode()


def test_the_profile_links_to_all_of_the_members_posts(client, sample):
    html = client.get("/members/2/").content.decode()
    assert '<a href="/search/?member=2">Find all posts by Ross86</a>' in html


def test_every_page_has_a_search_box(client, sample):
    html = client.get("/threads/1/cardio-back-pain/").content.decode()
    assert 'action="/search/"' in html and 'name="q"' in html


def test_removed_posts_and_threads_never_show(client, sample):
    Post.objects.filter(pk=9).update(is_removed=True)
    assert found(client, q="shoes") == [10]
    assert found(client, member=5) == []
    Thread.objects.filter(pk=1).update(is_removed=True)
    assert found(client, q="shoes") == []
    assert found(client, member=2) == []
    assert (
        "No results" in client.get("/search/", {"q": "shoes", "show": "threads"}).content.decode()
    )


def test_moderators_do_not_find_removed_posts_either(client, sample):
    Post.objects.filter(pk=9).update(is_removed=True)
    moderator = make_member("Mod", is_staff=True, is_superuser=True)
    client.force_login(moderator)
    assert found(client, q="shoes") == [10]


def test_new_replies_and_edits_are_searchable_at_once(client, thread, member):
    reply = actions.add_reply(thread=thread, author=member, body="Try a foam roller.")
    assert found(client, q="roller") == [reply.pk]
    Post.objects.filter(pk=reply.pk).update(body="Try a lacrosse ball.")
    assert found(client, q="roller") == []
    assert found(client, q="lacrosse") == [reply.pk]


@override_settings(BOARD_THREADS_PER_PAGE=2)
def test_results_are_paginated_keeping_the_search(client, forum, member):
    for n in range(5):
        actions.create_thread(forum=forum, author=member, title=f"T{n}", body="Burpees again")
    html = client.get("/search/", {"q": "burpees"}).content.decode()
    assert "Page 1 of 3" in html
    assert 'href="?q=burpees&amp;page=2"' in html
    assert len(found(client, q="burpees", page="3")) == 1
    assert client.get("/search/", {"q": "burpees", "page": "4"}).status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "-1", "2", "1.5", "9" * 40])
def test_odd_page_numbers_give_a_404(client, sample, page):
    assert client.get("/search/", {"q": "shoes", "page": page}).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "Enter some words to search for."),
        ({"q": "   "}, "Enter some words to search for."),
        ({"forum": "1"}, "Enter some words to search for."),
        # (a query string past 2,048 characters gets the 414 page: tests/config/test_error_pages)
        ({"q": "x" * 2_000}, "at most 200 characters"),
        ({"q": "back\x00pain"}, "Null characters are not allowed."),
        ({"q": "shoes", "forum": "abc"}, "Select a valid choice."),
        ({"q": "shoes", "forum": "999"}, "Select a valid choice."),
        ({"member": "abc"}, "Enter a whole number."),
        ({"member": "0"}, "greater than or equal to 1"),
        ({"member": "9" * 30}, "less than or equal to"),
        ({"member": "999"}, "There is no such member."),
        ({"q": "shoes", "date_from": "2007-13-45"}, "Enter a valid date."),
        ({"q": "shoes", "date_from": "2008-01-01", "date_to": "2007-01-01"}, "comes before"),
        ({"q": "shoes", "show": "everything"}, "Select a valid choice."),
    ],
)
def test_bad_input_gives_a_form_error_not_a_500(client, sample, params, message):
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'id="results-title"' not in response.content.decode()


@pytest.mark.parametrize(
    "q",
    [
        "the",
        "the and of",
        '"unbalanced',
        'un"balanced',
        "-",
        "- -x",
        "!!!",
        "a:* & b | !c",
        "or",
        "(x",
        "\\",
        "'",
        "💪",
        "ünïcödé",
        "x" * 200,
    ],
)
def test_odd_queries_give_results_or_none_never_a_500(client, sample, q):
    response = client.get("/search/", {"q": q})
    assert response.status_code == 200
    assert 'id="results-title"' in response.content.decode()


def test_stop_words_alone_find_nothing(client, sample):
    assert "Sorry - no matches." in client.get("/search/", {"q": "the"}).content.decode()


def test_dates_from_1970_to_2100_are_accepted(client, sample):
    assert sorted(found(client, q="shoes", date_from="1970-01-01", date_to="2100-12-31")) == [9, 10]


@pytest.mark.parametrize(
    ("field", "day"),
    [("date_from", "0001-01-01"), ("date_to", "9999-12-31"), ("date_from", "1969-12-31")]
    + [("date_to", "2101-01-01")],
)
def test_dates_outside_1970_to_2100_are_refused_with_the_range(client, sample, field, day):
    response = client.get("/search/", {"q": "shoes", field: day})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="results-title"' not in html
    assert "Enter a date between the years 1970 and 2100." in html


@override_settings(BOARD_THREADS_PER_PAGE=2)
def test_a_search_goes_no_further_than_the_newest_results_up_to_the_cap(
    client, forum, member, monkeypatch
):
    monkeypatch.setattr("forum.search.RESULTS_CAP", 3)
    posts = [
        actions.create_thread(forum=forum, author=member, title=f"T{n}", body="Tempo run")
        for n in range(5)
    ]
    html = client.get("/search/", {"q": "tempo"}).content.decode()
    assert "more than 3 posts (the first 3 are shown)" in html and "Page 1 of 2" in html
    shown = found(client, q="tempo") + found(client, q="tempo", page="2")
    assert sorted(shown) == sorted(post.pk for post in posts[2:])
    assert client.get("/search/", {"q": "tempo", "page": "3"}).status_code == 404


def test_the_empty_search_page_shows_the_form_without_errors(
    client, sample, django_assert_num_queries
):
    # 1: the forums for the filter
    with django_assert_num_queries(1):
        response = client.get("/search/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Search Forums" in html and "Cardio &amp; Conditioning" in html
    assert "alert-danger" not in html


@pytest.mark.parametrize("post_count", [1, 30])
@pytest.mark.parametrize("show", ["posts", "threads"])
def test_a_search_runs_three_queries_whatever_it_finds(
    client, django_assert_num_queries, forum, post_count, show
):
    for n in range(post_count):
        actions.create_thread(
            forum=forum, author=make_member(f"Runner{n}"), title=f"T{n}", body="Intervals"
        )
    # 1: the forums for the filter; 2: the count, capped; 3: a page of results with their
    # threads, forums and authors (posts) or starters and last posters (threads)
    with django_assert_num_queries(3):
        response = client.get("/search/", {"q": "intervals", "show": show})
    assert response.status_code == 200
    shown = 'class="search-result' if show == "posts" else 'class="thread-title" href="/threads/'
    assert response.content.decode().count(shown) == min(post_count, 20)


def test_a_member_filter_adds_one_query_for_the_members_name(
    client, sample, django_assert_num_queries
):
    # 1: the forums; 2: the member; 3: the count; 4: the page
    with django_assert_num_queries(4):
        assert client.get("/search/", {"member": 2}).status_code == 200


def test_a_search_that_finds_nothing_skips_the_page_query(
    client, sample, django_assert_num_queries
):
    # 1: the forums; 2: the count
    with django_assert_num_queries(2):
        assert client.get("/search/", {"q": "zebra"}).status_code == 200


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_full_text_search_is_answered_from_the_gin_indexes(sample):
    # The test tables hold a handful of rows, so a sequential scan would be cheapest and the
    # planner would rightly pick it; with sequential scans off it shows whether an index can
    # answer the query at all, which is what this test is about. Nested loops are off too: the
    # forum permission filter joins the forums (one row here), and the planner would rightly
    # walk from that row through each thread's posts instead.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
    search = Search(words="shoes")
    halves = [half.order_by().values("pk")[:1001] for half in search.matches()]
    plan = explain(union(halves))
    assert "Bitmap Index Scan on post_search_vector" in plan
    assert "Bitmap Index Scan on thread_search_vector" in plan


def test_the_search_columns_are_generated_by_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, is_generated FROM information_schema.columns "
            "WHERE column_name = 'search_vector' ORDER BY table_name"
        )
        assert cursor.fetchall() == [("forum_post", "ALWAYS"), ("forum_thread", "ALWAYS")]


SQLITE_SEARCH = """
import re
from django.test import Client
client = Client()
for query in ("q=shoes", "q=stretch", "q=shoes+-cross", "q=cardio&titles=1", "member=2",
              "q=shoes&show=threads", "q=zebra+%22"):
    response = client.get("/search/?" + query)
    html = response.content.decode()
    found = re.findall(r'class="thread-title" href="/(?:posts|threads)/(\\d+)/', html)
    print(response.status_code, query, ",".join(found))
"""


@pytest.mark.slow
def test_search_works_on_the_embedded_sqlite_board_without_full_text(tmp_path, migrated_sqlite):
    board = SqliteBoard(tmp_path, ["loaddata", "sample_thread"], migrated=migrated_sqlite)
    lines = board.script(SQLITE_SEARCH).splitlines()
    # Newest first; "stretch" is found inside "stretching" and "Stretching".
    assert lines == [
        "200 q=shoes 10,9",
        "200 q=stretch 8,7,6",
        "200 q=shoes+-cross 9",
        "200 q=cardio&titles=1 1",
        "200 member=2 10,8,5,2",
        "200 q=shoes&show=threads 1",
        "200 q=zebra+%22 ",
    ]
