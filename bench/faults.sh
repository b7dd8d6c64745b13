#!/usr/bin/env bash
# Faults only (PostgreSQL restarted under load, Redis stopped), on the seeded bench_large
# (seeds it first if missing), through two app servers; writes bench/results/faults.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bench/run.sh --only large --reuse --scenarios Ceiling --seconds 5 \
  --out bench/results/faults.md "$@"
