"""A patient's own copy of their data ("Download my data"): one FHIR R4 Bundle, and a PDF.

What goes in (`gather`): the profile, every appointment, every record with every version
it has had, and the access log of who looked at or changed any of it (the download that
makes the copy included). The Bundle (type `collection`, HL7 FHIR R4) holds:

- Patient: name, contacts, birth date, the emergency contact; AllergyIntolerance (one
  per line of allergies), Observation (blood group, LOINC 882-1) and Condition (the
  medical history as written) when given;
- Practitioner: each doctor involved;
- Appointment: each visit, with its FHIR status (ours are FHIR's), reason, cancellation;
- Encounter: each visit that has a record;
- DocumentReference: each version of each record, the text as a plain-text attachment;
  earlier versions are `superseded` and each later one `replaces` the one before;
- AuditEvent: each access-log entry.

References are `urn:uuid:` ids made from the object's type and key, so the same object
has the same id in every export. The tests validate the Bundle against the official FHIR
R4 JSON schema (tests/records/fhir/).
"""

import base64
import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment
from patients.models import AccessLog
from patients.services import log_export
from records.models import MedicalRecord, MedicalRecordVersion

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, settings.SITE_URL)
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
AUDIT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
# Our access-log actions as FHIR AuditEvent.action (C create, R read, U update, D delete).
AUDIT_ACTIONS = {
    AccessLog.Action.VIEW: "R",
    AccessLog.Action.CREATE: "C",
    AccessLog.Action.AMEND: "U",
    AccessLog.Action.UPDATE: "U",
    AccessLog.Action.EXPORT: "R",
    AccessLog.Action.PURGE: "D",
}


@dataclass
class PatientData:
    patient: object
    appointments: list
    records: list
    access_log: list
    generated_at: object


def gather(patient):
    """Everything the clinic holds about `patient`, in a handful of queries."""
    appointments = list(
        Appointment.objects.filter(patient=patient)
        .select_related("doctor__user", "doctor__specialty", "cancelled_by")
        .order_by("start", "pk")
    )
    records = list(
        MedicalRecord.objects.filter(patient=patient)
        .select_related("doctor__user", "appointment")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=MedicalRecordVersion.objects.select_related("author").order_by("version"),
            )
        )
        .order_by("created_at", "pk")
    )
    access_log = list(
        AccessLog.objects.filter(patient=patient)
        .select_related("actor__doctor")
        .order_by("created_at", "pk")
    )
    return PatientData(patient, appointments, records, access_log, timezone.now())


def urn(kind, key):
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{key}')}"


def ref(kind, key, display=None):
    reference = {"reference": urn(kind, key)}
    if display:
        reference["display"] = display
    return reference


