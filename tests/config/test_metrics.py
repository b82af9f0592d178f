"""/metrics: off by default, for listed addresses only, with numbers that add up."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from prometheus_client import REGISTRY

from accounts.mail import send_confirmation_mail
from config import metrics

SAMPLE_THREAD = "/threads/1/cardio-back-pain/"
THREAD_VIEW = {"view": "forum:thread_detail", "method": "GET"}


@pytest.fixture
def metrics_on(settings):
    settings.BOARD_METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.MIDDLEWARE = ["config.metrics.MetricsMiddleware", *settings.MIDDLEWARE]


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_off_by_default(client, db):
    assert django_settings.BOARD_METRICS_ALLOWED_ADDRESSES == []
    response = client.get("/metrics")
    assert response.status_code == 404
    assert "board_http_requests" not in response.text


def test_a_listed_address_reads_requests_by_view_and_status_and_their_timings(
    client, sample, metrics_on
):
    before = value("board_http_requests_total", status="200", **THREAD_VIEW)
    queries_before = value("board_db_query_duration_seconds_count")
    client.get(SAMPLE_THREAD)
    client.get(f"{SAMPLE_THREAD}?page=99")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert value("board_http_requests_total", status="200", **THREAD_VIEW) == before + 1
    assert value("board_db_query_duration_seconds_count") >= queries_before + 2
    text = response.text
    assert 'board_http_requests_total{method="GET",status="200",view="forum:thread_detail"}' in text
    assert 'status="404",view="forum:thread_detail"' in text
    assert 'board_http_request_duration_seconds_bucket{le="0.005",method="GET"' in text
    assert "board_db_query_duration_seconds_bucket" in text


def test_other_addresses_get_the_404_page(client, db, metrics_on):
    response = client.get("/metrics", REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 404
    assert "board_http_requests" not in response.text


def test_metrics_add_no_query_to_a_page(client, sample, metrics_on, django_assert_num_queries):
    # 1: the thread; 2: its posts (as with metrics off)
    with django_assert_num_queries(2):
        client.get(SAMPLE_THREAD)


def test_gauges_registered_for_scrape_time_are_read_at_each_scrape(
    client, db, metrics_on, monkeypatch
):
    depth = iter([3, 5])
    monkeypatch.setattr(
        metrics,
        "SCRAPE_TIME_GAUGES",
        [("board_test_waiting", "Waiting things.", lambda: next(depth))],
    )
    assert "board_test_waiting 3.0" in client.get("/metrics").text
    assert "board_test_waiting 5.0" in client.get("/metrics").text


def test_the_task_queue_depth_and_oldest_wait_are_read_at_scrape_time(
    client, member, database_tasks, metrics_on
):
    assert "board_task_queue_waiting 0.0" in client.get("/metrics").text
    send_confirmation_mail.enqueue(member.pk, "http://testserver")
    text = client.get("/metrics").text
    assert "board_task_queue_waiting 1.0" in text
    assert "board_task_queue_oldest_waiting_seconds" in text


def test_cache_hits_and_timings_are_counted(client, sample, board_on_redis, metrics_on):
    board_on_redis.start()
    client.get(SAMPLE_THREAD)
    hits = value("board_cache_lookups_total", result="hit")
    gets = value("board_cache_operation_duration_seconds_count", operation="get_many")
    client.get(SAMPLE_THREAD)  # the page from the cache
    assert value("board_cache_lookups_total", result="hit") >= hits + 2  # generation and page
    assert value("board_cache_operation_duration_seconds_count", operation="get_many") > gets


def test_several_worker_processes_are_added_up(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "VAR_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "BOARD_METRICS_ALLOWED_ADDRESSES": "127.0.0.1",
    }
    setup = "import django; django.setup(); from config import metrics; "
    count = setup + 'metrics.REQUESTS.labels("forum:index", "GET", "200").inc()'
    scrape = setup + (
        "from django.test import RequestFactory; "
        "print(metrics.metrics_view(RequestFactory().get('/metrics')).content.decode())"
    )
    for _ in range(2):  # two workers, each counting one request and exiting
        subprocess.run([sys.executable, "-c", count], env=env, check=True, timeout=60)
    output = subprocess.run(
        [sys.executable, "-c", scrape], env=env, check=True, timeout=60, capture_output=True,
        text=True, cwd=django_settings.BASE_DIR,
    ).stdout  # fmt: skip
    assert 'board_http_requests_total{method="GET",status="200",view="forum:index"} 2.0' in output
