"""Visit types, sites and closures (issue 14).

Until now every doctor had one slot length and the clinic was one place. Existing data
moves over with nothing changed: if there are doctors, one visit type "Consultation"
(30 minutes, bookable by anyone) and one site "Main site" are created; every doctor
offers the consultation at their own slot length, and all working hours are at the main
site. Appointments follow in appointments 0006.
"""

import django.core.validators
import django.db.models.deletion
import healthcare.core.validators
from django.db import migrations, models


DEFAULT_TYPE = "Consultation"
DEFAULT_SITE = "Main site"


def move_to_types_and_sites(apps, schema_editor):
    Doctor = apps.get_model("doctors", "Doctor")
    VisitType = apps.get_model("doctors", "VisitType")
    VisitTypeOffer = apps.get_model("doctors", "VisitTypeOffer")
    Site = apps.get_model("doctors", "Site")
    WorkingHours = apps.get_model("doctors", "WorkingHours")
    if not Doctor.objects.exists():
        return
    consultation, _ = VisitType.objects.get_or_create(
        name=DEFAULT_TYPE, defaults={"length_minutes": 30}
    )
    site, _ = Site.objects.get_or_create(name=DEFAULT_SITE)
    VisitTypeOffer.objects.bulk_create(
        VisitTypeOffer(
            doctor_id=doctor_id,
            visit_type=consultation,
            length_minutes=None if minutes == consultation.length_minutes else minutes,
        )
        for doctor_id, minutes in Doctor.objects.values_list("pk", "slot_minutes")
    )
    WorkingHours.objects.filter(site__isnull=True).update(site=site)


class Migration(migrations.Migration):
    dependencies = [
        ("doctors", "0002_single_line_fields"),
    ]

    operations = [
        migrations.CreateModel(
            name="Site",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=100,
                        unique=True,
                        validators=[healthcare.core.validators.validate_single_line],
                        verbose_name="name",
                    ),
                ),
                ("address", models.TextField(blank=True, max_length=500, verbose_name="address")),
                (
                    "phone",
                    models.CharField(
                        blank=True,
                        max_length=30,
                        validators=[healthcare.core.validators.validate_single_line],
                        verbose_name="phone",
                    ),
                ),
            ],
            options={
                "verbose_name": "site",
                "verbose_name_plural": "sites",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="workinghours",
            name="site",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="working_hours",
                to="doctors.site",
                verbose_name="site",
            ),
        ),
        migrations.CreateModel(
            name="VisitType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=100,
                        unique=True,
                        validators=[healthcare.core.validators.validate_single_line],
                        verbose_name="name",
                    ),
                ),
                (
                    "description",
                    models.TextField(
                        blank=True, max_length=1000, verbose_name="description for patients"
                    ),
                ),
                (
                    "length_minutes",
                    models.PositiveSmallIntegerField(
                        default=30,
                        validators=[
                            django.core.validators.MinValueValidator(5),
                            django.core.validators.MaxValueValidator(240),
                        ],
                        verbose_name="length (minutes)",
                    ),
                ),
                (
                    "spacing_minutes",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Visits start on this grid from the start of the working hours. Empty: every visit length.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(5),
                            django.core.validators.MaxValueValidator(240),
                        ],
                        verbose_name="start every (minutes)",
                    ),
                ),
                (
                    "buffer_minutes",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Time kept free after each visit (cleaning, notes).",
                        validators=[django.core.validators.MaxValueValidator(120)],
                        verbose_name="buffer after (minutes)",
                    ),
                ),
                (
                    "bookable_from",
                    models.TimeField(
                        blank=True,
                        help_text="Earliest start of the day, e.g. 08:00 for procedures in the morning.",
                        null=True,
                        verbose_name="bookable from",
                    ),
                ),
                (
                    "bookable_until",
                    models.TimeField(
                        blank=True,
                        help_text="The visit must end by this time of day.",
                        null=True,
                        verbose_name="bookable until",
                    ),
                ),
                (
                    "online_booking",
                    models.CharField(
                        choices=[
                            ("anyone", "Anyone"),
                            ("new", "New patients of the doctor"),
                            ("existing", "Existing patients of the doctor"),
                            ("staff", "Staff only (not bookable online)"),
                        ],
                        default="anyone",
                        max_length=10,
                        verbose_name="who may book online",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "visit type",
                "verbose_name_plural": "visit types",
                "ordering": ["name"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("length_minutes__gte", 5), ("length_minutes__lte", 240)
                        ),
                        name="doctors_visittype_length_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("spacing_minutes__isnull", True),
                            models.Q(("spacing_minutes__gte", 5), ("spacing_minutes__lte", 240)),
                            _connector="OR",
                        ),
                        name="doctors_visittype_spacing_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("buffer_minutes__lte", 120)),
                        name="doctors_visittype_buffer_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("bookable_from__isnull", True),
                            ("bookable_until__isnull", True),
                            ("bookable_until__gt", models.F("bookable_from")),
                            _connector="OR",
                        ),
                        name="doctors_visittype_bookable_hours_order",
                        violation_error_message="'Bookable until' must be after 'bookable from'.",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="site",
            name="visit_types",
            field=models.ManyToManyField(
                blank=True,
                help_text="Leave empty for every visit type.",
                related_name="sites",
                to="doctors.visittype",
                verbose_name="visit types offered here",
            ),
        ),
        migrations.CreateModel(
            name="Closure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateTimeField(verbose_name="from")),
                ("end", models.DateTimeField(verbose_name="until")),
                (
                    "reason",
                    models.CharField(
                        blank=True,
                        max_length=200,
                        validators=[healthcare.core.validators.validate_single_line],
                        verbose_name="reason",
                    ),
                ),
                (
                    "site",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: every site (the whole clinic).",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="closures",
                        to="doctors.site",
                        verbose_name="site",
                    ),
                ),
            ],
            options={
                "verbose_name": "closure",
                "verbose_name_plural": "closures",
                "ordering": ["start"],
                "indexes": [models.Index(fields=["start", "end"], name="closure_start_end_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("end__gt", models.F("start"))),
                        name="doctors_closure_end_after_start",
                        violation_error_message="The end must be after the start.",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="VisitTypeOffer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "length_minutes",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty: the visit type's length.",
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(5),
                            django.core.validators.MaxValueValidator(240),
                        ],
                        verbose_name="length (minutes)",
                    ),
                ),
                (
                    "doctor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="offers",
                        to="doctors.doctor",
                        verbose_name="doctor",
                    ),
                ),
                (
                    "visit_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="offers",
                        to="doctors.visittype",
                        verbose_name="visit type",
                    ),
                ),
            ],
            options={
                "verbose_name": "visit type offered",
                "verbose_name_plural": "visit types offered",
                "ordering": ["doctor", "visit_type__name"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("doctor", "visit_type"), name="doctors_offer_unique_per_doctor"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("length_minutes__isnull", True),
                            models.Q(("length_minutes__gte", 5), ("length_minutes__lte", 240)),
                            _connector="OR",
                        ),
                        name="doctors_offer_length_range",
                    ),
                ],
            },
        ),
        migrations.RunPython(move_to_types_and_sites, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="workinghours",
            name="site",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="working_hours",
                to="doctors.site",
                verbose_name="site",
            ),
        ),
    ]
