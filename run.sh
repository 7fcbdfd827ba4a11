#!/usr/bin/env bash
# Runs the whole GovPlatform stack with one command.
#   - With .NET Aspire restorable and a container runtime (docker or podman): runs the AppHost,
#     which starts Postgres, Redis, RabbitMQ, the four services and the Aspire dashboard.
#   - Otherwise (e.g. these build machines): installs PostgreSQL, Redis and RabbitMQ from Debian's
#     packages if missing, starts them without systemd, builds and starts the four services with
#     the settings Aspire would inject, waits for every /health, loads the demo county, prints the
#     URLs, and on Ctrl-C stops everything it started.
# GOV_MODE=local|aspire forces a mode; GOV_{INTAKE,DISPATCH,VOLUNTEER,REPORTING}_PORT move the services.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh

mode=${GOV_MODE:-auto}
if [ "$mode" = auto ]; then
  mode=local
  if { docker info >/dev/null 2>&1 || podman info >/dev/null 2>&1; } && aspire_restorable; then mode=aspire; fi
fi
if [ "$mode" = aspire ]; then
  echo "run: Aspire and a container runtime are available: starting the AppHost (dashboard URL follows)"
  exec dotnet run --project AppHost/GovPlatform.AppHost.csproj
fi

declare -A PORTS=([intake]=${GOV_INTAKE_PORT:-5101} [dispatch]=${GOV_DISPATCH_PORT:-5102}
                  [volunteer]=${GOV_VOLUNTEER_PORT:-5103} [reporting]=${GOV_REPORTING_PORT:-5104})
ORDER=(dispatch intake volunteer reporting)

GOV_STARTED_FILE=.local/started ./scripts/infra.sh
source .local/env

echo "run: building the services (Release)"
dotnet build GovPlatform.Services.slnf -c Release -v q -nologo -clp:ErrorsOnly

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo; echo "run: stopping the services"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ./scripts/infra.sh --stop-started
}
trap stop_all INT TERM EXIT

mkdir -p .local/logs
for svc in "${ORDER[@]}"; do
  name=GovPlatform.${svc^}
  ASPNETCORE_URLS="http://127.0.0.1:${PORTS[$svc]}" OTEL_SERVICE_NAME=$svc ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} \
    dotnet "services/$svc/bin/Release/net10.0/$name.dll" >".local/logs/$svc.log" 2>&1 &
  pids+=($!)
done

for svc in "${ORDER[@]}"; do
  wait_healthy "$svc" "http://127.0.0.1:${PORTS[$svc]}" 120 || { echo "run: see .local/logs/$svc.log"; tail -20 ".local/logs/$svc.log"; exit 1; }
done

echo "run: loading the demo county into dispatch"
curl -fsS -X POST "http://127.0.0.1:${PORTS[dispatch]}/api/v1/grid/import" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $(scripts/dev-token.sh admin)" \
  --data-binary @services/dispatch/Seed/demo-county.json
echo

cat <<MSG

GovPlatform is up (local mode). Ctrl-C stops everything this command started.
  intake     http://127.0.0.1:${PORTS[intake]}/swagger      POST /api/v1/requests
  dispatch   http://127.0.0.1:${PORTS[dispatch]}/swagger      GET  /api/v1/work-orders
  volunteer  http://127.0.0.1:${PORTS[volunteer]}/swagger      POST /api/v1/volunteers (organiser token)
  reporting  http://127.0.0.1:${PORTS[reporting]}/swagger      GET  /api/v1/stats/requests-by-grid
  RabbitMQ management  http://127.0.0.1:15672  (user govplatform, password in .local/secrets)
  logs       .local/logs/<service>.log$( [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] && echo "; traces, metrics and logs also go to $OTEL_EXPORTER_OTLP_ENDPOINT")
Try (staff tokens come from scripts/dev-token.sh, standing in for the city's identity provider):
  TOKEN=\$(scripts/dev-token.sh admin,desk_operator,leader)
  curl -s -X POST http://127.0.0.1:${PORTS[intake]}/api/v1/requests -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"channel":"hotline","category":"drainage","description":"1号楼下水道堵塞","location":{"code":"MT-01-01-C01-G1-B01"},"reporter":{"name":"张三","phone":"13812341234"}}'
MSG
wait
