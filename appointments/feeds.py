"""Private calendar subscriptions: a secret address serving a person's appointments.

Phone and desktop calendar apps subscribe to an address and re-read it every so often;
they cannot log in, so the address itself is the key. It is long and random, belongs to
one patient or doctor, and can be turned off or replaced from the profile page at any
time (the old address then answers 404, like one that never existed).

These are the three views (the feed itself, making and turning off an address); the
writes are in appointments.services, the reads in appointments.selectors.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appointments import calendar
from appointments.models import CalendarFeed
from appointments.permissions import can_subscribe
from appointments.selectors import active_feed, feed_appointments
from appointments.services import issue_calendar_feed, revoke_calendar_feeds
from healthcare.core.http import NO_STORE


def feed_url(request, feed):
    return request.build_absolute_uri(reverse("accounts:calendar_feed", args=[feed.token]))


@require_GET
def calendar_feed(request, token):
    """The subscription itself: no login, the token is the key."""
    feed = (
        CalendarFeed.objects.active()
        .select_related("user__patient", "user__doctor")
        .filter(token=token, user__is_active=True)
        .first()
    )
    if feed is None or not can_subscribe(feed.user):
        raise Http404()
    user = feed.user
    audience = calendar.DOCTOR if user.is_doctor else calendar.PATIENT
    name = _("%(clinic)s appointments") % {"clinic": settings.CLINIC_NAME}
    body = calendar.feed_ics(feed_appointments(user), audience=audience, name=name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    response["Cache-Control"] = NO_STORE  # someone's appointments, though no one logs in
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@login_required
@require_POST
def calendar_feed_create(request):
    """Make (or replace) the user's secret calendar address."""
    if not can_subscribe(request.user):
        raise Http404()
    had_one = active_feed(request.user) is not None
    issue_calendar_feed(request.user)
    if had_one:
        messages.success(
            request, _("Your calendar has a new address. The old address no longer works.")
        )
    else:
        messages.success(request, _("Your calendar address is ready. Add it to your calendar app."))
    return redirect(f"{reverse('accounts:profile')}#calendar-heading")


@login_required
@require_POST
def calendar_feed_revoke(request):
    """Turn the user's calendar address off."""
    if revoke_calendar_feeds(request.user):
        messages.success(request, _("Your calendar address has been turned off."))
    return redirect(f"{reverse('accounts:profile')}#calendar-heading")
