"""Who may use the front desk and read the reports: one function each, by role permissions."""

from accounts.permissions import has_staff_permission


def can_use_desk(user):
    """Staff who run the desk: look patients up, book, move, cancel, check in (reception;
    IT as superusers)."""
    return has_staff_permission(user, "appointments.change_appointment") and has_staff_permission(
        user, "patients.view_patient"
    )


def can_see_reports(user):
    """Staff who read the clinic's figures (clinic manager; IT as superusers)."""
    return has_staff_permission(user, "desk.view_reports")
