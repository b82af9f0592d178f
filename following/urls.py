from django.urls import path

from following import views

app_name = "following"
urlpatterns = [
    path("new/", views.new_posts, name="new_posts"),
    path("mark-all-read/", views.mark_all_read, name="mark_all_read"),
    path("subscriptions/", views.subscription_list, name="subscription_list"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("threads/<int:pk>/unread/", views.thread_first_unread, name="thread_first_unread"),
    path("threads/<int:pk>/follow/", views.thread_follow, name="thread_follow"),
    path("forums/<slug:slug>/follow/", views.forum_follow, name="forum_follow"),
    path("forums/<slug:slug>/mark-read/", views.forum_mark_read, name="forum_mark_read"),
]
