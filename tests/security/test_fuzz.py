"""Arbitrary text in every form field and URL parameter: never a server error, never a NUL or a
lone surrogate stored.

What reaches the server. A lone surrogate (U+D800..U+DFFF) cannot be encoded as UTF-8, so no
browser can send one; what a hostile client can send is its "surrogatepass" bytes (ED A0 80 ...),
which are not valid UTF-8. The requests here are built by hand: each value is encoded with
errors="surrogatepass" and percent-encoded, so the server receives exactly those invalid bytes
(and Django decodes them to U+FFFD, replacement characters). NUL, control characters,
right-to-left marks and 1 MB values are sent as they are.

Each target runs a bounded number of examples (EXAMPLES) with no deadline; the database is
not rolled back between one target's examples, which only makes the board busier.
"""

from urllib.parse import quote_from_bytes, urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from forum.models import Post, PostRevision, Report, Thread

pytestmark = pytest.mark.slow  # some hundreds of requests per test

EXAMPLES = 50
fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\udc80\udcff",
    "\u202eevil\u202c",
    "\u200f\u200e\u061c",
    "\u2066\u2069",
    "\ufeff",
    "\x7f\x1b[31m",
    "\r",
    "\r\n\r\n",
    "%00",
    "\\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "[quote=a;99999999999999999999999]x[/quote]",
    "[url=javascript:alert(1)]x[/url]",
    "[size=99999999]x[/size]",
    "9" * 40,
    "-1",
    "0",
    "1.5",
    "١٢٣",
    "𝟏𝟐",
    "NaN",
    "",
    " ",
    "2007-02-30",
    "9999-12-31",
    "0001-01-01",
    "99999-01-01",
    "Europe/London",
    "../../etc/passwd",
    "1,2,,3,-4",
]
CHARACTERS = st.one_of(
    st.characters(),
    st.characters(categories=["Cs"]),  # lone surrogates
    st.characters(codec="ascii"),
    st.sampled_from(["\x00", "\u202e", "\u200f", "\n", "\t"]),
)
MEGABYTE = "\u202e" + "x" * (1 << 20)  # 1 MB, a right-to-left override first
# The megabyte is one choice in ~100 (it is slow to send); test_a_megabyte_in_every_field
# sends it to every form for certain.
TEXT = st.one_of(
    st.text(CHARACTERS, max_size=30),
    st.sampled_from([*NASTY, MEGABYTE]),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(CHARACTERS, max_size=5)), max_size=4).map(
        "".join
    ),
)


def fields(*names: str, optional: tuple[str, ...] = ()):
    """A dict of the named fields, each arbitrary text; `optional` ones may be missing."""
    return st.fixed_dictionaries(
        {name: TEXT for name in names}, optional={name: TEXT for name in optional}
    )


def encode(data: dict) -> str:
    return "&".join(
        f"{quote_from_bytes(key.encode())}="
        f"{quote_from_bytes(value.encode('utf-8', 'surrogatepass'))}"
        for key, value in data.items()
    )


