import datetime

import pytest
from django.urls import reverse

from patients.models import AccessLog
from records.models import MedicalRecordVersion
from tests.accounts.factories import clerk
from tests.conftest import at, login
from tests.records.factories import record_at

# Every admin page here is looked at on Monday 7 January 2030, 08:00 in the clinic.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


CHANGELIST = "admin:records_medicalrecord_changelist"


def change_url(record):
    return reverse("admin:records_medicalrecord_change", args=[record.pk])


def test_changelist_shows_visit_patient_and_doctor_but_not_the_diagnosis(staff_client):
    record = record_at(at(-3, "10:00"), diagnosis="Seasonal allergic rhinitis")

    response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    page = response.content.decode()
    for heading in ("Visit", "Patient", "Doctor", "Version"):
        assert heading in page
    assert "Fri 4 Jan 2030, 10:00" in page
    assert record.patient.user.display_name in page
    assert str(record.doctor) in page
    # Reading a diagnosis means opening the record, which is logged.
    assert "Seasonal allergic rhinitis" not in page


@pytest.mark.parametrize("rows", [2, 10])
def test_changelist_query_count_does_not_grow_with_rows(
    staff_client, rows, django_assert_num_queries
):
    for i in range(rows):
        record_at(at(-3, "08:00") + datetime.timedelta(hours=i))

    with django_assert_num_queries(9):
        response = staff_client.get(reverse(CHANGELIST))

    assert len(response.context["cl"].result_list) == rows


def test_changelist_searches_by_patient(staff_client):
    wanted = record_at(at(-3, "09:00"))
    record_at(at(-3, "10:00"))

    response = staff_client.get(reverse(CHANGELIST), {"q": wanted.patient.user.email})

    assert list(response.context["cl"].result_list) == [wanted]


def test_opening_a_record_shows_it_with_its_versions_and_logs_the_view(staff, staff_client):
    record = record_at(at(-3, "10:00"))
    author = record.doctor.user
    MedicalRecordVersion.objects.create(
        record=record, version=1, author=author, diagnosis="Hay fever", prescription="", notes=""
    )

    response = staff_client.get(change_url(record))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Seasonal allergic rhinitis" in page
    assert "Hay fever" in page  # the earlier version
    entry = AccessLog.objects.get()
    assert (entry.actor, entry.action, entry.target) == (staff, "view", "record")
    assert (entry.object_id, entry.patient) == (record.pk, record.patient)


def test_records_are_read_only_for_staff_who_are_not_superusers():
    record = record_at(at(-3, "10:00"))
    # Staff, not superusers, with the record permissions an admin might hand out.
    client = login(
        clerk(
            "view_medicalrecord",
            "change_medicalrecord",
            "add_medicalrecord",
            "delete_medicalrecord",
            "view_clinical_content",
        )
    )

    changelist = client.get(reverse(CHANGELIST))
    page = client.get(change_url(record))
    post = client.post(change_url(record), {"diagnosis": "Edited", "_save": "Save"})
    add = client.get(reverse("admin:records_medicalrecord_add"))
    delete = client.post(
        reverse("admin:records_medicalrecord_delete", args=[record.pk]), {"post": "yes"}
    )

    assert changelist.status_code == 200
    assert reverse("admin:records_medicalrecord_add") not in changelist.content.decode()
    assert page.status_code == 200
    assert "Seasonal allergic rhinitis" in page.content.decode()
    assert 'name="diagnosis"' not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert (post.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    record.refresh_from_db()
    assert record.diagnosis == "Seasonal allergic rhinitis"


def test_records_are_read_only_for_superusers_too(staff_client):
    record = record_at(at(-3, "10:00"))

    page = staff_client.get(change_url(record)).content.decode()
    post = staff_client.post(change_url(record), {"diagnosis": "Edited", "_save": "Save"})

    assert 'name="diagnosis"' not in page
    assert post.status_code == 403
    record.refresh_from_db()
    assert record.diagnosis == "Seasonal allergic rhinitis"
