#!/usr/bin/env bash
# Runs the whole GovPlatform stack with one command: the Aspire AppHost, its dashboard, the four
# services, the identity service, the staff console, the demo county and one demo account per role. Ctrl-C (or SIGTERM) stops everything this command started.
#   - Where a container runtime can run containers (docker, or podman that really runs one), the
#     AppHost starts Postgres, Redis and RabbitMQ as containers.
#   - Otherwise (e.g. the project's build machines) scripts/infra.sh installs them from Debian's
#     packages if missing and starts them without systemd, and the AppHost uses them as external
#     resources under the same connection names.
# GOV_MODE=local runs the plain mode without Aspire: the four services as processes of this script.
# GOV_INFRA=containers|external forces the AppHost's choice; GOV_{INTAKE,DISPATCH,VOLUNTEER,REPORTING}_PORT
# move the services (5101-5104), GOV_IDENTITY_PORT identity (5105), GOV_CONSOLE_PORT the console (5100);
# GOV_DASHBOARD_PORT moves the dashboard (15124).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/lib.sh
started_at=$(date +%s%N)

mode=${GOV_MODE:-aspire}
[ "$mode" = aspire ] || [ "$mode" = local ] || { echo "run: GOV_MODE must be aspire or local" >&2; exit 2; }
export GOV_INTAKE_PORT=${GOV_INTAKE_PORT:-5101} GOV_DISPATCH_PORT=${GOV_DISPATCH_PORT:-5102} \
       GOV_VOLUNTEER_PORT=${GOV_VOLUNTEER_PORT:-5103} GOV_REPORTING_PORT=${GOV_REPORTING_PORT:-5104} \
       GOV_IDENTITY_PORT=${GOV_IDENTITY_PORT:-5105} GOV_CONSOLE_PORT=${GOV_CONSOLE_PORT:-5100}
declare -A PORTS=([intake]=$GOV_INTAKE_PORT [dispatch]=$GOV_DISPATCH_PORT [volunteer]=$GOV_VOLUNTEER_PORT [reporting]=$GOV_REPORTING_PORT
                  [identity]=$GOV_IDENTITY_PORT [console]=$GOV_CONSOLE_PORT)
ORDER=(identity dispatch intake volunteer reporting console)
declare -A DLLS=([intake]=GovPlatform.Intake [dispatch]=GovPlatform.Dispatch [volunteer]=GovPlatform.Volunteer
                 [reporting]=GovPlatform.Reporting [identity]=GovPlatform.Identity [console]=GovPlatform.Web)
issuer="http://127.0.0.1:$GOV_IDENTITY_PORT/"
mkdir -p .local/logs

infra=external
if [ "$mode" = aspire ]; then
  infra=${GOV_INFRA:-auto}
  if [ "$infra" = auto ]; then
    if container_runtime_works; then infra=containers; else infra=external; fi
  fi
fi
if [ "$infra" = external ]; then
  GOV_STARTED_FILE=.local/started ./scripts/infra.sh
  source .local/env
else
  ensure_signing_keys
fi

