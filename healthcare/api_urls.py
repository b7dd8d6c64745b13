"""The JSON API's routes, under /api/ (namespace `api`).

Collections end with a slash (`appointments/`), single objects and actions do not
(`appointments/7`, `appointments/7/status`), as the mobile clients already call them.
Anything else under /api/ is a JSON 404, whatever the method. The docs are Swagger UI
served from our own static files (drf-spectacular-sidecar), with its script loaded from
/api/docs/?script= rather than inline, so a strict Content-Security-Policy allows it.
"""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import api as accounts
from appointments.api import appointments
from appointments.api import doctors as scheduling
from appointments.api import patients as patient_profiles
from doctors import api as doctors
from healthcare.core.api.views import ApiRootView, NotFoundView
from patients import api as patients
from records import api as records
from waitlist import api as waitlist

app_name = "api"

urlpatterns = [
    path("", ApiRootView.as_view(), name="root"),
    path("auth/register", patients.RegisterView.as_view(), name="auth-register"),
    path("auth/token", accounts.TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh", accounts.TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout", accounts.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", accounts.MeView.as_view(), name="auth-me"),
    path("auth/me/close", patient_profiles.CloseAccountView.as_view(), name="auth-me-close"),
    path("auth/users/<int:pk>", accounts.UserDetailView.as_view(), name="auth-user"),
    path("patients/", patient_profiles.PatientListView.as_view(), name="patient-list"),
    path("patients/<int:pk>", patient_profiles.PatientDetailView.as_view(), name="patient-detail"),
    path("patients/<int:pk>/export", records.PatientExportView.as_view(), name="patient-export"),
    path(
        "patients/<int:pk>/export/pdf",
        records.PatientExportPdfView.as_view(),
        name="patient-export-pdf",
    ),
    path("dependants/", patients.DependantListView.as_view(), name="dependant-list"),
    path("doctors/", doctors.DoctorListView.as_view(), name="doctor-list"),
    # GET/PUT/PATCH are doctors.api's; DELETE (retiring, which cancels visits) is added here.
    path("doctors/<int:pk>", scheduling.DoctorDetailView.as_view(), name="doctor-detail"),
    path("doctors/<int:pk>/slots", scheduling.DoctorSlotsView.as_view(), name="doctor-slots"),
    path("slots/", scheduling.FirstAvailableView.as_view(), name="first-available"),
    path("visit-types/", doctors.VisitTypeListView.as_view(), name="visit-type-list"),
    path("sites/", doctors.SiteListView.as_view(), name="site-list"),
    path("appointments/", appointments.AppointmentListView.as_view(), name="appointment-list"),
    path(
        "appointments/<int:pk>",
        appointments.AppointmentDetailView.as_view(),
        name="appointment-detail",
    ),
    path(
        "appointments/<int:pk>/status",
        appointments.AppointmentStatusView.as_view(),
        name="appointment-status",
    ),
    path(
        "appointments/<int:pk>/reschedule",
        appointments.AppointmentRescheduleView.as_view(),
        name="appointment-reschedule",
    ),
    path("medical-records/", records.RecordListView.as_view(), name="record-list"),
    path("medical-records/<int:pk>", records.RecordDetailView.as_view(), name="record-detail"),
    path(
        "medical-records/break-glass",
        records.BreakGlassView.as_view(),
        name="record-break-glass",
    ),
    path("waitlist/", waitlist.EntryListView.as_view(), name="waitlist-list"),
    path("waitlist/offers/", waitlist.OfferListView.as_view(), name="waitlist-offer-list"),
    path(
        "waitlist/offers/<int:pk>/claim",
        waitlist.OfferClaimView.as_view(),
        name="waitlist-offer-claim",
    ),
    path("waitlist/<int:pk>", waitlist.EntryDetailView.as_view(), name="waitlist-detail"),
    # Public, and without authentication: a stale token must not turn the docs into an error.
    path("schema/", SpectacularAPIView.as_view(authentication_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", authentication_classes=[]),
        name="docs",
    ),
    re_path(r"^.*$", NotFoundView.as_view(), name="not-found"),
]
