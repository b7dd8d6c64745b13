"""Placeholder: being written."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("")


directory = detail = _todo
