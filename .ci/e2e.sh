#!/usr/bin/env bash
# CI: the browser tests (tests/e2e). Playwright for Python drives Debian's Chromium (no
# browser download) against pytest-django's live server; axe-core comes bundled with
# axe-playwright-python. Screenshots and axe reports land in artifacts/ (kept by CI).
# The database is whatever DATABASE_URL says (SQLite when unset).
set -euo pipefail
cd "$(dirname "$0")/.."

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "== installing Chromium (Debian package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium
fi
"$CHROMIUM" --version 2>/dev/null || true

echo "== installing the e2e extra"
make --no-print-directory .venv/.installed
.venv/bin/python -m pip install --quiet ".[dev,e2e]"

echo "== browser tests"
mkdir -p artifacts/screenshots artifacts/axe
DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest tests/e2e -p no:cacheprovider "$@"
