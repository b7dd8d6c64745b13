"""The one map of the site: every HTML page, the API (healthcare/api_urls.py), the admin.

Namespaces name areas of the site (`accounts`, `doctors`, `appointments`, `waitlist`,
`records`, `patients`); each path points at the view of the app that owns the work, so an area may
show pages of several apps (the doctor's page with free slots is appointments'). Paths
and names are the public contract: templates, emails and calendar subscriptions use them.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts
from appointments import family_views as family
from appointments import feeds, ics_views
from appointments import views as appointments
from desk import views as desk
from doctors import views as doctors
from healthcare import views
from healthcare.core import ops
from patients import views as patients
from records import views as records
from waitlist import views as waitlist

admin.site.site_header = settings.CLINIC_NAME
admin.site.site_title = settings.CLINIC_NAME
admin.site.index_title = "Clinic administration"

accounts_urls = [
    path("register/", patients.register, name="register"),
    path("register/sent/", patients.register_done, name="register_done"),
    path("activate/<uidb64>/<token>/", accounts.activate, name="activate"),
    path("claim/<uidb64>/<token>/", accounts.claim, name="claim"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("login/code/", accounts.login_code, name="login_code"),
    path("activate/again/", accounts.resend_activation, name="resend_activation"),
    path("invitation/<str:token>/", accounts.accept_invitation, name="invitation"),
    path("security/", accounts.security, name="security"),
    path("security/two-step/", accounts.two_factor_setup, name="two_factor_setup"),
    path("security/two-step/codes/", accounts.recovery_codes, name="recovery_codes"),
    path("security/two-step/off/", accounts.two_factor_disable, name="two_factor_disable"),
    path("security/sessions/<int:pk>/end/", accounts.session_end, name="session_end"),
    path("security/sessions/end-others/", accounts.sessions_end_others, name="sessions_end_others"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("home/", accounts.home_for_role, name="home"),
    path("profile/", views.profile, name="profile"),
    path("profile/close/", views.close_account_page, name="close"),
    path("profile/family/", family.family, name="family"),
    path("profile/family/<int:pk>/", family.family_edit, name="family_edit"),
    path("profile/family/<int:pk>/remove/", family.family_remove, name="family_remove"),
    path("profile/calendar/new/", feeds.calendar_feed_create, name="calendar_feed_create"),
    path("profile/calendar/off/", feeds.calendar_feed_revoke, name="calendar_feed_revoke"),
    # Phones and desktop calendars are subscribed to this address: it never moves.
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar_feed"),
    path("password/change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        accounts.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        accounts.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

doctors_urls = [
    path("", doctors.directory, name="directory"),
    path("<int:pk>/", appointments.doctor_detail, name="detail"),
    # The logged-in doctor's own calendar settings.
    path("me/hours/", doctors.working_hours, name="hours"),
    path("me/time-off/", appointments.time_off, name="time_off"),
    path("me/time-off/<int:pk>/remove/", appointments.time_off_remove, name="time_off_remove"),
]

appointments_urls = [
    path("", appointments.my_appointments, name="mine"),
    path("schedule/", appointments.doctor_schedule, name="schedule"),
    path("first-available/", appointments.first_available_page, name="first_available"),
    path("book/<int:doctor_pk>/", appointments.book_pick_slot, name="book"),
    path("book/<int:doctor_pk>/confirm/", appointments.book_confirm, name="book_confirm"),
    path("<int:pk>/", records.appointment_detail, name="detail"),
    path("<int:pk>/cancel/", appointments.cancel, name="cancel"),
    path("<int:pk>/reschedule/", appointments.reschedule, name="reschedule"),
    path(
        "<int:pk>/reschedule/confirm/",
        appointments.reschedule_confirm,
        name="reschedule_confirm",
    ),
    path("<int:pk>/status/", appointments.change_status, name="status"),
    path("<int:pk>/ics/", ics_views.appointment_ics, name="ics"),
    path("<int:pk>/summary.pdf", records.appointment_pdf, name="pdf"),
]

waitlist_urls = [
    path("", waitlist.mine, name="mine"),
    path("join/", waitlist.join, name="join"),
    path("earlier/<int:pk>/", waitlist.join_earlier, name="join_earlier"),
    path("<int:pk>/edit/", waitlist.edit, name="edit"),
    path("<int:pk>/leave/", waitlist.leave, name="leave"),
    # Emailed to the patient: the signed token of one offer.
    path("offers/<str:token>/", waitlist.claim, name="claim"),
]

records_urls = [
    path("", records.mine, name="mine"),
    path("<int:pk>/", records.detail, name="detail"),
    path("<int:pk>/record.pdf", records.record_pdf, name="pdf"),
    path("write/<int:appointment_pk>/", records.write, name="write"),
    path("<int:pk>/amend/", records.amend, name="amend"),
    path("access-log/", records.access_log, name="access_log"),
    path("break-glass/<int:patient_pk>/", records.break_glass, name="break_glass"),
    path("export/", records.export, name="export"),
]

patients_urls = [
    path("", appointments.patient_list, name="list"),
    path("<int:pk>/", records.patient_detail, name="detail"),
    path("<int:pk>/export/", records.patient_export, name="export"),
]

desk_urls = [
    path("", desk.board, name="board"),
    path("appointments/<int:pk>/check-in/", desk.check_in, name="check_in"),
    path("appointments/<int:pk>/no-show/", desk.no_show, name="no_show"),
    path("appointments/<int:pk>/move/", desk.move, name="move"),
    path("appointments/<int:pk>/cancel/", desk.cancel, name="cancel"),
    path("patients/", desk.patient_search, name="search"),
    path("patients/new/", desk.walk_in, name="walk_in"),
    path("patients/<int:pk>/", desk.patient, name="patient"),
    path("patients/<int:pk>/book/", desk.book, name="book"),
    path("patients/<int:pk>/invite/", desk.invite, name="invite"),
    path("reports/", desk.reports, name="reports"),
    path("reports/<slug:figure>.csv", desk.report_csv, name="report_csv"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include((accounts_urls, "accounts"))),
    path("doctors/", include((doctors_urls, "doctors"))),
    path("appointments/waitlist/", include((waitlist_urls, "waitlist"))),
    path("appointments/", include((appointments_urls, "appointments"))),
    path("records/", include((records_urls, "records"))),
    path("patients/", include((patients_urls, "patients"))),
    path("api/", include("healthcare.api_urls")),
    path("desk/", include((desk_urls, "desk"))),
    path("admin/", admin.site.urls),
    path("healthz", ops.healthz, name="healthz"),
    path("bench/ceiling", ops.ceiling, name="bench-ceiling"),
]

if settings.DEBUG and not settings.PRODUCTION:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
