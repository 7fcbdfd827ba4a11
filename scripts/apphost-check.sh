#!/usr/bin/env bash
# Compile-checks the AppHost against .NET Aspire's public API without the Aspire packages,
# which this environment's package mirror does not have.
#   scripts/apphost-check.sh ASPIRE_GIT_DIR    (a clone or fetched git dir of dotnet/aspire)
# Uses the shared aspire-apicheck tool that sits beside the project's checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: $0 ASPIRE_GIT_DIR" >&2; exit 2; }
tool=${ASPIRE_APICHECK:-../shared/tools/aspire-apicheck.sh}
[ -x "$tool" ] || { echo "apphost-check: $tool not found (set ASPIRE_APICHECK)" >&2; exit 2; }
exec "$tool" "$1" AppHost
