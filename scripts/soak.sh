#!/usr/bin/env bash
# The soak of docs/reliability.md: the daemon relisting every 10 ms with 110 pods under a resize churn (resizes, pods
# replaced, a watch, event lists) for MINUTES, its live heap sampled after full collections (jcmd GC.class_histogram).
# Prints every sample, then one verdict line: the least-squares slope after the warm-up against the bound, PASS or FAIL.
#   scripts/soak.sh [MINUTES] [BOUND_MIB_PER_MINUTE]      default 10 minutes, 1 MiB/min
# Extra Maven flags in MVN_FLAGS (MVN_FLAGS=-o to build offline). The CI form is SoakIT's default (60 s, bound 6).
set -uo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
bound="${2:-1}"
mkdir -p it-tests/target
rm -f it-tests/target/failsafe-reports/*SoakIT*
# shellcheck disable=SC2086  # MVN_FLAGS: extra Maven flags
mvn -B -ntp ${MVN_FLAGS:-} verify -pl it-tests -am -Dit.test=SoakIT -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dmaven.test.failure.ignore=true \
  -Dresizelet.soak.seconds=$((minutes * 60)) -Dresizelet.soak.boundMibPerMinute="$bound" > it-tests/target/soak.log 2>&1
out=$(ls it-tests/target/failsafe-reports/*SoakIT-output.txt 2>/dev/null | head -1)
if [[ -z "$out" ]]; then
  echo "the soak did not run: see it-tests/target/soak.log"
  exit 1
fi
grep -E '^soak' "$out"
grep -q ': PASS$' "$out"
