import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

UNAVAILABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Back in a moment</title></head>
<body><main><h1>The board is briefly unavailable</h1>
<p>We could not reach the database. Please try again in a minute.</p></main></body></html>
"""


def server_error(request):
    """The 500 page, except when the database is unreachable: then a plain 503 that asks the
    visitor (and any load balancer) to retry, and renders without touching the database."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)) or (
        isinstance(error, DatabaseError) and "connection" in str(error).lower()
    ):
        return HttpResponse(UNAVAILABLE, status=503, headers={"Retry-After": "30"})
    return HttpResponseServerError(loader.get_template("500.html").render())
