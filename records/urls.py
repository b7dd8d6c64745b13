from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("write/<int:appointment_pk>/", views.write, name="write"),
    path("<int:pk>/amend/", views.amend, name="amend"),
    path("access-log/", views.access_log, name="access_log"),
]
