"""The clinical-content guard of the staff admin, as this clinic runs it: who may read
clinical content (patients.permissions) and the access-log entry each look writes.

The admins of patients, appointments and records build on it; the mechanism itself
(refused lookups, hidden fields and columns, when a page is logged) is
healthcare.core.admin.ClinicalContentMixin.
"""

from healthcare.core.admin import ClinicalContentMixin
from healthcare.core.http import client_ip
from patients.permissions import can_read_clinical_content
from patients.services import log_views


class ClinicalContentAdmin(ClinicalContentMixin):
    """Set `access_target` (an AccessLog.Target); `patient_of(obj)` is the patient whose
    data an object is (its `patient` unless overridden)."""

    access_target = None

    def can_read_clinical_content(self, request):
        return can_read_clinical_content(request.user)

    def patient_of(self, obj):
        return obj.patient

    def log_views(self, request, objects):
        log_views(
            [(obj.pk, self.patient_of(obj)) for obj in objects],
            target=self.access_target,
            actor=request.user,
            ip=client_ip(request),
        )
