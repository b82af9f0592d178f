from django.urls import path

from forum import feeds, moderation, views

app_name = "forum"
urlpatterns = [
    path("", views.board_index, name="index"),
    path("forums/<slug:slug>/", views.forum_detail, name="forum_detail"),
    path("forums/<slug:slug>/new-thread/", views.thread_create, name="thread_create"),
    # The thread without its slug (a hand-typed or trimmed link) redirects like a wrong slug.
    path("threads/<int:pk>/", views.thread_detail, {"slug": ""}, name="thread_short"),
    path("threads/<int:pk>/reply/", views.thread_reply, name="thread_reply"),
    # Before thread_detail, whose <slug> would take these words.
    path("threads/<int:pk>/moderate/", moderation.thread_moderate, name="thread_moderate"),
    path("threads/<int:pk>/move/", moderation.thread_move, name="thread_move"),
    path("threads/<int:pk>/merge/", moderation.thread_merge, name="thread_merge"),
    path("threads/<int:pk>/split/", moderation.thread_split, name="thread_split"),
    path("threads/<int:pk>/<str:slug>/", views.thread_detail, name="thread_detail"),
    path("threads/<int:pk>/<str:slug>/print/", views.thread_print, name="thread_print"),
    path(
        "threads/<int:pk>/<str:slug>/archive.txt",
        views.thread_archive_text,
        name="thread_archive_text",
    ),
    path("posts/<int:pk>/", views.post_permalink, name="post_permalink"),
    path("search/", views.search, name="search"),
    path("moderation/queue/", moderation.moderation_queue, name="moderation_queue"),
    path("moderation/spammers/<int:pk>/", moderation.member_ban_spammer, name="member_ban_spammer"),
    path("feeds/threads/rss/", feeds.LatestThreadsFeed(), name="feed_rss"),
    path("feeds/threads/atom/", feeds.LatestThreadsAtomFeed(), name="feed_atom"),
    path("feeds/forums/<slug:slug>/rss/", feeds.ForumThreadsFeed(), name="forum_feed_rss"),
    path("feeds/forums/<slug:slug>/atom/", feeds.ForumThreadsAtomFeed(), name="forum_feed_atom"),
    path("feeds/threads/<int:pk>/rss/", feeds.ThreadPostsFeed(), name="thread_feed_rss"),
    path("feeds/threads/<int:pk>/atom/", feeds.ThreadPostsAtomFeed(), name="thread_feed_atom"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/history/", views.post_history, name="post_history"),
    path("posts/<int:pk>/moderate/", moderation.post_moderate, name="post_moderate"),
    path("posts/<int:pk>/report/", moderation.post_report, name="post_report"),
    path("posts/<int:pk>/addresses/", moderation.post_addresses, name="post_addresses"),
    path("posts/<int:pk>/infraction/", moderation.post_infraction, name="post_infraction"),
    # Beside accounts' /members/<pk>/: these pages belong to forum, which accounts may not import.
    path(
        "members/<int:pk>/infractions/",
        moderation.member_infractions,
        name="member_infractions",
    ),
    path("infractions/<int:pk>/reverse/", moderation.infraction_reverse, name="infraction_reverse"),
]
