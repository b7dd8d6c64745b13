#!/usr/bin/env bash
# CI: bandit over the code that runs in production (scope and exclusions: [tool.bandit] in
# pyproject.toml). Any finding of any severity fails the step; each accepted one carries a
# `# nosec BXXX (reason)` and is listed in docs/security/bandit-justifications.md.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
if ! "$PY" -m bandit --version >/dev/null 2>&1; then
  echo "== installing bandit"
  "$PY" -m pip install --quiet "bandit>=1.8"
fi

echo "== bandit"
"$PY" -m bandit -c pyproject.toml -r . --severity-level low --confidence-level low
