from django.urls import path

from messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.sent_items, name="sent_items"),
    path("new/", views.conversation_create, name="conversation_create"),
    path("<int:pk>/", views.conversation_detail, name="conversation_detail"),
    path("<int:pk>/add/", views.participant_add, name="participant_add"),
    path("<int:pk>/leave/", views.conversation_leave, name="conversation_leave"),
    path("<int:pk>/delete/", views.conversation_delete, name="conversation_delete"),
    path("<int:pk>/mark/", views.conversation_mark, name="conversation_mark"),
    path("message/<int:pk>/report/", views.message_report, name="message_report"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("lists/", views.member_lists, name="member_lists"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
