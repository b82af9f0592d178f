"""The board's error pages: 403, 404, 500 (or 503 when the database is down) and the CSRF
failure page, in the board's layout, each with the reason the view gave."""

import logging
import sys

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, QueryDict
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext_lazy

from accounts.middleware import request_language

log = logging.getLogger(__name__)

UNAVAILABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back in a moment</title></head>
<body><main><h1>The board is briefly unavailable</h1>
<p>We could not reach the database. Please try again in a minute.</p></main></body></html>
"""
# Should the layout itself fail (a static file missing from the manifest, a broken template).
BARE_SERVER_ERROR = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Server error</title></head>
<body><main><h1>Something went wrong</h1>
<p>The board had a problem answering. Please try again in a moment.</p></main></body></html>
"""
# The forms whose text a CSRF failure must not lose: shown again, filled in, never written.
RESENDABLE_FORMS = {
    "forum:thread_reply": ("body", "submission_key"),
    "forum:thread_create": ("title", "body", "submission_key"),
    "forum:post_edit": ("body",),
}
RESENT_MESSAGE = gettext_lazy(
    "Nothing was posted: the form's security token (CSRF) no longer matched your session, "
    "for example after logging out and in again in another tab. Your text is below: check it "
    "and send it again."
)


def reason_of(exception) -> str:
    """The message a view raised Http404 or PermissionDenied with, if it gave one in words
    (the URL resolver's 404 carries a dict of the patterns it tried: never shown)."""
    message = exception.args[0] if exception and exception.args else ""
    return message if isinstance(message, str) else ""


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": reason_of(exception)}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", {"reason": reason_of(exception)}, status=404)


def server_error(request):
    """The 500 page, except when the database is unreachable: then a plain 503 that asks the
    visitor (and any load balancer) to retry. Neither touches the database or the request:
    the 500 page renders the layout with no context processors (a visitor's view of it)."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DatabaseError) and "connection" in str(error).lower()
    ):
        return HttpResponse(UNAVAILABLE, status=503, headers={"Retry-After": "30"})
    try:
        page = loader.get_template("500.html").render({"board_name": settings.BOARD_NAME})
    except Exception:
        log.exception("The 500 page could not be rendered")
        page = BARE_SERVER_ERROR
    return HttpResponseServerError(page)


def csrf_failure(request, reason=""):
    """A POST the CSRF check refused. A reply, a new thread or an edit is shown again, filled
    in with what was sent and a fresh token, by its own view answering a GET: every access
    check runs as usual and nothing is written. Anything else gets the 403 page."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        match = None
    fields = RESENDABLE_FORMS.get(match.view_name) if match else None
    if request.method != "POST" or fields is None or not request.user.is_authenticated:
        return render(request, "403_csrf.html", {"reason": reason}, status=403)
    posted = request.POST
    request.resent_input = {name: posted[name] for name in fields if name in posted}
    request.method, request.POST = "GET", QueryDict()
    messages.warning(request, RESENT_MESSAGE)
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code == 200:
        response.status_code = 403
    return response


# No page of the board reads a query string this long (a search is at most a few hundred
# characters): anything longer is answered with the board's 414 page before any work is done.
# gunicorn (config/gunicorn.py) lets request lines through up to its own hard maximum so that
# visitors see this page rather than gunicorn's bare one.
MAX_QUERY_STRING = 2048


class LongQueryStringMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            # The layout with no context processors, as the 500 page: no session, no database,
            # so in the visitor's language (the footer switch's cookie) or the board's.
            with translation.override(request_language(request)):
                page = loader.get_template("414.html").render(
                    {"board_name": settings.BOARD_NAME, "path": request.path}
                )
            return HttpResponse(page, status=414)
        return self.get_response(request)
