"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("")


my_appointments = doctor_schedule = book_pick_slot = book_confirm = _todo
detail = cancel = reschedule = change_status = _todo