def post(client: Client, url: str, data: dict):
    response = client.post(url, encode(data), content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500
    return response


def get(client: Client, url: str, params: dict):
    response = client.get(f"{url}?{encode(params)}" if params else url)
    assert response.status_code < 500
    return response


def assert_nothing_stored_is_broken():
    """No NUL and no lone surrogate in any text a member could have written."""
    texts = [
        *Post.objects.values_list("body", "body_html"),
        *Thread.objects.values_list("title", "slug"),
        *PostRevision.objects.values_list("body"),
        *Report.objects.values_list("reason"),
        *User.objects.values_list(
            "username", "email", "user_title", "location", "signature", "signature_html"
        ),
    ]
    for row in texts:
        for text in row:
            assert "\x00" not in text
            assert not any(0xD800 <= ord(char) <= 0xDFFF for char in text)


@pytest.fixture
def posting_member(member):
    # Enough posts to choose a user title, so that field is fuzzed too.
    User.objects.filter(pk=member.pk).update(post_count=500)
    member.refresh_from_db()
    return member


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.BOARD_REGISTRATIONS_PER_ADDRESS_PER_HOUR = 1_000_000
    settings.BOARD_LOGIN_FAILURES_PER_ACCOUNT = 1_000_000
    settings.BOARD_LOGIN_FAILURES_PER_ADDRESS = 1_000_000


@fuzz
@given(data=fields("username", "email", "password1", "password2"))
def test_registration_survives_any_input(db, data):
    post(Client(), "/accounts/register/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(
    data=st.one_of(
        fields("username", "password"),
        st.just({"username": "Member_One", "password": "a-long-pass-42"}),  # then ?next= counts
    ),
    next_=TEXT,
)
def test_login_survives_any_input(member, data, next_):
    response = post(Client(), "/accounts/login/", {**data, "next": next_})
    if response.status_code == 302:
        # On this site: a path, absolute or relative; browsers read "\\" as "/".
        location = urlsplit(response["Location"].replace("\\", "/"))
        assert not location.scheme and not location.netloc


@fuzz
@given(
    data=fields("user_title", "location", "signature", optional=("time_zone", "subscribe_on_reply"))
)
def test_the_profile_form_survives_any_input(client, posting_member, data):
    client.force_login(posting_member)
    post(client, "/accounts/profile/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(data=fields("body", optional=("preview", "submission_key")), quote=TEXT)
def test_replying_survives_any_input(client, board, posting_member, data, quote):
    client.force_login(posting_member)
    get(client, f"/threads/{board.thread.pk}/reply/", {"quote": quote})
    post(client, f"/threads/{board.thread.pk}/reply/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(data=fields("title", "body", optional=("preview", "submission_key")))
def test_starting_a_thread_survives_any_input(client, board, posting_member, data):
    client.force_login(posting_member)
    post(client, "/forums/running/new-thread/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(data=fields("body", optional=("preview",)))
def test_editing_a_post_survives_any_input(client, board, posting_member, data):
    client.force_login(posting_member)
    post(client, f"/posts/{board.reply.pk}/edit/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(data=fields("reason"))
def test_reporting_a_post_survives_any_input(client, board, posting_member, data):
    client.force_login(posting_member)
    post(client, f"/posts/{board.other_thread.first_post_id}/report/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(
    step=st.sampled_from(["move", "merge", "split", "moderate"]),
    data=fields(optional=("forum", "target", "numbers", "title", "reason", "step")),
)
def test_moderation_forms_survive_any_input(client, board, moderator, step, data):
    client.force_login(moderator)
    post(client, f"/threads/{board.other_thread.pk}/{step}/", data)
    assert_nothing_stored_is_broken()


@fuzz
@given(
    params=fields(
        optional=("q", "forum", "member", "date_from", "date_to", "titles", "show", "page")
    )
)
def test_search_survives_any_parameters(client, board, params):
    get(client, "/search/", params)


PAGES = [
    ("/", ()),
    ("/forums/running/", ("page", "sort", "order")),
    ("/notifications/", ("page",)),
    ("/online/", ()),
    ("/threads/{thread}/shin-splints/", ("page",)),
    ("/threads/{thread}/shin-splints/print/", ("page",)),
    ("/members/", ("page", "sort")),
    ("/threads/{thread}/", ("page",)),
    ("/new/", ("page",)),
    ("/showthread.php", ("t", "threadid", "p", "page")),
    ("/showpost.php", ("p",)),
    ("/printthread.php", ("t",)),
    ("/accounts/login/", ("next",)),
    ("/feeds/threads/rss/", ()),
]


@fuzz
@given(page=st.sampled_from(PAGES), data=st.data())
def test_every_page_survives_any_url_parameters(client, board, member, page, data):
    url, names = page
    params = data.draw(fields(optional=(*names, "page", "q")))
    client.force_login(member)
    get(client, url.format(thread=board.thread.pk), params)


@fuzz
@given(slug=TEXT)
def test_any_text_in_a_url_path_is_a_page_a_redirect_or_a_404(client, board, slug):
    slug = quote_from_bytes(slug[:2000].encode("utf-8", "surrogatepass"), safe="")
    for url in (
        f"/threads/{board.thread.pk}/{slug}/",
        f"/forums/{slug}/",
        f"/unsubscribe/{slug}/",
        f"/attachments/1/{slug}",
        f"/avatars/1/{slug}-post.webp",
        f"/accounts/email/confirm/{slug}/",
        f"/accounts/email/undo/{slug}/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 404)


FORMS = [
    ("/accounts/register/", ("username", "email", "password1", "password2")),
    ("/accounts/login/", ("username", "password", "next")),
    ("/accounts/profile/", ("user_title", "location", "signature", "time_zone")),
    ("/accounts/avatar/", ("place", "image")),
    ("/accounts/email/", ("new_email", "password")),
    ("/accounts/two-factor/", ("code",)),
    ("/accounts/leave/", ("how", "confirm", "password")),
    ("/accounts/color-mode/", ("color_mode", "next")),
    ("/threads/{thread}/reply/", ("body",)),
    ("/forums/running/new-thread/", ("title", "body")),
    ("/posts/{reply}/edit/", ("body",)),
    ("/posts/{other_post}/report/", ("reason",)),
    ("/threads/{other_thread}/split/", ("numbers", "title", "reason")),
]


@pytest.mark.parametrize(("url", "names"), FORMS)
def test_a_megabyte_in_every_field_is_refused_politely(
    client, board, posting_member, moderator, url, names
):
    user = moderator if "split" in url else posting_member
    if "register" not in url:
        client.force_login(user)
    url = url.format(
        thread=board.thread.pk,
        reply=board.reply.pk,
        other_post=board.other_thread.first_post_id,
        other_thread=board.other_thread.pk,
    )
    for name in names:
        post(client, url, {name: MEGABYTE})
    # All at once is more than Django reads (DATA_UPLOAD_MAX_MEMORY_SIZE): a 400, not a 500.
    post(client, url, {name: MEGABYTE for name in names})
    assert_nothing_stored_is_broken()


def test_a_megabyte_in_a_url_parameter_is_answered_politely(client, board, posting_member):
    # Once as a visitor and once as a member, not once per form above: these requests do not
    # depend on the form.
    member_client = Client()
    member_client.force_login(posting_member)
    for someone in (client, member_client):
        for query in ("q", "page", "sort", "quote"):
            get(someone, "/search/" if query == "q" else "/members/", {query: MEGABYTE})
