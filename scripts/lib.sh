# Shared by run.sh and test.sh.

# True when a container runtime can actually run containers: Docker's daemon answers, or Podman runs a
# throw-away container (an installed Podman that cannot run containers, as on the build machines, is not enough).
# AppHost/Infrastructure.cs applies the same rule when it is started without GOV_INFRA.
container_runtime_works() {
  timeout 15 docker info >/dev/null 2>&1 && return 0
  command -v podman >/dev/null 2>&1 && timeout 30 podman run --rm --rootfs / true >/dev/null 2>&1
}

# True when AppHost's Release build is newer than every source file it is built from, so that a warm
# ./run.sh does not spend its seconds on an up-to-date check by MSBuild.
apphost_up_to_date() {
  local dll=AppHost/bin/Release/net10.0/GovPlatform.AppHost.dll
  [ -f "$dll" ] || return 1
  [ -z "$(find AppHost ServiceDefaults services Directory.Build.props Directory.Packages.props \
      \( -name bin -o -name obj -o -name node_modules \) -prune -o -type f -newer "$dll" -print -quit)" ]
}

# wait_healthy NAME BASE_URL SECONDS [PID]: polls BASE_URL/health until it answers 200; gives up
# early when PID (the process that should be serving it) has ended.
wait_healthy() {
  local name=$1 url=$2 deadline=$((SECONDS + $3)) pid=${4:-}
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS -o /dev/null "$url/health" 2>/dev/null; then echo "run: $name healthy at $url"; return 0; fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then echo "run: process $pid ended before $name became healthy" >&2; return 1; fi
    sleep 0.25
  done
  echo "run: $name did not become healthy at $url/health within $3 s" >&2
  return 1
}

# running PID: true while PID runs (a process that has exited but was not yet reaped, a zombie, does not count).
running() {
  local stat; stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# process_tree PID...: the PIDs given, every process DCP runs to watch them (`dcp ... --monitor PID`, which
# outlives a killed AppHost for a while), and all their descendants; one per line. One `ps`, then a closure in awk.
process_tree() {
  ps -eo pid=,ppid=,args= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) tree[r[i]] = 1 }
    { pid[NR] = $1; ppid[NR] = $2; monitor[NR] = ""
      for (i = 3; i < NF; i++) if ($i == "--monitor") monitor[NR] = $(i + 1) }
    END {
      do { changed = 0
        for (k = 1; k <= NR; k++)
          if (!(pid[k] in tree) && ((ppid[k] in tree) || (monitor[k] != "" && monitor[k] in tree))) { tree[pid[k]] = 1; changed = 1 }
      } while (changed)
      for (p in tree) print p
    }'
}

# stop_tree SECONDS PID...: SIGTERM to every process of process_tree PID... at once (each stops gracefully on
# its own), SIGKILL to those still there after SECONDS.
stop_tree() {
  local seconds=$1; shift
  local pids; mapfile -t pids < <(process_tree "$@")
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  local deadline=$(( $(date +%s%N) + seconds * 1000000000 )) alive
  while :; do
    alive=(); for pid in "${pids[@]}"; do running "$pid" && alive+=("$pid"); done
    [ ${#alive[@]} -gt 0 ] || return 0
    [ "$(date +%s%N)" -lt $deadline ] || break
    sleep 0.1
  done
  kill -KILL "${alive[@]}" 2>/dev/null || true
}

# ensure_signing_keys: the local keys that sign staff tokens and check-in QR codes, made once in .local/secrets
# (scripts/infra.sh makes them too; this covers the container mode, where infra.sh does not run), and exported
# under the names the services and the AppHost read.
ensure_signing_keys() {
  mkdir -p .local
  (umask 077; touch .local/secrets)
  grep -q '^AUTH_SIGNING_KEY=' .local/secrets || printf 'AUTH_SIGNING_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >> .local/secrets
  grep -q '^QR_SIGNING_KEY=' .local/secrets || printf 'QR_SIGNING_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >> .local/secrets
  # The identity service's keys, as scripts/infra.sh makes them (the RSA key on one line, newlines written as \n).
  grep -q '^IDENTITY_SIGNING_KEY_PEM=' .local/secrets || printf "IDENTITY_SIGNING_KEY_PEM='%s'\\n" \
    "$(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | awk '{printf "%s\\n", $0}')" >> .local/secrets
  grep -q '^IDENTITY_ENCRYPTION_KEY=' .local/secrets || printf 'IDENTITY_ENCRYPTION_KEY=%s\n' "$(head -c 32 /dev/urandom | base64 -w0)" >> .local/secrets
  export Auth__SigningKey Volunteer__QrSigningKey Identity__SigningKeyPem Identity__EncryptionKey
  Auth__SigningKey=$(sed -n 's/^AUTH_SIGNING_KEY=//p' .local/secrets)
  Volunteer__QrSigningKey=$(sed -n 's/^QR_SIGNING_KEY=//p' .local/secrets)
  Identity__SigningKeyPem=$(sed -n "s/^IDENTITY_SIGNING_KEY_PEM='\(.*\)'$/\1/p" .local/secrets)
  Identity__EncryptionKey=$(sed -n 's/^IDENTITY_ENCRYPTION_KEY=//p' .local/secrets)
}

# Installs Debian packages (apt-get, through sudo when not root). Their init scripts may try to start
# services; without systemd that fails or starts what the scripts start themselves, so a policy-rc.d that
# refuses every start is in place while they install.
apt_install() {
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null; $sudo chmod +x "$policy"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  [ -z "$policy" ] || $sudo rm -f "$policy"
}
