from django.urls import path

from accounts import feeds, views

app_name = "accounts"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("register/sent/", views.register_done, name="register_done"),
    path("activate/<uidb64>/<token>/", views.activate, name="activate"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("home/", views.home_for_role, name="home"),
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/new/", feeds.calendar_feed_create, name="calendar_feed_create"),
    path("profile/calendar/off/", feeds.calendar_feed_revoke, name="calendar_feed_revoke"),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
