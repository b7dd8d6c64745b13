"""Who may do what with a doctor's profile and calendar: one function per rule."""

from accounts.permissions import has_staff_permission


def can_add_time_off(user, doctor):
    """The doctor themself, or staff whose role keeps doctors' calendars (clinic manager)."""
    return doctor.user_id == user.pk or has_staff_permission(user, "doctors.add_timeoff")


def can_remove_time_off(user, doctor):
    return doctor.user_id == user.pk or has_staff_permission(user, "doctors.delete_timeoff")


def can_see_every_doctor(user):
    """Staff who see retired doctors too (the directory shows active ones to everyone)."""
    return has_staff_permission(user, "doctors.view_doctor")


def can_add_doctors(user):
    return has_staff_permission(user, "doctors.add_doctor")


def can_change_doctors(user):
    """Staff who change any doctor's profile (a doctor changes their own biography)."""
    return has_staff_permission(user, "doctors.change_doctor")


def can_manage_closures(user):
    """Staff whose role keeps the clinic's calendar (clinic manager): closures cancel visits."""
    return has_staff_permission(user, "doctors.add_closure")


def can_remove_closures(user):
    """Staff whose role keeps the clinic's calendar: removing a closure opens its time again."""
    return has_staff_permission(user, "doctors.delete_closure")