def instant(moment):
    """A FHIR instant: UTC, with seconds."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _patient(patient):
    user = patient.user
    resource = {
        "resourceType": "Patient",
        "identifier": [{"system": f"{settings.SITE_URL}/patients", "value": str(patient.pk)}],
        "active": user.is_active,
        "name": [{"use": "official", "family": user.last_name, "given": [user.first_name]}],
        "telecom": [{"system": "email", "value": user.email}] if user.email else [],
    }
    if user.phone:
        resource["telecom"].append({"system": "phone", "value": user.phone})
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    if patient.emergency_contact_name or patient.emergency_contact_phone:
        contact = {"name": {"text": patient.emergency_contact_name or "-"}}
        if patient.emergency_contact_phone:
            contact["telecom"] = [{"system": "phone", "value": patient.emergency_contact_phone}]
        resource["contact"] = [contact]
    return _clean(resource)


def _health_details(patient):
    subject = ref("Patient", patient.pk)
    resources = []
    for n, line in enumerate(filter(None, map(str.strip, patient.allergies.splitlines()))):
        resources.append(
            (
                urn("AllergyIntolerance", f"{patient.pk}-{n}"),
                {"resourceType": "AllergyIntolerance", "code": {"text": line}, "patient": subject},
            )
        )
    if patient.blood_type:
        resources.append(
            (
                urn("Observation", f"blood-group-{patient.pk}"),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {
                        "coding": [
                            {
                                "system": "http://loinc.org",
                                "code": "882-1",
                                "display": "ABO and Rh group [Type] in Blood",
                            }
                        ]
                    },
                    "subject": subject,
                    "valueString": patient.blood_type,
                },
            )
        )
    if patient.medical_history.strip():
        resources.append(
            (
                urn("Condition", f"history-{patient.pk}"),
                {
                    "resourceType": "Condition",
                    "code": {"text": patient.medical_history.strip()},
                    "subject": subject,
                    "note": [{"text": _("Medical history, as written in the patient's profile.")}],
                },
            )
        )
    return resources


def _practitioner(doctor):
    user = doctor.user
    return _clean(
        {
            "resourceType": "Practitioner",
            "identifier": [
                {"system": f"{settings.SITE_URL}/licence", "value": doctor.license_number}
            ],
            "name": [{"family": user.last_name, "given": [user.first_name], "prefix": ["Dr"]}],
        }
    )


def _appointment(appointment):
    doctor = appointment.doctor
    resource = {
        "resourceType": "Appointment",
        "status": appointment.status,
        "start": instant(appointment.start),
        "end": instant(appointment.end),
        "created": instant(appointment.created_at),
        "description": appointment.reason,
        "participant": [
            {"actor": ref("Patient", appointment.patient_id), "status": "accepted"},
            {
                "actor": ref("Practitioner", doctor.pk, doctor.user.display_name),
                "status": "accepted",
            },
        ],
    }
    if appointment.status == Appointment.Status.CANCELLED and appointment.cancellation_reason:
        resource["cancelationReason"] = {"text": appointment.cancellation_reason}
    return _clean(resource)


def _encounter(record):
    appointment = record.appointment
    resource = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "subject": ref("Patient", record.patient_id),
        "participant": [{"individual": ref("Practitioner", record.doctor_id)}],
        "appointment": [ref("Appointment", appointment.pk)],
        "period": {"start": instant(appointment.start), "end": instant(appointment.end)},
    }
    return resource


def version_text(version):
    parts = [
        (_("Diagnosis"), version.diagnosis),
        (_("Prescription"), version.prescription),
        (_("Notes"), version.notes),
    ]
    return "\n".join(f"{label}: {text}" for label, text in parts if text)


def _document(record, version, latest):
    text = version_text(version) or _("(erased after the retention period)")
    resource = {
        "resourceType": "DocumentReference",
        "status": "current" if version.version == latest else "superseded",
        "docStatus": "final" if version.version == 1 else "amended",
        "type": {"text": _("Medical record, version %(n)d") % {"n": version.version}},
        "subject": ref("Patient", record.patient_id),
        "date": instant(version.created_at),
        "author": [ref("Practitioner", record.doctor_id, version.author.display_name)],
        "description": version.reason,
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "data": base64.b64encode(text.encode()).decode(),
                    "title": _("Record of %(date)s")
                    % {"date": timezone.localtime(record.created_at).date().isoformat()},
                }
            }
        ],
    }
    if version.version > 1:
        resource["relatesTo"] = [
            {
                "code": "replaces",
                "target": ref("DocumentReference", f"{record.pk}-{version.version - 1}"),
            }
        ]
    if record.appointment_id:
        resource["context"] = {"encounter": [ref("Encounter", record.pk)]}
    return _clean(resource)


def _audit_event(entry, clinic):
    actor = entry.actor
    if actor is None:
        who = {"display": clinic}
    elif _doctor(actor) is not None:
        who = ref("Practitioner", actor.doctor.pk, actor.display_name)
    else:
        who = {"display": f"{actor.display_name} ({actor.get_role_display()})"}
    agent = {"who": who, "requestor": True}
    if entry.ip_address:
        agent["network"] = {"address": entry.ip_address, "type": "2"}
    if entry.target == AccessLog.Target.RECORD:
        what = {"display": _("Medical record #%(id)d") % {"id": entry.object_id}}
    else:
        what = ref("Patient", entry.patient_id)
    return _clean(
        {
            "resourceType": "AuditEvent",
            "type": {"system": AUDIT_TYPE, "code": "rest", "display": "RESTful Operation"},
            "action": AUDIT_ACTIONS[entry.action],
            "recorded": instant(entry.created_at),
            "outcome": "0",
            "outcomeDesc": entry.get_action_display(),
            "agent": [agent],
            "source": {"observer": {"display": clinic}},
            "entity": [{"what": what}],
        }
    )


def _doctor(user):
    """The user's doctor profile (loaded with the log), if they are a doctor."""
    return user.doctor_profile if user is not None else None


def _clean(resource):
    """Without empty values: FHIR forbids empty strings, lists and objects."""
    if isinstance(resource, dict):
        cleaned = {key: _clean(value) for key, value in resource.items()}
        return {key: value for key, value in cleaned.items() if value not in ("", [], {}, None)}
    if isinstance(resource, list):
        return [value for value in map(_clean, resource) if value not in ("", [], {}, None)]
    return resource


def bundle(data):
    """The FHIR R4 Bundle (a dict, ready for JSON) of everything in `data`."""
    patient = data.patient
    entries = [(urn("Patient", patient.pk), _patient(patient)), *_health_details(patient)]
    doctors = {a.doctor.pk: a.doctor for a in data.appointments}
    doctors.update({r.doctor.pk: r.doctor for r in data.records})
    doctors.update({e.actor.doctor.pk: e.actor.doctor for e in data.access_log if _doctor(e.actor)})
    entries += [(urn("Practitioner", pk), _practitioner(d)) for pk, d in sorted(doctors.items())]
    entries += [(urn("Appointment", a.pk), _appointment(a)) for a in data.appointments]
    for record in data.records:
        if record.appointment_id:
            entries.append((urn("Encounter", record.pk), _encounter(record)))
        for version in record.versions.all():
            key = f"{record.pk}-{version.version}"
            entries.append(
                (urn("DocumentReference", key), _document(record, version, record.version))
            )
    clinic = settings.CLINIC_NAME
    entries += [(urn("AuditEvent", e.pk), _audit_event(e, clinic)) for e in data.access_log]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": instant(data.generated_at)},
        "type": "collection",
        "timestamp": instant(data.generated_at),
        "entry": [{"fullUrl": full_url, "resource": resource} for full_url, resource in entries],
    }


def download(patient, *, actor, ip=None, as_pdf=False):
    """The download of all of `patient`'s data, FHIR JSON or PDF; logged before it is made."""
    from records import pdf  # fpdf2 is loaded only when a PDF is asked for

    log_export(patient=patient, actor=actor, ip=ip)
    data = gather(patient)
    day = timezone.localdate(data.generated_at).isoformat()
    if as_pdf:
        response = HttpResponse(pdf.render(data), content_type="application/pdf")
        name = f"clinic-data-{patient.pk}-{day}.pdf"
    else:
        response = JsonResponse(
            bundle(data), content_type="application/fhir+json", json_dumps_params={"indent": 1}
        )
        name = f"clinic-data-{patient.pk}-{day}.fhir.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    return response
