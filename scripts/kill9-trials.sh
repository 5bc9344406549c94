#!/usr/bin/env bash
# kill -9 trials with three concurrent writers against the simulated daemon (it-tests ConcurrentKillIT):
#   scripts/kill9-trials.sh [TRIALS] [SEED]      default 100 trials, seed 42
# Prints one line per failure and a summary: trials, acknowledged changes checked, lost, overcommits, unconverged.
set -euo pipefail
cd "$(dirname "$0")/.."
trials="${1:-100}"
seed="${2:-42}"
mvn -q -B -ntp install -DskipTests -pl it-tests -am
exec mvn -B -ntp verify -pl it-tests -Dit.test=ConcurrentKillIT -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dresizelet.kill9.trials="$trials" -Dresizelet.kill9.seed="$seed"
