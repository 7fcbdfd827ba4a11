#!/usr/bin/env bash
# Validates the Kubernetes manifests offline: `kubectl kustomize` renders each overlay (kubectl from Debian's
# kubernetes-client when none is installed), then scripts/check-manifests.py checks the objects it renders
# (kubectl's client-side dry run needs an API server to ask for its resource list, so it cannot run here).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

missing=()
command -v kubectl >/dev/null || missing+=(kubernetes-client)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
  echo "manifests: installing ${missing[*]} from Debian's packages"
  apt_install "${missing[@]}"
fi
# Debian's python3-yaml serves Debian's python3, which may not be the first python3 on the PATH.
python=python3; python3 -c 'import yaml' 2>/dev/null || python=/usr/bin/python3

status=0
for overlay in deploy/k8s/overlays/*/; do
  name=$(basename "$overlay")
  # kustomize v5 warns about the fields kept for kubectl 1.20's kustomize; the warnings are not failures.
  if ! rendered=$(kubectl kustomize "$overlay" 2>/tmp/manifests-$$.err); then
    echo "manifests: $name does not render:"; cat /tmp/manifests-$$.err; status=1; continue
  fi
  if result=$("$python" scripts/check-manifests.py <<<"$rendered" 2>&1); then
    echo "manifests: $name: $result"
  else
    echo "manifests: $name is invalid:"; echo "$result"; status=1
  fi
done
rm -f /tmp/manifests-$$.err
exit $status
