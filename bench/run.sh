#!/usr/bin/env bash
# The whole load benchmark in one command; writes bench/results/latest.md.
#   bench/run.sh                     10k and 1M appointments, two servers, faults included
#   bench/run.sh --large 100000      a smaller "large" size
#   bench/run.sh --reuse             keep already seeded bench_small / bench_large
#   bench/run.sh --help              every option
# Needs PostgreSQL and Redis on this machine (started if down, as .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
test -x "$PY" || make .venv/.installed
"$PY" -c "import gunicorn, locust" 2>/dev/null || "$PY" -m pip install --quiet ".[bench]"
exec "$PY" bench/run.py "$@"
