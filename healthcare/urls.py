from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from healthcare import views
from healthcare.core import ops

admin.site.site_header = settings.CLINIC_NAME
admin.site.site_title = settings.CLINIC_NAME
admin.site.index_title = "Clinic administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("doctors/", include("doctors.urls")),
    path("appointments/", include("appointments.urls")),
    path("records/", include("records.urls")),
    path("patients/", include("patients.urls")),
    path("api/", include("healthcare.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", ops.healthz, name="healthz"),
    path("bench/ceiling", ops.ceiling, name="bench-ceiling"),
]

if settings.DEBUG and not settings.PRODUCTION:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
