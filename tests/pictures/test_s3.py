"""The S3 path, against a real S3 API server: moto's server mode, started by this module as a
subprocess on a free port of 127.0.0.1 (no network, no account). The board talks to it through
django-storages and boto3 exactly as it would to AWS, MinIO or any S3-compatible store."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command

from forum import actions
from pictures.actions import attach
from pictures.images import prepare
from pictures.models import Attachment

BUCKET = "board-media"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.1)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint):
    """The board's default storage on the S3 server, in a fresh bucket."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
    )
    if BUCKET not in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    for key in stored_keys(client):
        client.delete_object(Bucket=BUCKET, Key=key)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
    }
    return client


def stored_keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers


def test_an_attachment_is_kept_in_the_bucket_and_served_by_a_signed_expiring_url(
    s3, client, member, thread, make_image
):
    reply = actions.add_reply(thread=thread, author=member, body="On S3")
    (photo,) = attach(post=reply, member=member, files=[prepare(make_image("PNG"), "deck.png")])
    assert photo.stored_name in stored_keys(s3)
    response = client.get(f"/attachments/{photo.pk}/deck.png")
    assert response.status_code == 302 and response["X-Content-Type-Options"] == "nosniff"
    # Reused only while the signed URL is still good for a while.
    assert response["Cache-Control"] == "private, max-age=150"
    url = response["Location"]
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"] == ['inline; filename="deck.png"']
    body, headers = fetch(url)
    assert (
        body.startswith(b"\x89PNG") and body == storages["default"].open(photo.stored_name).read()
    )
    assert headers["Content-Disposition"] == 'inline; filename="deck.png"'


def test_the_bucket_refuses_a_request_without_the_signature(s3, client, member, thread):
    reply = actions.add_reply(thread=thread, author=member, body="Plan")
    (plan,) = attach(post=reply, member=member, files=[prepare(b"5x5\n", "plan.txt")])
    url = client.get(f"/attachments/{plan.pk}/plan.txt")["Location"]
    assert "response-content-disposition=attachment" in url
    endpoint = url.split("?")[0]
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        fetch(endpoint)
    assert unsigned.value.code == 403


def test_thumbnails_and_avatars_are_made_in_the_bucket(
    s3, member, member_client, thread, make_image, upload
):
    from pictures.tasks import make_thumbnail

    reply = actions.add_reply(thread=thread, author=member, body="Thumb")
    (photo,) = attach(post=reply, member=member, files=[prepare(make_image(), "a.jpg")])
    name = make_thumbnail.call(photo.pk)
    assert name in stored_keys(s3)
    location = member_client.get(f"/attachments/{photo.pk}/thumbnail/")["Location"]
    assert fetch(location)[1]["Content-Type"] == "image/webp"
    member_client.post("/accounts/avatar/", {"image": upload("me.jpg"), "place": "centre"})
    member.refresh_from_db()
    assert f"avatars/{member.pk}/{member.avatar_key}-160.webp" in stored_keys(s3)


def test_orphaned_files_in_the_bucket_are_found_and_removed(s3, member, thread, capsys):
    reply = actions.add_reply(thread=thread, author=member, body="Kept")
    (kept,) = attach(post=reply, member=member, files=[prepare(b"keep\n", "keep.txt")])
    storages["default"].save("attachments/2026/01/abc/lost.txt", ContentFile(b"x"))
    call_command("remove_orphaned_files", "--min-age-hours", "0")
    assert stored_keys(s3) == {kept.stored_name}
    assert "removed: attachments/2026/01/abc/lost.txt" in capsys.readouterr().out
    assert Attachment.objects.count() == 1
