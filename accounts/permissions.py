"""Who may do what with logins: one function per rule.

Clinic staff act by the permissions of their role (a group: reception, clinic manager,
records officer; superusers have them all), never by being staff alone.
"""


def has_staff_permission(user, permission):
    """Whether `user` is clinic staff holding `permission` ("app.codename").

    Staff-ness first, so that a patient's or a doctor's request never queries permissions.
    """
    return user.is_clinic_staff and user.has_perm(permission)


def can_manage_logins(user):
    """Staff who may change logins (IT): retire a patient's or doctor's login, end a
    person's sessions, reset their second factor."""
    return has_staff_permission(user, "accounts.change_user")


def can_see_logins(user):
    """Staff who may look up anyone's login (the API's auth/users/{id})."""
    return has_staff_permission(user, "accounts.view_user")
