#!/usr/bin/env bash
# Smoke test of the README's run command: starts ./run.sh (the Aspire AppHost; GOV_MODE=local for the
# plain mode) on alternative ports, submits a request with curl as a person would, and checks that
# dispatch shows it assigned and reporting counts it in time. Then stops it as Ctrl-C would and checks
# that nothing it started is left running. Exit 0 = passed. The budget is 3 s so a busy CI machine
# does not fail it by chance; the measured figures are printed (about 0.1 s on a quiet machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
export GOV_MODE=${GOV_MODE:-aspire} GOV_INTAKE_PORT=5201 GOV_DISPATCH_PORT=5202 GOV_VOLUNTEER_PORT=5203 GOV_REPORTING_PORT=5204 \
       GOV_IDENTITY_PORT=5205 GOV_CONSOLE_PORT=5200 GOV_DASHBOARD_PORT=15224
log=.local/smoke-run.log
mkdir -p .local
: >"$log" # emptied here, not by the background job, so no earlier run's "up" line is read
setsid ./run.sh >>"$log" 2>&1 &
run_pid=$!
cleanup() { kill -TERM -- "-$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; }
trap cleanup EXIT

# Six projects start under the AppHost now; a build machine shared with other builds needs minutes for that.
deadline=$((SECONDS + 600))
until grep -q "GovPlatform is up" "$log"; do
  if ! kill -0 "$run_pid" 2>/dev/null || [ $SECONDS -gt $deadline ]; then
    echo "smoke: ./run.sh did not bring the stack up"; tail -30 "$log"; exit 1
  fi
  sleep 1
done

# Staff token standing in for the city's identity provider (scripts/dev-token.sh).
token=$(scripts/dev-token.sh admin,desk_operator,leader)
auth=(-H "Authorization: Bearer $token")
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# Parking is a compound-tier category, so its order is assigned in the grid the smoke test counts (a community-tier
# one such as drainage would start with the community). Intake links a repeat of an open request (same category, same building, similar text) to the
# first one instead of dispatching it again; each smoke request therefore describes something new.
fresh_text() {
  local text="" i
  for i in $(seq 16); do text+=$(printf "\\u$(printf '%x' $((0x4e00 + RANDOM % 20000)))"); done
  printf '%s' "$text"
}
submit() {
  curl -fsS "${auth[@]}" -X POST "http://127.0.0.1:$GOV_INTAKE_PORT/api/v1/requests" -H 'Content-Type: application/json' \
    -d "{\"channel\":\"hotline\",\"category\":\"parking\",\"description\":\"$(fresh_text)\",\"location\":{\"code\":\"MT-01-01-C01-G1-B01\"}}" |
    sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p'
}
wait_for() { # URL PATTERN SECONDS
  local until=$(( $(ms) + $3 * 1000 ))
  while [ "$(ms)" -lt $until ]; do curl -fsS "${auth[@]}" "$1" | grep -q "$2" && return 0; done
  return 1
}

assigned_in_grid() {
  curl -fsS "${auth[@]}" "http://127.0.0.1:$GOV_REPORTING_PORT/api/v1/stats/requests-by-grid?under=MT-01-01-C01-G1" |
    sed -n 's/.*"status":"assigned","count":\([0-9]*\).*/\1/p'
}

# The first request after start-up warms the services up; wait for it to be counted.
warm=$(submit); before=""
for _ in $(seq 100); do
  curl -fsS "${auth[@]}" "http://127.0.0.1:$GOV_DISPATCH_PORT/api/v1/work-orders?requestId=$warm" | grep -q '"status":"assigned"' && before=$(assigned_in_grid) && break
  sleep 0.1
done
[ -n "$before" ] || { echo "smoke: the first request was never assigned and counted"; tail -30 "$log"; exit 1; }

start=$(ms)
id=$(submit)
[ -n "$id" ] || { echo "smoke: intake did not accept the request"; exit 1; }
budget_ms=${GOV_SMOKE_BUDGET_MS:-3000}
wait_for "http://127.0.0.1:$GOV_DISPATCH_PORT/api/v1/work-orders?requestId=$id" '"status":"assigned"' $((budget_ms / 1000)) \
  || { echo "smoke: no assigned work order within $budget_ms ms"; exit 1; }
assigned=$(( $(ms) - start ))
until=$(( start + budget_ms ))
until [ "$(assigned_in_grid)" = $((before + 1)) ]; do
  [ "$(ms)" -lt $until ] || { echo "smoke: reporting did not count it within $budget_ms ms"; exit 1; }
done
counted=$(( $(ms) - start ))
# The console is printed with the demo accounts, and sends a visitor to identity's sign-in (code + PKCE).
grep -q "console    http://127.0.0.1:$GOV_CONSOLE_PORT/" "$log" || { echo "smoke: ./run.sh did not print the console's address"; exit 1; }
grep -Eq '^demo-desk +[^ ]{10,}' "$log" || { echo "smoke: ./run.sh did not print the demo accounts"; exit 1; }
location=$(curl -sS -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$GOV_CONSOLE_PORT/desk")
case $location in
  "http://127.0.0.1:$GOV_IDENTITY_PORT/connect/authorize?"*code_challenge_method=S256*) ;;
  *) echo "smoke: the console did not send a visitor to identity's sign-in: '$location'"; exit 1 ;;
esac
up=$(grep -o 'all four services, identity and the console healthy [0-9.]* s after the command' "$log" || true)
echo "smoke: ./run.sh up ($GOV_MODE mode, ${up:-start-up time not printed}); request $id assigned after ${assigned} ms, counted after ${counted} ms"

# Stop it as a terminal's Ctrl-C does (a signal to the command's process group), and check that every process
# it started has gone: the AppHost, DCP, the dashboard and the services (DCP runs in a session of its own).
mapfile -t started < <(process_tree "$run_pid" | grep -vx "$run_pid")
trap - EXIT
stop_start=$(ms)
kill -TERM -- "-$run_pid"
wait "$run_pid" 2>/dev/null || true
# Killed processes may take a moment to be reaped; a few seconds' grace before anything counts as left over.
deadline=$(( $(ms) + 5000 ))
while :; do
  left=()
  for pid in "${started[@]}"; do running "$pid" && left+=("$pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"); done
  [ ${#left[@]} -gt 0 ] && [ "$(ms)" -lt $deadline ] || break
  sleep 0.2
done
if [ ${#left[@]} -gt 0 ]; then
  echo "smoke: still running after ./run.sh stopped:"; printf '  %s\n' "${left[@]}"
  kill -KILL "${started[@]}" 2>/dev/null || true
  exit 1
fi
stopped=$(( $(ms) - stop_start ))
[ $stopped -le 20000 ] || { echo "smoke: stopping took ${stopped} ms (more than 20 s)"; exit 1; }
echo "smoke: stopped in ${stopped} ms; none of the ${#started[@]} processes it started is left"
