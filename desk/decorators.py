"""The desk's doors: the log-in page for anonymous visitors, 404 for users without the role."""

import functools

from django.contrib.auth.decorators import login_required
from django.http import Http404


def requires(rule):
    """Admit logged-in users for whom `rule(user)` holds; the page does not exist for others."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not rule(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
