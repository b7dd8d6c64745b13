from django.urls import path

from appointments import ics_views, views

app_name = "appointments"

urlpatterns = [
    path("", views.my_appointments, name="mine"),
    path("schedule/", views.doctor_schedule, name="schedule"),
    path("book/<int:doctor_pk>/", views.book_pick_slot, name="book"),
    path("book/<int:doctor_pk>/confirm/", views.book_confirm, name="book_confirm"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/ics/", ics_views.appointment_ics, name="ics"),
]
