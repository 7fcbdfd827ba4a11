# Shared by run.sh and test.sh.

# True when the Aspire SDK and hosting packages restore here (they do not from this
# environment's package mirror, so the AppHost is skipped with a notice).
aspire_restorable() {
  [ "${GOV_ASPIRE:-auto}" = off ] && return 1
  timeout 120 dotnet restore AppHost/GovPlatform.AppHost.csproj -v q >/dev/null 2>&1
}

# wait_healthy NAME BASE_URL SECONDS: polls BASE_URL/health until it answers 200.
wait_healthy() {
  local name=$1 url=$2 deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS -o /dev/null "$url/health" 2>/dev/null; then echo "run: $name healthy at $url"; return 0; fi
    sleep 0.5
  done
  echo "run: $name did not become healthy at $url/health within $3 s" >&2
  return 1
}
