#!/usr/bin/env bash
# `make test`: each part in its own pytest run, so that the services' test packages,
# settings and fixtures never meet in one interpreter. Stops at the first failing part.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python

part() { echo; echo "=== $1"; shift; "$@"; }

part "lab"       $py -m pytest -q tests/lab
part "common"    $py -m pytest -q services/common/tests
part "students"  $py -m pytest -q services/students/tests
part "grades"    $py -m pytest -q services/grades/tests
part "web"       $py -m pytest -q services/web/tests
part "gateway"   $py -m pytest -q services/gateway/tests
part "contract"  $py -m pytest -q tests/contract
part "models"    $py -m pytest -q tests/models
