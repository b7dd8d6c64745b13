"""Signals the scheduling layers send for the apps above them.

`time_freed` is sent *inside* the transaction of a change that gives a doctor's time back
to the calendar: an appointment cancelled or moved away, time off or a closure removed,
working hours set. A receiver that writes (the waitlist enqueues its offer task) therefore writes in
that same transaction: its row commits with the change or not at all. Sending a signal
keeps the layers one way: the sender never imports the apps that listen.

Arguments: `doctor_id`; `start` and `end` (aware datetimes) of the freed time, or both
None for "anything in the booking horizon" (new working hours); `kind`, one of
KIND_APPOINTMENT, KIND_TIME_OFF, KIND_CLOSURE, KIND_HOURS (for statistics only: listeners must never
tell anyone who freed the time or why).
"""

from django.dispatch import Signal

KIND_APPOINTMENT = "appointment"
KIND_TIME_OFF = "time-off"
KIND_CLOSURE = "closure"
KIND_HOURS = "hours"

time_freed = Signal()
