from django.urls import path, re_path

from pictures import views

app_name = "pictures"
urlpatterns = [
    path("attachments/<int:pk>/thumbnail/", views.attachment_thumbnail, name="thumbnail"),
    path("attachments/<int:pk>/<str:name>", views.attachment, name="attachment"),
    re_path(
        r"^avatars/(?P<member_id>[0-9]{1,18})/(?P<key>[0-9a-f]{1,32})-(?P<size>[a-z]{1,8})\.webp$",
        views.avatar,
        name="avatar",
    ),
    path("accounts/avatar/", views.avatar_edit, name="avatar_edit"),
    path("accounts/avatar/remove/", views.avatar_remove, name="avatar_remove"),
]
