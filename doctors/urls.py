from django.urls import path

from doctors import views

app_name = "doctors"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:pk>/", views.detail, name="detail"),
    # The logged-in doctor's own calendar settings.
    path("me/hours/", views.working_hours, name="hours"),
    path("me/time-off/", views.time_off, name="time_off"),
    path("me/time-off/<int:pk>/remove/", views.time_off_remove, name="time_off_remove"),
]
