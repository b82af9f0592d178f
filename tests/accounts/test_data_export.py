import io
import json
import re
import zipfile

from django.core import mail, signing
from django.test import Client

from accounts.mail import DATA_EXPORT_SALT
from accounts.models import DataExport
from following.models import Subscription
from forum.archive import parse_archive


def ask(client, capture):
    with capture(execute=True):
        return client.post("/accounts/data/")


def link_in(message):
    return re.search(r"http://testserver(/accounts/data/\S+/)", message.body)[1]


def test_the_archive_is_built_in_the_background_and_mailed_as_a_link(
    member_client, member, thread, django_capture_on_commit_callbacks
):
    Subscription.objects.get_or_create(user=member, thread=thread)
    assert ask(member_client, django_capture_on_commit_callbacks).status_code == 302
    assert [message.to for message in mail.outbox] == [[member.email]]
    response = member_client.get(link_in(mail.outbox[0]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(
        io.BytesIO(
            b"".join(response.streaming_content if response.streaming else [response.content])
        )
    )
    data = json.loads(archive.read("data.json"))
    assert data["account"]["username"] == "Member_One"
    assert data["account"]["email"] == member.email
    assert [post["body"] for post in data["forum"]["posts"]] == ["My shins hurt."]
    assert data["following"]["subscriptions"][0]["thread"] == thread.pk
    [text_name] = [name for name in archive.namelist() if name.startswith("posts/")]
    parsed = parse_archive(archive.read(text_name).decode())
    assert parsed.title == "Shin splints" and parsed.posts[0].username == "Member_One"


def test_the_link_works_only_for_its_member(
    member_client, member, other_member, django_capture_on_commit_callbacks
):
    ask(member_client, django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    other = Client()
    other.force_login(other_member)
    assert other.get(link).status_code == 404
    assert Client().get(link).status_code == 302  # guests are asked to log in


def test_an_expired_or_forged_link_gives_the_404_page(member_client, member, settings):
    export = DataExport.objects.create(member=member, ready_at="2026-01-01T00:00Z", archive=b"x")
    token = signing.dumps(export.pk, salt=DATA_EXPORT_SALT)
    settings.BOARD_DATA_EXPORT_HOURS = -1
    assert member_client.get(f"/accounts/data/{token}/").status_code == 404
    assert member_client.get("/accounts/data/nonsense/").status_code == 404


def test_asking_again_within_the_hour_is_refused(
    member_client, member, django_capture_on_commit_callbacks
):
    ask(member_client, django_capture_on_commit_callbacks)
    response = member_client.post("/accounts/data/", follow=True)
    assert "less than an hour ago" in response.content.decode()
    assert DataExport.objects.filter(member=member).count() == 1


def test_the_data_page_costs_a_fixed_number_of_queries(
    member_client, member, django_assert_num_queries
):
    member_client.get("/accounts/data/")
    with django_assert_num_queries(3):  # session, member, the latest archive
        assert member_client.get("/accounts/data/").status_code == 200
