#!/usr/bin/env bash
# Every app's latest migrations, unapplied and applied again on a copy of a database with a
# year of data, on PostgreSQL.
#
# A database of its own (on the cluster DATABASE_URL points at; dropped afterwards) is
# migrated to HEAD and filled: seed_demo, a year of diary from seed_bench (20 doctors,
# 2000 patients, 20 000 appointments, a record and version for each fulfilled visit),
# amendments and access-log rows through the services, and closed accounts. Then, for
# each app, its last two migrations (one, if it has two) are unapplied (with everything that depends on them)
# and every migration applied again. After each round trip: the row count of every table
# the undoing kept is what it was (a table an undone migration made is dropped with it and
# made again empty: that loss is what undoing such a migration means, and the script names
# those tables), `migrate --check` finds nothing left, the append-only triggers are in
# place and a row of the access log still cannot be changed.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthcare bash .ci/migrations-with-data.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
BASE_URL=${DATABASE_URL:?"point DATABASE_URL at a PostgreSQL server"}
NAME="healthcare_migrations_$$"
export DATABASE_URL="${BASE_URL%/*}/$NAME"
psql_base() { psql "${BASE_URL%/*}/postgres" -v ON_ERROR_STOP=1 -qtAc "$1"; }
trap 'psql_base "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null' EXIT
psql_base "CREATE DATABASE $NAME"

echo "== a year of data at HEAD ($NAME)"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py seed_demo >/dev/null
"$PY" manage.py seed_bench --doctors 20 --patients 2000 --appointments 20000 --days 425 \
  | tail -1
"$PY" manage.py shell -v 0 -c "
from accounts.models import User
from appointments.services import close_account
from patients.models import Patient
from records.models import MedicalRecord
from records.services import amend_record

for record in MedicalRecord.objects.select_related('doctor__user').order_by('pk')[:300]:
    amend_record(record=record, author=record.doctor.user, diagnosis=record.diagnosis + ' (amended)')
for patient in Patient.objects.filter(user__email__endswith='@bench.example').order_by('pk')[:20]:
    patient.user.set_password('x'); patient.user.save()
    close_account(user=patient.user, password='x')
"

counts() {
  "$PY" manage.py shell -v 0 -c "
from django.db import connection
with connection.cursor() as cursor:
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f'SELECT count(*) FROM {connection.ops.quote_name(table)}')
        print(table, cursor.fetchone()[0])
"
}
tables() {
  "$PY" manage.py shell -v 0 -c "
from django.db import connection
print('\\n'.join(sorted(connection.introspection.table_names())))
"
}
# The lines of a `counts` listing whose table is in the list $1.
only() { awk 'NR == FNR { keep[$1] = 1; next } ($1 in keep)' <(echo "$1") <(echo "$2"); }
BEFORE=$(counts)
echo "$BEFORE" | awk '{rows += $2} END {print NR " tables, " rows " rows"}'

append_only_holds() {
  local triggers
  triggers=$(psql "$DATABASE_URL" -qtAc "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%append_only'")
  [ "$triggers" = 3 ] || { echo "append-only triggers: $triggers, expected 3"; return 1; }
  if psql "$DATABASE_URL" -qtAc "UPDATE patients_accesslog SET action = 'view'" >/dev/null 2>&1; then
    echo "the access log could be changed"; return 1
  fi
}

failed=0
for app in accounts patients doctors appointments records waitlist; do
  mapfile -t names < <("$PY" manage.py showmigrations "$app" --plan -v 0 | sed -n "s/^\[X\]  $app\.//p")
  # Back by two migrations at most, never to zero (that drops the app's tables and data).
  case ${#names[@]} in
    0|1) echo "== $app: one migration, whose reversal would drop its tables: skipped"; continue ;;
    2) target=${names[0]} ;;
    *) target=${names[-3]} ;;
  esac
  echo "== $app: back to $target, unapplying what follows it (and depends on it), then forward"
  "$PY" manage.py migrate "$app" "$target" --noinput -v 0
  KEPT=$(tables)
  DROPPED=$(comm -23 <(echo "$BEFORE" | cut -d' ' -f1) <(echo "$KEPT") | tr '\n' ' ')
  [ -z "$DROPPED" ] || echo "   made by the undone migrations, so dropped and made again: $DROPPED"
  "$PY" manage.py migrate --noinput -v 0
  "$PY" manage.py migrate --check --noinput -v 0
  AFTER=$(counts)
  if [ "$(only "$KEPT" "$AFTER")" != "$(only "$KEPT" "$BEFORE")" ]; then
    echo "row counts changed:"
    diff <(only "$KEPT" "$BEFORE") <(only "$KEPT" "$AFTER") || true
    failed=1
  fi
  BEFORE=$AFTER
  append_only_holds || failed=1
done
[ "$failed" = 0 ] && echo "every round trip kept every row; migrations apply on a year of data"
exit "$failed"
