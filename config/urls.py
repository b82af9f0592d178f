from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("members/", include("accounts.member_urls")),
    path("", include("forum.urls")),
]
