"""/healthz and /readyz for load balancers, and the task queue's numbers."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.mail import send_confirmation_mail
from config.health import task_queue


def probe(client, path, **headers):
    response = client.get(path, **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response and not response.cookies
    return response.status_code, json.loads(response.content)


def test_healthz_answers_without_the_database(client):
    # No `db` fixture: any query would raise, and the probe would answer 500.
    assert probe(client, "/healthz") == (200, {"status": "ok"})


def test_readyz_reports_the_database_the_cache_and_the_waiting_tasks(
    client, database_tasks, member
):
    send_confirmation_mail.enqueue(member.pk, "http://testserver/")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(seconds=90))
    status, body = probe(client, "/readyz")
    assert status == 200
    assert body["status"] == "ok" and body["database"] == "ok" and body["cache"] == "ok"
    assert body["tasks"]["waiting"] == 1
    assert 90 <= body["tasks"]["oldest_waiting_seconds"] < 120


def test_readyz_is_503_when_a_task_has_waited_longer_than_the_threshold(
    client, settings, database_tasks, member
):
    settings.BOARD_READY_MAX_TASK_AGE_SECONDS = 600
    send_confirmation_mail.enqueue(member.pk, "http://testserver/")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=11))
    status, body = probe(client, "/readyz")
    assert status == 503 and body["status"] == "unavailable"
    assert body["tasks"]["status"] == "a task has waited over 600 s"
    settings.BOARD_READY_MAX_TASK_AGE_SECONDS = 0  # 0: the queue's age is not checked
    assert probe(client, "/readyz")[0] == 200


def test_a_deferred_retry_waits_from_its_run_after_and_a_future_one_is_not_waiting(
    database_tasks, member
):
    now = timezone.now()
    send_confirmation_mail.using(run_after=now + timedelta(minutes=5)).enqueue(member.pk, "x")
    assert task_queue() == {"waiting": 0, "oldest_waiting_seconds": 0.0}
    DBTaskResult.objects.update(
        enqueued_at=now - timedelta(hours=1), run_after=now - timedelta(seconds=30)
    )
    queue = task_queue()
    assert queue["waiting"] == 1 and 30 <= queue["oldest_waiting_seconds"] < 60


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_with_the_database_down_and_healthz_still_200(client, closed_port):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port
    try:
        status, body = probe(client, "/readyz")
        assert probe(client, "/healthz") == (200, {"status": "ok"})
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    assert status == 503
    assert body == {"status": "unavailable", "database": "unreachable", "cache": "ok"}


def test_readyz_reports_a_cache_outage_but_keeps_the_server_in_rotation(client, db, closed_port):
    def redis_at(url):
        return override_settings(
            CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                "LOCATION": url, "KEY_PREFIX": "board-tasks-test"}}
        )  # fmt: skip

    # Every app server shares the one Redis and serves without it: failing readiness would
    # take the whole board out of the balancer for what is only a cold cache.
    with redis_at(f"redis://127.0.0.1:{closed_port}/11"):
        status, body = probe(client, "/readyz")
    assert status == 200
    assert body["cache"] == "unreachable" and body["database"] == "ok"
    with redis_at("redis://127.0.0.1:6379/11"):
        assert probe(client, "/readyz") == (200, {**probe(client, "/readyz")[1], "cache": "ok"})


def test_probes_meet_no_https_redirect_slash_redirect_host_check_or_page_cache(
    client, settings, database_tasks, member
):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["forum.example.com"]
    settings.BOARD_PAGE_CACHE_SECONDS = 300
    # A load balancer probes each server by its own address, over plain HTTP.
    assert probe(client, "/healthz", HTTP_HOST="10.0.0.7:8000")[0] == 200
    assert probe(client, "/readyz", HTTP_HOST="10.0.0.7:8000")[1]["tasks"]["waiting"] == 0
    send_confirmation_mail.enqueue(member.pk, "http://testserver/")
    assert probe(client, "/readyz", HTTP_HOST="10.0.0.7:8000")[1]["tasks"]["waiting"] == 1
    # The rest of the board still redirects to HTTPS and checks the host.
    assert client.get("/", HTTP_HOST="forum.example.com").status_code == 301
    assert client.get("/", HTTP_HOST="10.0.0.7").status_code == 400


def test_probes_answer_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200


def test_stuck_tasks_are_put_back_in_the_queue_only_after_the_threshold(
    database_tasks, member, capsys
):
    for minutes in (20, 1):
        send_confirmation_mail.enqueue(member.pk, f"{minutes} minutes")
    for task in DBTaskResult.objects.all():
        minutes = int(task.args_kwargs["args"][1].split()[0])
        task.status, task.started_at = "RUNNING", timezone.now() - timedelta(minutes=minutes)
        task.save()
    call_command("requeue_stuck_tasks", "--older-than", "900")
    assert capsys.readouterr().out == "Put 1 stuck task back in the queue.\n"
    requeued = DBTaskResult.objects.get(status="READY")
    assert requeued.args_kwargs["args"][1] == "20 minutes" and requeued.started_at is None
    assert task_queue()["waiting"] == 1
