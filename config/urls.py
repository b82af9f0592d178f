from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from config.metrics import metrics_view
from forum import archive_admin, legacy

urlpatterns = [
    path(
        "admin/forum/archive-upload/",
        admin.site.admin_view(archive_admin.archive_upload),
        name="archive_upload",
    ),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),
    # The footer's language switch for visitors (members choose theirs in the profile). Without
    # a CSRF token, so that visitors' pages stay in the page cache: choosing another's display
    # language for them is harmless.
    path("language/", csrf_exempt(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("members/", include("accounts.member_urls")),
    path("messages/", include("messaging.urls")),
    # The old board's links (forum/legacy.py).
    path("showthread.php", legacy.showthread),
    path("showpost.php", legacy.showpost),
    path("printthread.php", legacy.printthread),
    re_path(r"^archive/index\.php/t-(?P<legacy_id>[0-9]+)\.html$", legacy.archive_thread),
    path("", include("pictures.urls")),
    path("", include("following.urls")),
    path("", include("community.urls")),
    path("", include("forum.urls")),
]

handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
