#!/usr/bin/env bash
# The reports page at 1 000 000 appointments (bench/reports.py): seeds the PostgreSQL
# database bench_reports once (seed_bench, no medical records: the reports never read
# them), then times the page for a week, a month, a quarter and a year.
#   bench/reports.sh [OUT.md]       (default bench/results/reports.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
DB="${BENCH_REPORTS_DB:-bench_reports}"
PGURL="${PGURL:-postgres://postgres@127.0.0.1:5432}"
export DATABASE_URL="$PGURL/$DB"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/7}"
export DEBUG=false ALLOWED_HOSTS=testserver,localhost
export SECRET_KEY="${SECRET_KEY:-bench-reports-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
if ! psql "$PGURL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres "$DB"
fi
"$PY" manage.py migrate --noinput -v 0
if [ "$(psql "$DATABASE_URL" -tAc "SELECT count(*) FROM accounts_user WHERE email LIKE '%@bench.example'")" = "0" ]; then
  "$PY" manage.py seed_bench --appointments "${APPOINTMENTS:-1000000}" --no-records
  # seed_bench writes in bulk, past the appointments' save: count the reports' tables.
  "$PY" manage.py rebuild_daily_figures
  psql "$DATABASE_URL" -qc "VACUUM ANALYZE"
fi
"$PY" bench/reports.py "${1:-bench/results/reports.md}"
