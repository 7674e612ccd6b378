#!/usr/bin/env bash
# `make test`: each part in its own pytest run, so that the services' test packages,
# settings and fixtures never meet in one interpreter. Every part runs; the exit code says if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python

failed=()
part() {
  local name=$1; shift
  echo; echo "=== $name"
  "$@" || failed+=("$name")
}

part "lab"       $py -m pytest -q tests/lab
part "common"    $py -m pytest -q services/common/tests
part "students"  $py -m pytest -q services/students/tests
part "grades"    $py -m pytest -q services/grades/tests
part "web"       $py -m pytest -q services/web/tests
part "gateway"   $py -m pytest -q services/gateway/tests
part "agent"     $py -m pytest -q services/agent/tests
part "contract"  $py -m pytest -q tests/contract
part "models"    $py -m pytest -q tests/models

echo
if ((${#failed[@]})); then
  echo "make test: failed parts: ${failed[*]}"
  exit 1
fi
echo "make test: every part passed"
