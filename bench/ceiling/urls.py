from django.db import connection
from django.http import HttpResponse
from django.urls import path

# About 2 KB of HTML, built once.
PAGE = (
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Ceiling</title></head><body>"
    + "".join(
        f"<p>Line {n:02d} of a constant page, the same for every request.</p>" for n in range(32)
    )
    + "</body></html>"
).encode()


def ceiling(request):
    """A constant page after one trivial query: what a page costs before it does any work."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(PAGE)


urlpatterns = [path("", ceiling)]
