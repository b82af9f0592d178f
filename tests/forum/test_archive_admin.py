"""Uploading an archive in the admin: preview, then import on confirm; staff with permission."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from forum import actions
from forum.archive_admin import MAX_ARCHIVE_BYTES
from forum.management.commands.build_fixtures import SAMPLE_ARCHIVE
from forum.models import Thread
from tests.conftest import make_member

URL = "/admin/forum/archive-upload/"


@pytest.fixture
def importer(db) -> User:
    staff = make_member("Importer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_thread"))
    return staff


@pytest.fixture
def importer_client(client, importer):
    client.force_login(importer)
    return client


def upload(client, forum, data: bytes = b"", name: str = "cardio.txt", **fields):
    archive = SimpleUploadedFile(name, data or SAMPLE_ARCHIVE.read_bytes())
    return client.post(
        URL, {"archive": archive, "forum": forum.pk, "time_zone": "America/New_York", **fields}
    )


def token_of(preview) -> str:
    return re.search(r'name="token" value="([0-9a-f]+)"', preview.content.decode())[1]


def test_the_upload_form_is_an_admin_page(importer_client, forum):
    html = importer_client.get(URL).content.decode()
    assert "Import a thread archive" in html
    assert 'enctype="multipart/form-data"' in html
    assert ">Running<" in html


def test_the_preview_shows_what_will_be_created_and_writes_nothing(importer_client, forum):
    make_member("ross86")
    html = upload(importer_client, forum).content.decode()
    assert "Cardio = Back pain... (new)" in html
    assert "10 in the archive, 10 to import" in html
    assert "12-11-2007 10:22 PM (America/New_York)" in html
    assert "12-12-2007 09:59 PM" in html
    assert "New members</th><td>4: iron_worker, MONSTAFACE, Pitysister, Eddie0206" in html
    assert "Existing members</th><td>1: ross86</td>" in html
    assert not Thread.objects.exists()
    assert User.objects.count() == 2


def test_confirming_the_preview_imports_the_thread(importer_client, forum):
    preview = upload(importer_client, forum, legacy_thread_id="555")
    response = importer_client.post(URL, {"confirm": "Import", "token": token_of(preview)})
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert (thread.title, thread.post_count, thread.legacy_id) == ("Cardio = Back pain...", 10, 555)
    assert actions.recount() == {"threads": 0, "forums": 0, "members": 0}
    page = importer_client.get(response.url).content.decode()
    assert f'Imported <a href="{thread.get_absolute_url()}">Cardio = Back pain...</a>' in page
    assert "10 new posts, 5 new members" in page


def test_a_confirmation_without_its_preview_imports_nothing(importer_client, forum):
    upload(importer_client, forum)
    response = importer_client.post(URL, {"confirm": "Import", "token": "0" * 64}, follow=True)
    assert "That preview has expired" in response.content.decode()
    assert not Thread.objects.exists()


def test_an_archive_already_imported_has_nothing_to_confirm(importer_client, forum):
    importer_client.post(
        URL, {"confirm": "Import", "token": token_of(upload(importer_client, forum))}
    )
    html = upload(importer_client, forum).content.decode()
    assert "(already on the board)" in html
    assert "10 in the archive, 0 to import" in html
    assert 'name="confirm"' not in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"Ross86 13-45-2007 10:22 PM\n\nTitle\nBody\n", "bad.txt, line 1: bad date or time"),
        (b"Ross86 12-11-2007 10:22 PM\n\nTitle\n\x00", "bad.txt, line 4: a NUL byte"),
        (b"Hello\n", "bad.txt, line 1: expected a post header"),
    ],
)
def test_a_malformed_archive_is_shown_with_its_line_number(importer_client, forum, data, error):
    html = upload(importer_client, forum, data, name="bad.txt").content.decode()
    assert error in html
    assert 'name="confirm"' not in html


def test_an_archive_over_the_size_limit_is_refused(importer_client, forum):
    data = SAMPLE_ARCHIVE.read_bytes() + b"x" * MAX_ARCHIVE_BYTES
    assert "over 2 MB" in upload(importer_client, forum, data).content.decode()


def test_a_plain_member_is_sent_to_the_admin_login_and_imports_nothing(member_client, forum):
    assert member_client.get(URL).url.startswith("/admin/login/")
    assert upload(member_client, forum).url.startswith("/admin/login/")
    assert not Thread.objects.exists()


def test_staff_without_the_permission_to_add_threads_are_refused(client, forum):
    client.force_login(make_member("Helper", is_staff=True))
    assert client.get(URL).status_code == 403
    assert upload(client, forum).status_code == 403
    assert not Thread.objects.exists()


PAGES = Path(__file__).parent / "html_pages"


def upload_page(client, forum, name: str, **fields):
    page = SimpleUploadedFile(name, (PAGES / name).read_bytes(), content_type="text/html")
    return client.post(
        URL, {"archive": page, "forum": forum.pk, "time_zone": "", "captured_at": "", **fields}
    )


def test_a_capture_time_outside_1970_to_2100_is_a_form_error(importer_client, forum):
    response = upload_page(importer_client, forum, "squat-2.html", captured_at="9999-12-31 23:59")
    assert response.status_code == 200
    assert "Enter a date between the years 1970 and 2100." in response.content.decode()
    assert not Thread.objects.exists()


def test_a_saved_thread_page_is_previewed_and_imported_with_its_old_ids(importer_client, forum):
    preview = upload_page(importer_client, forum, "squat-1.html")
    html = preview.content.decode()
    assert "Squat depth and knee pain (new)" in html
    assert "3 in the archive, 3 to import" in html
    assert "02-11-2007 04:15 AM (UTC)" in html  # 11:15 PM on the page, at GMT -5
    assert "New members</th><td>3: Ross86, Coach_Dave, gym_visitor" in html
    assert not Thread.objects.exists()
    importer_client.post(URL, {"confirm": "Import", "token": token_of(preview)})
    thread = Thread.objects.get()
    assert (thread.legacy_id, thread.post_count) == (4521, 3)
    quoted = thread.posts.get(number=1)
    assert quoted.legacy_id == 30001
    assert thread.posts.get(number=2).body.startswith(f"[QUOTE=Ross86;{quoted.pk}]")
    assert User.objects.get(username="Coach_Dave").user_title == "Strength Coach"


def test_a_page_with_relative_dates_needs_the_time_it_was_saved(importer_client, forum):
    importer_client.post(
        URL,
        {
            "confirm": "Import",
            "token": token_of(upload_page(importer_client, forum, "squat-1.html")),
        },
    )
    html = upload_page(importer_client, forum, "squat-2.html").content.decode()
    assert "squat-2.html: post 30010 is dated &quot;Yesterday, 09:40 PM&quot;" in html
    assert 'name="confirm"' not in html
    preview = upload_page(importer_client, forum, "squat-2.html", captured_at="2007-02-13 10:00")
    assert "2 in the archive, 2 to import" in preview.content.decode()
    importer_client.post(URL, {"confirm": "Import", "token": token_of(preview)})
    assert Thread.objects.get().post_count == 5


def test_a_page_that_is_not_a_thread_is_refused_by_name(importer_client, forum):
    page = SimpleUploadedFile("index.html", b"<html><body>Forum index</body></html>")
    response = importer_client.post(
        URL, {"archive": page, "forum": forum.pk, "time_zone": "", "captured_at": ""}
    )
    assert "index.html: not a vBulletin 3 thread page" in response.content.decode()
    assert not Thread.objects.exists()
