#!/usr/bin/env bash
# Disk faults under the state directory (docs/reliability.md, "Disk faults"): the fault matrix through the logs'
# filesystem seam (DiskFaultMatrixIT) and a really full tmpfs under the daemon (DiskFullIT, needs root to mount),
# each printing its counts, then "N passed, M failed". Extra Maven flags in MVN_FLAGS (MVN_FLAGS=-o: offline).
#   scripts/disk-faults.sh
set -uo pipefail
cd "$(dirname "$0")/.."

# check NAME PACKAGE.CLASS COUNT-LINE-PATTERN
checks=(
  "ENOSPC, EIO, EROFS at append, fsync and rename, through the seam|agent.DiskFaultMatrixIT|^disk fault cases:"
  "a full tmpfs under the daemon's state directory|daemon.DiskFullIT|^disk full"
)
tests=$(printf '%s\n' "${checks[@]}" | cut -d'|' -f2 | sed 's/.*\.//' | paste -sd, -)

mkdir -p it-tests/target
rm -f it-tests/target/failsafe-reports/*DiskF*.txt
# verify, not install: the modules it needs are built in this reactor (no unit tests), nothing goes to ~/.m2
# shellcheck disable=SC2086  # MVN_FLAGS: extra Maven flags
mvn -B -ntp ${MVN_FLAGS:-} verify -pl it-tests -am -Dit.test="$tests" -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfailsafe.failIfNoSpecifiedTests=false -Dmaven.test.failure.ignore=true > it-tests/target/disk-faults.log 2>&1
reports=it-tests/target/failsafe-reports

passed=0
failed=0
for check in "${checks[@]}"; do
  IFS='|' read -r name class pattern <<< "$check"
  summary="$reports/dev.resizelet.it.$class.txt"
  echo "== $name (${class#*.})"
  grep -h -E "$pattern|^  failed:" "$reports/dev.resizelet.it.$class-output.txt" 2>/dev/null || echo "   (no counts printed)"
  if [[ -f "$summary" ]] && grep -q "Failures: 0, Errors: 0, Skipped: 0" "$summary"; then
    passed=$((passed + 1))
    echo "   passed"
  elif [[ -f "$summary" ]] && grep -q "Skipped: [1-9]" "$summary"; then
    failed=$((failed + 1))
    echo "   SKIPPED (counted as failed): $(grep -h -o 'skipped: .*' "$reports/dev.resizelet.it.$class.txt" "$reports"/TEST-*"${class#*.}".xml 2>/dev/null | head -1)"
  else
    failed=$((failed + 1))
    echo "   FAILED: see $summary and it-tests/target/disk-faults.log"
  fi
done
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
