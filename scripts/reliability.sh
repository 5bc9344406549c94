#!/usr/bin/env bash
# The reliability harness: every fault trial of docs/reliability.md in one run, each printing its counts, then
# "N passed, M failed" (one check per trial kind). Trial counts are arguments, with the full run's defaults:
#   scripts/reliability.sh [KILL9_TRIALS] [CRI_FAULT_ROUNDS] [DELETION_TRIALS] [SEED] [SOAK_MINUTES]
#                                                                              default 100 5 20 42 10
# The CI form is the it-tests defaults (20 kill -9 trials, 1 round of the CRI fault matrix, 3 deletion trials, a 60 s
# soak). The soak's bound on the live heap's slope is 1 MiB/min for runs of more than 2 minutes, 6 for shorter ones.
# Extra Maven flags in MVN_FLAGS (MVN_FLAGS=-o to build offline).
set -uo pipefail
cd "$(dirname "$0")/.."
kill9="${1:-100}"
rounds="${2:-5}"
deletions="${3:-20}"
seed="${4:-42}"
soak="${5:-10}"

# check NAME TEST-CLASS[#METHOD] COUNT-LINE-PATTERN
checks=(
  "kill -9 trials with concurrent writers|ConcurrentKillIT|^kill -9 trials:"
  "CRI faults during a resize|CriFaultMatrixIT|^cri fault"
  "kill -9 during graceful and forced deletions|DaemonDeletionIT#killDashNine*|^deletion kill -9 trials:"
  "disk faults through the seam|DiskFaultMatrixIT|^disk fault cases:"
  "disk full (tmpfs)|DiskFullIT|^disk full"
  "soak: live heap under relist every 10 ms and a resize churn|SoakIT|^soak:"
)
tests=$(printf '%s\n' "${checks[@]}" | cut -d'|' -f2 | paste -sd, -)

mkdir -p it-tests/target   # a fresh checkout has none: the log goes there
rm -f it-tests/target/failsafe-reports/*.txt
# verify, not install: the modules it needs are built in this reactor (no unit tests), nothing goes to ~/.m2
# shellcheck disable=SC2086  # MVN_FLAGS: extra Maven flags, e.g. MVN_FLAGS=-o for an offline build
mvn -B -ntp ${MVN_FLAGS:-} verify -pl it-tests -am -Dit.test="$tests" -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dmaven.test.failure.ignore=true \
  -Dresizelet.kill9.trials="$kill9" -Dresizelet.kill9.seed="$seed" \
  -Dresizelet.crifaults.rounds="$rounds" \
  -Dresizelet.deletion.trials="$deletions" -Dresizelet.deletion.seed="$seed" \
  -Dresizelet.soak.seconds=$((soak * 60)) -Dresizelet.soak.boundMibPerMinute="$([[ $soak -gt 2 ]] && echo 1 || echo 6)" \
  > it-tests/target/reliability.log 2>&1
reports=it-tests/target/failsafe-reports

passed=0
failed=0
for check in "${checks[@]}"; do
  IFS='|' read -r name class pattern <<< "$check"
  class="${class%%#*}"
  summary=$(ls "$reports"/dev.resizelet.it.*."$class".txt 2>/dev/null | head -1)
  echo "== $name ($class)"
  grep -h -E "$pattern" "$reports"/*"$class"*-output.txt 2>/dev/null || echo "   (no counts printed)"
  if [[ -n "$summary" && -f "$summary" ]] && grep -q "Failures: 0, Errors: 0" "$summary"; then
    passed=$((passed + 1))
    echo "   passed"
  else
    failed=$((failed + 1))
    echo "   FAILED: see $summary and it-tests/target/reliability.log"
  fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
