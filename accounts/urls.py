from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.decorators.cache import never_cache

from accounts import account_views, views
from accounts.forms import PasswordChangeForm

app_name = "accounts"
urlpatterns = [
    path("register/", views.register, name="register"),
    path("confirm-again/", views.confirmation_resend, name="confirmation_resend"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("login/code/", account_views.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("email/", account_views.email_change, name="email_change"),
    path("email/confirm/<str:token>/", account_views.email_confirm, name="email_confirm"),
    path("email/undo/<str:token>/", account_views.email_undo, name="email_undo"),
    path("two-factor/", account_views.two_factor_setup, name="two_factor"),
    path("two-factor/off/", account_views.two_factor_off, name="two_factor_off"),
    path("two-factor/recovery-codes/", account_views.recovery_codes, name="recovery_codes"),
    path("sessions/", account_views.session_list, name="sessions"),
    path("data/", account_views.data_export, name="data_export"),
    path("data/<str:token>/", account_views.data_download, name="data_download"),
    path("leave/", account_views.leave, name="leave"),
    path(
        "password/",
        # Django's password change sends no Cache-Control: keep it out of shared caches.
        never_cache(
            auth_views.PasswordChangeView.as_view(
                form_class=PasswordChangeForm,
                success_url=reverse_lazy("accounts:password_change_done"),
            )
        ),
        name="password_change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    path("password/reset/", views.password_reset, name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
