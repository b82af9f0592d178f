from django.urls import path

from community import views

app_name = "community"
urlpatterns = [
    path("threads/<int:pk>/poll/new/", views.poll_create, name="poll_create"),
    path("polls/<int:pk>/vote/", views.poll_vote, name="poll_vote"),
    path("polls/<int:pk>/voters/", views.poll_voters, name="poll_voters"),
    path("posts/<int:pk>/thank/", views.post_thank, name="post_thank"),
    path("posts/<int:pk>/reputation/", views.post_reputation, name="post_reputation"),
    path("members/<int:pk>/reputation/", views.member_reputation, name="member_reputation"),
    path("notifications/", views.notice_list, name="notice_list"),
    path("notifications/read/", views.notice_read, name="notice_read"),
    path("notifications/<int:pk>/open/", views.notice_open, name="notice_open"),
    path("notifications/settings/", views.notice_settings, name="notice_settings"),
    path("online/", views.whos_online, name="whos_online"),
]
