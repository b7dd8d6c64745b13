"""Admin list columns built with healthcare.core.admin.column / datetime_column: the
related object's value, dates and times in the clinic's zone, and "—" for nothing."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from accounts import audit
from accounts.models import SecurityEvent
from tests.appointments.factories import AppointmentFactory
from tests.conftest import CLINIC_TZ
from tests.records.factories import MedicalRecordFactory

pytestmark = pytest.mark.django_db


def test_the_records_list_shows_the_visit_in_summer_time_and_a_dash_without_one(staff_client):
    summer_visit = datetime.datetime(2030, 7, 9, 9, 30, tzinfo=CLINIC_TZ)
    with_visit = MedicalRecordFactory(appointment=AppointmentFactory(start=summer_visit))
    without_visit = MedicalRecordFactory(
        appointment=None, patient=with_visit.patient, doctor=with_visit.doctor
    )

    page = staff_client.get(reverse("admin:records_medicalrecord_changelist")).content.decode()

    assert without_visit.patient.user.display_name in page
    visits = re.findall(r'<th class="field-visit"><a href="[^"]+">([^<]*)</a></th>', page)
    assert sorted(visits) == ["Tue 9 Jul 2030, 09:30", "—"]


def test_the_security_log_shows_when_in_the_clinics_time(staff, staff_client):
    with time_machine.travel(datetime.datetime(2030, 7, 1, 12, 0, tzinfo=datetime.UTC)):
        audit.record(SecurityEvent.Kind.LOGIN, actor=staff)

    page = staff_client.get(reverse("admin:accounts_securityevent_changelist")).content.decode()

    assert "Mon 1 Jul 2030, 13:00" in page
