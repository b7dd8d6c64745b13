#!/usr/bin/env bash
# schemathesis against the live API, as a patient, a doctor and clinic staff in turn.
#
# Starts the app on a throwaway SQLite database with one user of each role (known
# passwords; the doctor and staff also an authenticator with a known secret, whose code
# the script computes as the app would; a waitlist entry with an offer), logs each in
# for an access token, and runs the schemathesis CLI against
# /api/schema/ with that token. Checks: no 5xx response (not_a_server_error) and every
# response matching the schema (response_schema_conformance). Exits non-zero on any
# failure. Needs the project's virtualenv (.venv, or PY=...); installs schemathesis into
# it if missing. Tune with MAX_EXAMPLES (fuzzed cases per operation, default 30) and
# WORKERS (concurrent requests, default 4); the tokens are taken first and live 15 minutes,
# so the three runs together must stay under that (the defaults take about 2.5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SCHEMATHESIS="$(cd "$(dirname "$PY")" && pwd)/schemathesis"
MAX_EXAMPLES=${MAX_EXAMPLES:-30}
WORKERS=${WORKERS:-4}
PASSWORD="schemathesis-Pass-2030"
# RFC 6238's test key: the doctor's and staff's authenticator (a second factor is required).
TOTP_KEY="3132333435363738393031323334353637383930"

if ! "$PY" -m pip show --quiet schemathesis >/dev/null 2>&1; then
  echo "== installing schemathesis"
  "$PY" -m pip install --quiet schemathesis
fi

WORK=$(mktemp -d /tmp/healthcare-schemathesis-XXXXXX)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export DATABASE_URL="sqlite:///$WORK/db.sqlite3"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export MEDIA_ROOT="$WORK/media"

echo "== database: $DATABASE_URL"
"$PY" manage.py migrate --noinput -v 0

echo "== seeding a patient, a doctor (with hours, an appointment, a record) and staff"
"$PY" manage.py shell -v 0 -c "
import datetime
from django.utils import timezone
from accounts.models import User
from patients.services import register_patient
from appointments.models import Appointment
from appointments.selectors import next_free_slots
from appointments.services import book_appointment
from doctors.models import Specialty
from doctors.services import create_doctor, set_working_hours
from records.services import write_record

password = '$PASSWORD'
patient = register_patient(
    email='patient@example.org', password=password, first_name='Pat', last_name='Ient'
).patient
specialty = Specialty.objects.create(name='General practice', slug='general-practice')
doctor = create_doctor(
    email='doctor@example.org', password=password, first_name='Doc', last_name='Tor',
    specialty=specialty, license_number='GMC-0000001',
)
set_working_hours(
    doctor=doctor, intervals=[(day, datetime.time(8), datetime.time(18)) for day in range(7)]
)
staff = User.objects.create_superuser(
    email='staff@example.org', password=password, first_name='Staff', last_name='Member'
)
from django_otp.plugins.otp_totp.models import TOTPDevice
for user in (doctor.user, staff):
    TOTPDevice.objects.create(user=user, name='Authenticator app', key='$TOTP_KEY', confirmed=True)
slot = next_free_slots(doctor, days=7, limit=1)[0]
book_appointment(patient=patient, doctor=doctor, start=slot.start, reason='Seeded', booked_by=patient.user)
now = timezone.now()
visit = Appointment.objects.create(
    patient=patient, doctor=doctor, start=now - datetime.timedelta(hours=1),
    end=now - datetime.timedelta(minutes=30), status=Appointment.Status.CHECKED_IN,
)
write_record(appointment=visit, author=doctor.user, diagnosis='Seeded diagnosis')
# The waitlist: an entry, and an offer made to it (the task's own code, run here).
from waitlist.services import join_waitlist, offer_freed_time
today = timezone.localdate()
join_waitlist(
    patient=patient, actor=patient.user, doctor=doctor, earliest=today,
    latest=today + datetime.timedelta(days=14),
)
offer_freed_time(doctor_id=doctor.pk)
"

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
echo "== starting the app at $BASE"
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER_PID=$!

http() {  # http METHOD URL [JSON] -> prints the body; fails on a non-2xx status
  "$PY" - "$@" <<'EOF'
import sys, urllib.request
method, url = sys.argv[1], sys.argv[2]
data = sys.argv[3].encode() if len(sys.argv) > 3 else None
request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=10) as response:
    sys.stdout.write(response.read().decode())
EOF
}

for _ in $(seq 60); do
  http GET "$BASE/api/" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.5
done
http GET "$BASE/api/" >/dev/null

otp() {  # the code the authenticator app shows now (accounts.second_factor.current_code)
  "$PY" manage.py shell -v 0 -c "
from django_otp.plugins.otp_totp.models import TOTPDevice
from accounts.second_factor import current_code
print(current_code(TOTPDevice(key='$TOTP_KEY')))"
}

token() {  # token EMAIL [OTP]
  local body="{\"email\": \"$1\", \"password\": \"$PASSWORD\""
  [ -n "${2:-}" ] && body="$body, \"otp\": \"$2\""
  http POST "$BASE/api/auth/token" "$body}" \
    | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["access"])'
}

# All three tokens first: the runs hammer the (throttled) login endpoint themselves.
declare -A ACCESS
ACCESS[patient]=$(token patient@example.org)
# Doctor and staff give a second factor; one device each, so one code serves both.
CODE=$(otp)
ACCESS[doctor]=$(token doctor@example.org "$CODE")
ACCESS[staff]=$(token staff@example.org "$CODE")

failed=()
# Staff last: their run may retire the seeded patient and doctor (DELETE deactivates).
for role in patient doctor staff; do
  echo "== schemathesis as $role"
  # From the scratch directory: schemathesis leaves .schemathesis/ and .hypothesis/ in its cwd.
  if ! (cd "$WORK" && "$SCHEMATHESIS" run "$BASE/api/schema/?format=json" \
      --url "$BASE" \
      --header "Authorization: Bearer ${ACCESS[$role]}" \
      --workers "$WORKERS" \
      --checks not_a_server_error,response_schema_conformance \
      --phases examples,coverage,fuzzing \
      --max-examples "$MAX_EXAMPLES" \
      --request-timeout 20 \
      --generation-database none \
      --no-color); then
    failed+=("$role")
  fi
done

if grep -qE 'HTTP/[0-9.]+" 5[0-9][0-9] ' "$WORK/server.log"; then
  echo "== the server answered 5xx:"
  grep -E 'HTTP/[0-9.]+" 5[0-9][0-9] ' "$WORK/server.log"
  failed+=("server-log")
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "schemathesis FAILED for: ${failed[*]}"
  exit 1
fi
echo "schemathesis passed for patient, doctor and staff"
