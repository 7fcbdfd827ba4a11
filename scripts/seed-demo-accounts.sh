#!/usr/bin/env bash
# Gives each demo account (one per role, in the demo county) a fresh random password and prints them:
# the only place they are shown. The identity service must run with Identity__DemoAccounts=true.
# The demo grid worker, grid leader and community cadre are tied to their workers in dispatch's roster (found by
# phone among dispatch's workers), so the orders dispatch assigns them are theirs to work in the console; load the
# demo county into dispatch first.
#   scripts/seed-demo-accounts.sh [IDENTITY_URL] [DISPATCH_URL]   (default http://127.0.0.1:5105 and :5102)
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:-http://127.0.0.1:5105}
dispatch=${2:-http://127.0.0.1:${GOV_DISPATCH_PORT:-5102}}
token=$(scripts/dev-token.sh admin)
# Admins see whole phones; the roster is what ties an account to its worker.
roster=$(curl -fsS "$dispatch/api/v1/workers?under=MT" -H "Authorization: Bearer $token") \
  || { echo "could not read the roster at $dispatch/api/v1/workers (is dispatch running with the demo county?)" >&2; exit 1; }
body=$(printf '%s' "$roster" | python3 -c 'import json, sys; print(json.dumps({"workers": [{"id": w["id"], "phone": w["phone"]} for w in json.load(sys.stdin)]}))')
answer=$(curl -fsS -X POST "$url/api/v1/demo-accounts" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary "$body") \
  || { echo "could not reach $url/api/v1/demo-accounts (is identity running with Identity__DemoAccounts=true?)" >&2; exit 1; }
printf '%s' "$answer" | python3 -c '
import json, sys
row = "%-18s %-18s %-20s %-17s %s"
print(row % ("user name", "password", "role", "scope node", "name"))
for a in json.load(sys.stdin):
    print(row % (a["userName"], a["password"], a["role"], a["scopeNode"] or "", a["displayName"] + ("  (roster worker " + a["workerId"] + ")" if a.get("workerId") else "")))
'
