#!/usr/bin/env bash
# The test command: starts real PostgreSQL, Redis and RabbitMQ (installing them from Debian's
# packages if missing), builds everything including the Aspire AppHost (warnings are errors), runs
# the unit, integration and AppHost tests and a smoke test of ./run.sh, and ends with a plain
# "N passed, N failed" line. Exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

GOV_TEST_TOOLS=1 ./scripts/infra.sh
source .local/env

target=GovPlatform.sln
dotnet build "$target" -v q -nologo -clp:ErrorsOnly

results=.local/test-results
rm -rf "$results"
status=0
# The unit and integration tests first, then the AppHost test on its own: it launches six processes through Aspire's
# orchestrator, which on a two-core machine already busy with the integration tests can time out launching one.
for project in tests/GovPlatform.UnitTests tests/GovPlatform.IntegrationTests tests/GovPlatform.AppHostTests; do
  dotnet test "$project" --no-build --logger trx --results-directory "$results" --blame-hang-timeout 5m "$@" || status=$?
done

# dotnet test prints a summary per project; add them up into the one plain line CI reads.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
  # A skipped xUnit test is counted in total but not executed (notExecuted stays 0 in the trx).
  skipped=$((skipped + $(get total) - $(get executed)))
done
[ $((passed + failed)) -gt 0 ] || { echo "test: no test results found"; status=1; }

# The operators' artefacts (docs/operations.md): the Kubernetes manifests rendered and checked offline, then every
# service's container image built by the SDK from the build above and run from its own unpacked root filesystem
# until /health answers (GOV_SKIP_IMAGES=1 skips the images).
if scripts/manifests.sh; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
if [ "${GOV_SKIP_IMAGES:-0}" = 1 ]; then
  skipped=$((skipped + 1))
elif GOV_IMAGE_CONFIGURATION=Debug GOV_IMAGE_NO_BUILD=true scripts/images.sh; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

# The README's run command, exercised as a person would (GOV_SKIP_SMOKE=1 skips it).
if [ "${GOV_SKIP_SMOKE:-0}" = 1 ]; then
  skipped=$((skipped + 1))
elif tests/smoke/run-smoke.sh; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || status=1
exit $status
