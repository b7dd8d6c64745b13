from django.urls import path

from doctors import views

app_name = "doctors"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<int:pk>/", views.detail, name="detail"),
]
