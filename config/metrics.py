"""Prometheus metrics: requests by view and status, request latency, database query and cache
timings, and gauges computed when /metrics is read (SCRAPE_TIME_GAUGES).

Off unless BOARD_METRICS_ALLOWED_ADDRESSES lists the addresses that may read /metrics; every
other address gets the 404 page, so the page's existence is not advertised.

Several gunicorn workers each count their own requests. With PROMETHEUS_MULTIPROC_DIR set (the
board's gunicorn settings, config/gunicorn.py, set it), prometheus_client's multiprocess mode
has every worker write its numbers to files there and /metrics adds up all of them, so whichever
worker answers gives the server's totals. Without it (one process: runserver, the tests) the
process's own numbers are the totals.
"""

import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from config.health import task_queue

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "board_http_requests", "Requests answered, by view, method and status.",
    ["view", "method", "status"],
)  # fmt: skip
REQUEST_SECONDS = Histogram(
    "board_http_request_duration_seconds", "Time from request to response, by view.",
    ["view", "method"],
)  # fmt: skip
DB_QUERY_SECONDS = Histogram(
    "board_db_query_duration_seconds", "Database queries run while answering requests.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)  # fmt: skip
CACHE_SECONDS = Histogram(
    "board_cache_operation_duration_seconds", "Redis cache calls, by operation.",
    ["operation"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1),
)  # fmt: skip
CACHE_LOOKUPS = Counter(
    "board_cache_lookups", "Keys looked up in the Redis cache, by result (hit or miss).",
    ["result"],
)  # fmt: skip
CACHE_ERRORS = Counter(
    "board_cache_errors", "Redis cache calls that failed because Redis was unreachable.",
    ["operation"],
)  # fmt: skip

KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

# Gauges read when /metrics is read, each (name, help, function returning a number). Register
# such gauges here, not as prometheus_client Gauges: a function run at scrape time gives one
# true value from whichever worker answers.
SCRAPE_TIME_GAUGES: list[tuple[str, str, Callable[[], float]]] = [
    (
        "board_task_queue_waiting",
        "Tasks (mail) due now and waiting for a worker.",
        lambda: task_queue()["waiting"],
    ),
    (
        "board_task_queue_oldest_waiting_seconds",
        "How long the oldest task due now has waited for a worker (0 when none waits).",
        lambda: task_queue()["oldest_waiting_seconds"],
    ),
]


class ScrapeTimeGauges:
    """A prometheus_client collector for SCRAPE_TIME_GAUGES."""

    def collect(self):
        for name, documentation, function in SCRAPE_TIME_GAUGES:
            try:
                value = function()
            except Exception:
                # A gauge whose source is down (the database, for the task queue) is left out
                # of this scrape rather than taking the request and cache numbers with it.
                log.warning("metrics: %s could not be read", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


def time_query(execute, sql, params, many, context):
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        DB_QUERY_SECONDS.observe(time.perf_counter() - started)


class MetricsMiddleware:
    """Counts and times every request; first in MIDDLEWARE, so it includes the others' time."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        with connection.execute_wrapper(time_query):
            response = self.get_response(request)
        match = request.resolver_match
        view = match.view_name if match is not None else "<unresolved>"
        method = request.method if request.method in KNOWN_METHODS else "<other>"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(view, method).observe(time.perf_counter() - started)
        return response


def metrics_view(request):
    """The metrics in Prometheus's text format, for the listed addresses only."""
    if request.META.get("REMOTE_ADDR") not in settings.BOARD_METRICS_ALLOWED_ADDRESSES:
        raise Http404
    registry = CollectorRegistry()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        multiprocess.MultiProcessCollector(registry)
        registry.register(ScrapeTimeGauges())
        output = generate_latest(registry)
    else:
        registry.register(ScrapeTimeGauges())
        output = generate_latest(REGISTRY) + generate_latest(registry)
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
