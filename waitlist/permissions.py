"""Who may do what with waitlist entries: one function per rule."""

from accounts.permissions import has_staff_permission


def can_manage_entries_for(user, patient):
    """The patient themself, or staff whose role puts patients on the waitlist (reception)."""
    return patient.user_id == user.pk or has_staff_permission(user, "waitlist.add_waitlistentry")


def can_see_all_entries(user):
    return has_staff_permission(user, "waitlist.view_waitlistentry")
