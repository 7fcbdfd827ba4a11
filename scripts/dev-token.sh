#!/usr/bin/env bash
# Prints a staff bearer token signed with the local key, standing in for the city's identity
# provider during development:  scripts/dev-token.sh ROLE[,ROLE...] [SCOPE_NODE] [DEPARTMENT]
#   curl -H "Authorization: Bearer $(scripts/dev-token.sh desk_operator)" ...
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 ROLE[,ROLE...] [SCOPE_NODE] [DEPARTMENT]" >&2; exit 2; }
source .local/secrets
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
roles=$(printf '"%s",' ${1//,/ }); roles="[${roles%,}]"
now=$(date +%s)
payload="{\"sub\":\"dev-$1\",\"name\":\"dev $1\",\"role\":$roles,\"iss\":\"govplatform\",\"aud\":\"govplatform\",\"iat\":$now,\"exp\":$((now + 8 * 3600))"
[ -n "${2:-}" ] && payload+=",\"scope_node\":\"$2\""
[ -n "${3:-}" ] && payload+=",\"department\":\"$3\""
payload+="}"
unsigned="$(printf '{"alg":"HS256","typ":"JWT"}' | b64url).$(printf '%s' "$payload" | b64url)"
key_hex=$(printf '%s' "$AUTH_SIGNING_KEY" | base64 -d | od -An -vtx1 | tr -d ' \n')
sig=$(printf '%s' "$unsigned" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | b64url)
echo "$unsigned.$sig"
