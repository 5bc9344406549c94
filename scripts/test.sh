#!/usr/bin/env bash
# Runs every test: unit tests (surefire) and integration tests (failsafe, it-tests module).
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp verify "$@"
