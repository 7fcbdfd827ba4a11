#!/usr/bin/env bash
# Gives each demo account (one per role, in the demo county) a fresh random password and prints them:
# the only place they are shown. The identity service must run with Identity__DemoAccounts=true.
#   scripts/seed-demo-accounts.sh [IDENTITY_URL]        (default http://127.0.0.1:5105)
set -euo pipefail
cd "$(dirname "$0")/.."
url=${1:-http://127.0.0.1:5105}
token=$(scripts/dev-token.sh admin)
answer=$(curl -fsS -X POST "$url/api/v1/demo-accounts" -H "Authorization: Bearer $token") \
  || { echo "could not reach $url/api/v1/demo-accounts (is identity running with Identity__DemoAccounts=true?)" >&2; exit 1; }
printf '%s' "$answer" | python3 -c '
import json, sys
row = "%-18s %-18s %-20s %-17s %s"
print(row % ("user name", "password", "role", "scope node", "name"))
for a in json.load(sys.stdin):
    print(row % (a["userName"], a["password"], a["role"], a["scopeNode"] or "", a["displayName"]))
'