pids=()
stopping=0
stop_all() {
  [ $stopping = 1 ] && return; stopping=1
  trap - INT TERM EXIT
  echo; echo "run: stopping"
  # The AppHost, DCP, the dashboard and the services (or the plain mode's services) all get SIGTERM at once and
  # stop gracefully in parallel; whatever still runs after 5 s is killed. DCP runs in a session of its own, so a
  # Ctrl-C to this command's process group does not reach it: the process tree is followed from the AppHost.
  stop_tree 5 "${pids[@]}"
  if [ "$infra" = external ]; then ./scripts/infra.sh --stop-started; fi
  echo "run: stopped"
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The AppHost's build builds the four services too; both modes run those Release builds.
if apphost_up_to_date; then
  echo "run: the AppHost and services are built and unchanged"
else
  echo "run: building the AppHost and the services (Release)"
  dotnet build AppHost/GovPlatform.AppHost.csproj -c Release -v q -nologo -clp:ErrorsOnly
fi

if [ "$mode" = aspire ]; then
  dashboard_port=${GOV_DASHBOARD_PORT:-15124}
  # The launch profile's settings, without the dev certificate: the dashboard and its OTLP endpoint on http.
  GOV_INFRA=${GOV_INFRA:-auto} DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
  ASPNETCORE_URLS="http://localhost:$dashboard_port" ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
  ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL="http://localhost:$((dashboard_port + 4000))" \
  ASPIRE_DASHBOARD_MCP_ENDPOINT_URL="http://localhost:$((dashboard_port + 3000))" \
  ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://localhost:$((dashboard_port + 5000))" \
    dotnet AppHost/bin/Release/net10.0/GovPlatform.AppHost.dll >.local/logs/apphost.log 2>&1 &
  pids+=($!)
  until grep -q '^apphost: infrastructure:' .local/logs/apphost.log 2>/dev/null; do
    kill -0 "${pids[0]}" 2>/dev/null || { echo "run: the AppHost stopped; see .local/logs/apphost.log"; tail -20 .local/logs/apphost.log; exit 1; }
    sleep 0.2
  done
  echo "run: $(grep -m1 '^apphost: infrastructure:' .local/logs/apphost.log | sed 's/^apphost: //')"
else
  # What the AppHost sets in the other mode: identity's issuer and the console's addresses, the services' authority,
  # and the console's service discovery.
  console_origins="http://127.0.0.1:$GOV_CONSOLE_PORT http://localhost:$GOV_CONSOLE_PORT"
  export Identity__Issuer=$issuer Identity__DemoAccounts=true Auth__Authority=$issuer Console__Authority=$issuer \
    Identity__ConsoleRedirectUris=$(for o in $console_origins; do printf '%s/signin-oidc,' "$o"; done) \
    Identity__ConsolePostLogoutRedirectUris=$(for o in $console_origins; do printf '%s/signout-callback-oidc,' "$o"; done)
  for svc in intake dispatch volunteer reporting; do export "services__${svc}__http__0=http://127.0.0.1:${PORTS[$svc]}"; done
  for svc in "${ORDER[@]}"; do
    dir=services/$svc
    ASPNETCORE_URLS="http://127.0.0.1:${PORTS[$svc]}" OTEL_SERVICE_NAME=$svc ASPNETCORE_ENVIRONMENT=${ASPNETCORE_ENVIRONMENT:-Development} \
      dotnet "$dir/bin/Release/net10.0/${DLLS[$svc]}.dll" >".local/logs/$svc.log" 2>&1 &
    pids+=($!)
  done
fi

for svc in "${ORDER[@]}"; do
  wait_healthy "$svc" "http://127.0.0.1:${PORTS[$svc]}" 300 "${pids[0]}" || {
    if [ "$mode" = aspire ]; then echo "run: see .local/logs/apphost.log"; tail -20 .local/logs/apphost.log
    else echo "run: see .local/logs/$svc.log"; tail -20 ".local/logs/$svc.log"; fi
    exit 1; }
done
healthy_ms=$(( ($(date +%s%N) - started_at) / 1000000 ))

echo "run: loading the demo county into dispatch"
curl -fsS -X POST "http://127.0.0.1:${PORTS[dispatch]}/api/v1/grid/import" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $(scripts/dev-token.sh admin)" \
  --data-binary @services/dispatch/Seed/demo-county.json
echo
# 12345-style service levels (docs/dispatch.md, Deadlines and supervision): "category urgency {body}" a line, '#' comments.
levels=0
while read -r category urgency body; do
  case "$category" in ''|'#'*) continue ;; esac
  curl -fsS -o /dev/null -X PUT "http://127.0.0.1:${PORTS[dispatch]}/api/v1/sla-policies/${category/\*/%2A}/${urgency/\*/%2A}" \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $(scripts/dev-token.sh admin)" --data-binary "$body"
  levels=$((levels + 1))
done <services/dispatch/Seed/service-levels.txt
echo "run: 12345-style service levels set ($levels policies)"
# One account per role with a fresh password each run, shown once below.
accounts=$(scripts/seed-demo-accounts.sh "http://127.0.0.1:${PORTS[identity]}" "http://127.0.0.1:${PORTS[dispatch]}")

if [ "$mode" = aspire ]; then
  login=$(grep -o -m1 'http://localhost:[0-9]*/login?t=[0-9a-f]*' .local/logs/apphost.log || true)
  telemetry="Aspire dashboard  ${login:-http://localhost:$dashboard_port}  (resources, logs, traces, metrics of every service)
  logs       .local/logs/apphost.log and the dashboard's console logs"
else
  telemetry="logs       .local/logs/<service>.log"
  if [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then telemetry+="; traces, metrics and logs also go to $OTEL_EXPORTER_OTLP_ENDPOINT"; fi
fi
cat <<MSG

GovPlatform is up ($mode mode$([ "$mode" = aspire ] && echo ", $infra infrastructure")): all four services, identity and the console healthy $(printf '%d.%01d' $((healthy_ms / 1000)) $((healthy_ms % 1000 / 100))) s after the command.
Ctrl-C stops everything this command started.
  console    http://127.0.0.1:${PORTS[console]}/      staff console: sign in with a demo account below (zh-CN; English in the top bar)
  $telemetry
  intake     http://127.0.0.1:${PORTS[intake]}/swagger      POST /api/v1/requests
  dispatch   http://127.0.0.1:${PORTS[dispatch]}/swagger      GET  /api/v1/work-orders
  volunteer  http://127.0.0.1:${PORTS[volunteer]}/swagger      POST /api/v1/volunteers (organiser token)
  reporting  http://127.0.0.1:${PORTS[reporting]}/swagger      GET  /api/v1/stats/requests-by-grid
  identity   http://127.0.0.1:${PORTS[identity]}/.well-known/openid-configuration
$([ "$infra" = external ] && echo "  RabbitMQ management  http://127.0.0.1:15672  (user govplatform, password in .local/secrets)")
Demo accounts, one per role in the demo county (new passwords at every start; shown only here):
$accounts
Try the APIs directly (scripts/dev-token.sh makes a token with the shared key, a test-and-demo aid):
  TOKEN=\$(scripts/dev-token.sh admin,desk_operator,leader)
  curl -s -X POST http://127.0.0.1:${PORTS[intake]}/api/v1/requests -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
    -d '{"channel":"hotline","category":"parking","description":"1号楼门口车辆乱停","location":{"code":"MT-01-01-C01-G1-B01"},"reporter":{"name":"张三","phone":"13812341234"}}'
MSG
# Wait for the first child to end (or for Ctrl-C): `wait` returns early on a trapped signal.
while kill -0 "${pids[0]}" 2>/dev/null; do wait "${pids[0]}" 2>/dev/null || true; done
echo "run: the AppHost or a service stopped on its own"
exit 1
