"""The readable copy of a patient's data: the same content as the FHIR Bundle
(records.export.gather), laid out as a PDF a person reads and prints.

fpdf2 writes it in pure Python (no browser, no system library); DejaVu Sans (records/fonts,
with its licence) covers the scripts of names and notes beyond Latin-1, and is embedded
as a subset.
"""

from pathlib import Path

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from records.export import version_text

FONTS = Path(__file__).resolve().parent / "fonts"


def _when(moment):
    return formats.date_format(timezone.localtime(moment), "D j M Y, H:i")


class _Document(FPDF):
    def __init__(self, title):
        super().__init__(format="A4")
        self.title_text = title
        self.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_font("DejaVu", size=10)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.set_author(settings.CLINIC_NAME)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", size=8)
        self.cell(0, 5, f"{self.title_text} · {self.page_no()}/{{nb}}", align="C")

    def heading(self, text, size=14):
        self.ln(3)
        self.set_font("DejaVu", "B", size)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=10)

    def line_of(self, text, bold=False):
        self.set_font("DejaVu", "B" if bold else "", 10)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", size=10)

    def rows(self, header, rows, widths):
        if not rows:
            self.line_of(_("None."))
            return
        with self.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD"),
            line_height=5,
            text_align="LEFT",
        ) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(str(value))


def render(data):
    """The PDF (bytes) of `data`, a records.export.PatientData."""
    patient, user = data.patient, data.patient.user
    title = _("%(name)s: data held by %(clinic)s") % {
        "name": user.display_name,
        "clinic": settings.CLINIC_NAME,
    }
    pdf = _Document(title)
    pdf.add_page()
    pdf.heading(title, size=16)
    pdf.line_of(_("Made on %(when)s.") % {"when": _when(data.generated_at)})

    pdf.heading(_("Your details"))
    details = [
        (_("Name"), user.get_full_name()),
        (_("Email"), user.email or ""),
        (_("Phone"), user.phone),
        (_("Date of birth"), patient.date_of_birth.isoformat() if patient.date_of_birth else ""),
        (_("Blood type"), patient.get_blood_type_display() if patient.blood_type else ""),
        (_("Allergies"), patient.allergies),
        (_("Medical history"), patient.medical_history),
        (
            _("Emergency contact"),
            " ".join(
                filter(None, [patient.emergency_contact_name, patient.emergency_contact_phone])
            ),
        ),
    ]
    pdf.rows([_("What"), _("As the clinic has it")], [(k, v or "—") for k, v in details], (1, 3))

    pdf.heading(_("Appointments"))
    pdf.rows(
        [_("When"), _("Doctor"), _("Status"), _("Reason")],
        [
            (
                _when(a.start),
                a.doctor.user.display_name,
                a.get_status_display(),
                a.cancellation_reason if a.status == a.Status.CANCELLED else a.reason,
            )
            for a in data.appointments
        ],
        (2, 2, 1, 3),
    )

    pdf.heading(_("Medical records"))
    if not data.records:
        pdf.line_of(_("None."))
    for record in data.records:
        pdf.line_of(
            _("Record of %(when)s by %(doctor)s")
            % {"when": _when(record.created_at), "doctor": record.doctor.user.display_name},
            bold=True,
        )
        for version in record.versions.all():
            pdf.line_of(
                _("Version %(n)d, written %(when)s by %(author)s")
                % {
                    "n": version.version,
                    "when": _when(version.created_at),
                    "author": version.author.display_name,
                }
                + (f" — {_('reason')}: {version.reason}" if version.reason else ""),
            )
            pdf.set_x(pdf.l_margin + 5)
            pdf.multi_cell(0, 5, version_text(version) or "—", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    pdf.heading(_("Who looked at or changed your data"))
    pdf.rows(
        [_("When"), _("Who"), _("What")],
        [
            (
                _when(entry.created_at),
                entry.actor.display_name if entry.actor else settings.CLINIC_NAME,
                f"{entry.get_action_display()}: {entry.get_target_display().lower()}",
            )
            for entry in data.access_log
        ],
        (2, 2, 3),
    )
    return bytes(pdf.output())
