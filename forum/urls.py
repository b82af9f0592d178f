from django.urls import path

from forum import views

app_name = "forum"
urlpatterns = [
    path("", views.board_index, name="index"),
    path("forums/<slug:slug>/", views.forum_detail, name="forum_detail"),
    path("threads/<int:pk>/<str:slug>/", views.thread_detail, name="thread_detail"),
    path("posts/<int:pk>/", views.post_permalink, name="post_permalink"),
]
