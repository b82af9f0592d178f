"""Probes for load balancers, and the state of the task queue.

`/healthz`: the process answers (no database). `/readyz`: the database and the cache answer, and
no task has waited for a worker longer than BOARD_READY_MAX_TASK_AGE_SECONDS. Both are answered
by the first middleware, before any HTTPS or trailing-slash redirect, session, page cache or
ALLOWED_HOSTS check: a load balancer probes each server by its address, over plain HTTP.
"""

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, F, Min, When
from django.db.models.functions import Greatest
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

log = logging.getLogger(__name__)


def task_queue() -> dict:
    """Tasks waiting for a worker now: how many, and how long the oldest has waited (seconds;
    0 when none). Deferred tasks (a retry's backoff) wait from their run_after."""
    waiting_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest("enqueued_at", "run_after"),
    )
    row = DBTaskResult.objects.ready().aggregate(waiting=Count("pk"), since=Min(waiting_since))
    oldest = (timezone.now() - row["since"]).total_seconds() if row["since"] else 0.0
    return {"waiting": row["waiting"], "oldest_waiting_seconds": round(max(oldest, 0.0), 1)}


def cache_answers() -> bool:
    # A fresh key each time, so probes from other processes never overwrite it; it expires soon.
    key, token = f"readyz:{secrets.token_hex(8)}", secrets.token_hex(8)
    cache.set(key, token, 5)
    return cache.get(key) == token


def healthz(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request) -> JsonResponse:
    checks, ready = {}, True
    try:
        queue = task_queue()
    except Exception:
        log.warning("readyz: the database does not answer", exc_info=True)
        checks["database"], ready = "unreachable", False
    else:
        checks["database"] = "ok"
        checks["tasks"] = queue
        limit = settings.BOARD_READY_MAX_TASK_AGE_SECONDS
        if limit and queue["oldest_waiting_seconds"] > limit:
            checks["tasks"]["status"], ready = f"a task has waited over {limit} s", False
    try:
        checks["cache"] = "ok" if cache_answers() else "lost what it was given"
    except Exception:
        log.warning("readyz: the cache does not answer", exc_info=True)
        checks["cache"] = "unreachable"
    # A cache outage does not take a server out of rotation: every app server shares the one
    # Redis, and the board serves without it (config/cache.py), so failing here would turn a
    # slower board into no board. The answer still says so, for whoever reads it.
    body = {"status": "ok" if ready else "unavailable", **checks}
    return JsonResponse(body, status=200 if ready else 503)


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthProbeMiddleware:
    """Answers the probes itself, ahead of every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = probe(request)
        response["Cache-Control"] = "no-store"
        return response
