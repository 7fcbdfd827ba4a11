#!/usr/bin/env bash
# Container images of the services, built by the .NET SDK (dotnet publish -t:PublishContainer, no Dockerfile).
#
#   scripts/images.sh build   builds every service's image and pushes it to the registry
#   scripts/images.sh check   runs each pushed image's entrypoint from its own unpacked root filesystem (chroot)
#                             against the servers of scripts/infra.sh until its /health answers
#   scripts/images.sh         both
#
# With a registry of your own (docs/operations.md), set GOV_REGISTRY=registry.example.org/county and
# GOV_BASE_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0 (the SDK's default base) and run `build`.
# Without them (the project's build machines: no container runtime, no access to registries) the script starts
# Debian's docker-registry on 127.0.0.1:$GOV_REGISTRY_PORT and builds an equivalent of Microsoft's base from
# Debian's packages (debootstrap, plus the ASP.NET Core runtime installed here), cached under .local/images by
# the runtime's version. GOV_IMAGE_CONFIGURATION (Release) picks the build; test.sh uses the Debug build it
# has just made (GOV_IMAGE_NO_BUILD=true), so its check costs a publish and no compile.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

services=(intake dispatch volunteer reporting identity)
# The console appears as a service once its project exists.
[ -f services/console/GovPlatform.Web.csproj ] && services+=(console)

port=${GOV_REGISTRY_PORT:-5015}
local_registry=127.0.0.1:$port
registry=${GOV_REGISTRY:-$local_registry}
configuration=${GOV_IMAGE_CONFIGURATION:-Release}
images=.local/images
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
tag=${GOV_IMAGE_TAG:-${revision:0:12}}
runtime=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" { print $2 }' | sort -V | tail -1)
log() { echo "images: $*"; }

install_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v skopeo >/dev/null || missing+=(skopeo)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v jq >/dev/null || missing+=(jq)
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]} from Debian's packages"
  # docker-registry's package would start its own registry through init scripts: apt_install keeps it from
  # starting, and we start ours below.
  apt_install "${missing[@]}"
}

# The equivalent of mcr.microsoft.com/dotnet/aspnet:10.0 (Debian 12 slim, the runtime in /usr/share/dotnet, the
# unprivileged user app with uid 1654, port 8080), from Debian's packages and the runtime this machine runs.
base_layout() { echo "$images/base-aspnet-$runtime"; }

build_base() {
  local out; out=$(base_layout)
  [ -f "$out/index.json" ] && return
  log "building the base image (Debian 12 minbase + ASP.NET Core $runtime) into $out; cached for next time"
  local work="$images/base-work"
  rm -rf "$work" && mkdir -p "$work"
  # The libraries .NET needs (ICU, OpenSSL, zlib, the C++ runtime), certificates and time zones; nothing else.
  debootstrap --variant=minbase --include=libicu72,libssl3,zlib1g,libgcc-s1,libstdc++6,ca-certificates,tzdata \
    bookworm "$work/root" "${GOV_DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  local root="$work/root" dotnet_root; dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  # Package manager caches and documentation are no use in an image.
  rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,info,locale}/* "$root"/var/log/*
  mkdir -p "$root/usr/share/dotnet/shared/Microsoft.NETCore.App" "$root/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/LICENSE.txt" "$root/usr/share/dotnet/" 2>/dev/null \
    || cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$root/usr/share/dotnet/"
  local core; core=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" { print $2 }' | sort -V | tail -1)
  cp -a "$dotnet_root/shared/Microsoft.NETCore.App/$core" "$root/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  cp -a "$dotnet_root/shared/Microsoft.AspNetCore.App/$runtime" "$root/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
  ln -sf /usr/share/dotnet/dotnet "$root/usr/bin/dotnet"
  echo 'app:x:1654:1654::/home/app:/usr/sbin/nologin' >>"$root/etc/passwd"
  echo 'app:x:1654:' >>"$root/etc/group"
  mkdir -p "$root/home/app" "$root/app" && chown 1654:1654 "$root/home/app"
  # The runtime's own device nodes and mounts come from the container runtime, not the image.
  tar --sort=name --numeric-owner --mtime=@0 --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* \
    -C "$root" -cf "$work/rootfs.tar" .
  mkdir -p "$out.part"
  python3 scripts/oci.py base "$work/rootfs.tar" "$out.part" aspnet \
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true \
    "DOTNET_VERSION=$core" "ASPNET_VERSION=$runtime"
  rm -rf "$out" && mv "$out.part" "$out" && rm -rf "$work"
}

start_registry() {
  curl -fsS -o /dev/null "http://$local_registry/v2/" 2>/dev/null && return
  mkdir -p "$images/registry"
  cat >"$images/registry/config.yml" <<EOF
version: 0.1
storage:
  filesystem:
    rootdirectory: $PWD/$images/registry/data
  delete:
    enabled: true
http:
  addr: $local_registry
log:
  level: warn
EOF
  log "starting Debian's docker-registry on $local_registry"
  setsid docker-registry serve "$images/registry/config.yml" >"$images/registry/registry.log" 2>&1 </dev/null &
  echo $! >"$images/registry/pid"
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://$local_registry/v2/" 2>/dev/null && return
    sleep 0.1
  done
  cat "$images/registry/registry.log" >&2; exit 1
}

build() {
  local base_image=${GOV_BASE_IMAGE:-}
  if [ -z "$base_image" ]; then
    install_tools
    build_base
    start_registry
    base_image=$local_registry/govplatform/aspnet:$runtime
    skopeo inspect --tls-verify=false "docker://$base_image" >/dev/null 2>&1 \
      || skopeo copy -q --dest-tls-verify=false "oci:$(base_layout):aspnet" "docker://$base_image"
    # Plain HTTP on loopback: the SDK reads this list (SDK_CONTAINER_INSECURE_REGISTRIES in earlier SDKs).
    export DOTNET_CONTAINER_INSECURE_REGISTRIES=$local_registry SDK_CONTAINER_INSECURE_REGISTRIES=$local_registry
  fi
  local projects=() service started=$SECONDS
  for service in "${services[@]}"; do projects+=("$(ls "$PWD/services/$service"/GovPlatform.*.csproj)"); done
  # One MSBuild run for all of them: publishing side by side costs little more than one service alone.
  dotnet msbuild scripts/images.proj -m -v q -nologo -clp:ErrorsOnly \
    "-p:Services=${projects[*]}" -p:Configuration="$configuration" -p:NoBuild="${GOV_IMAGE_NO_BUILD:-false}" \
    -p:BaseImage="$base_image" -p:Registry="$registry" -p:Tag="$tag" -p:Revision="$revision"
  log "pushed ${services[*]} as $registry/govplatform/<service>:$tag ($((SECONDS - started)) s)"
}

# Postgres settings of scripts/infra.sh's servers, in libpq's variables, for psql.
pg_env() {
  local part
  IFS=';' read -ra parts <<<"$GOV_POSTGRES"
  for part in "${parts[@]}"; do
    case "${part%%=*}" in
      Host) export PGHOST=${part#*=} ;; Port) export PGPORT=${part#*=} ;;
      Username) export PGUSER=${part#*=} ;; Password) export PGPASSWORD=${part#*=} ;;
    esac
  done
}

check() {
  # chroot, mounting /proc and making device nodes take root, as a container runtime has.
  [ "$(id -u)" -eq 0 ] || exec sudo -E "$0" check
  install_tools
  source .local/env
  pg_env
  # Globals, not locals: the EXIT trap below reads them after check() has returned.
  run="$PWD/$images/check" started=$SECONDS vhost="govimagecheck-$$"
  grep -q " $run/" /proc/mounts && { log "$run has mounts left from an earlier check: umount them first"; exit 1; }
  rm -rf --one-file-system "$run" && mkdir -p "$run" "$images/layers"
  # A database per service and a virtual host of the check's own: nobody else's queues or rows are touched.
  curl -fsS -X PUT "$GOV_RABBITMQ_MANAGEMENT/api/vhosts/$vhost" >/dev/null
  local rabbit_user; rabbit_user=$(sed -E 's#^[a-z]+://([^:]+):.*#\1#' <<<"$GOV_RABBITMQ_MANAGEMENT")
  curl -fsS -X PUT -H 'Content-Type: application/json' -d '{"configure":".*","write":".*","read":".*"}' \
    "$GOV_RABBITMQ_MANAGEMENT/api/permissions/$vhost/$rabbit_user" >/dev/null
  pids=() roots=() failed=0
  cleanup() {
    local pid root
    for pid in "${pids[@]}"; do pkill -P "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    for root in "${roots[@]}"; do umount "$root/proc" 2>/dev/null || umount -l "$root/proc" 2>/dev/null || true; done
    # Never delete through a mount that is still there (the host's /proc).
    if grep -q " $run/" /proc/mounts; then log "left $run in place: something is still mounted under it"; return; fi
    curl -fsS -X DELETE "$GOV_RABBITMQ_MANAGEMENT/api/vhosts/$vhost" >/dev/null || true
    for service in "${services[@]}"; do dropdb --if-exists --force "imagecheck_${service}_$$" 2>/dev/null || true; done
    rm -rf --one-file-system "$run"
  }
  trap cleanup EXIT

  local service
  for service in "${services[@]}"; do
    local image="$registry/govplatform/$service:$tag" layout="$run/$service.oci" root="$run/$service.root"
    skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$layout:$tag"
    local config; config=$(python3 scripts/oci.py unpack "$layout" "$tag" "$root" "$images/layers")
    roots+=("$root")
    # What the image says: entrypoint, working directory, user, environment and labels.
    local entry user workdir size label
    entry=$(jq -r '[.config.Entrypoint // [], .config.Cmd // []] | add | map(@sh) | join(" ")' <<<"$config")
    user=$(jq -r '.config.User' <<<"$config"); workdir=$(jq -r '.config.WorkingDir' <<<"$config")
    size=$(jq -r '.size' <<<"$config")
    label=$(jq -r '.config.Labels["org.opencontainers.image.revision"] // ""' <<<"$config")
    [ "$label" = "$revision" ] || { log "$service: label org.opencontainers.image.revision is '$label', not $revision"; failed=1; }
    [ "$user" = 1654 ] || { log "$service: runs as user '$user', not the unprivileged 1654"; failed=1; }
    [ "$(jq -r '.config.ExposedPorts | keys[0]' <<<"$config")" = 8080/tcp ] || { log "$service: does not expose 8080/tcp"; failed=1; }
    # What a container runtime gives every container: /proc and the basic devices (.NET reads /dev/urandom).
    mkdir -p "$root/proc" "$root/dev" && mount -t proc proc "$root/proc"
    local node
    for node in "null 1 3" "zero 1 5" "full 1 7" "random 1 8" "urandom 1 9" "tty 5 0"; do
      set -- $node; rm -f "$root/dev/$1"; mknod -m 666 "$root/dev/$1" c "$2" "$3"
    done

    # The image's own environment, then the real configuration under the names Aspire injects, on loopback.
    local envs=() http; http=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mapfile -t envs < <(jq -r '.config.Env[]' <<<"$config")
    local database="imagecheck_${service}_$$" setting value
    while read -r setting; do
      value=${!setting}
      case "$setting" in
        # A cold start on a busy machine may wait longer than Npgsql's 15 s for its first connection.
        ConnectionStrings__*db) value="$(sed -E "s/Database=[^;]*/Database=$database/" <<<"$value");Timeout=60" ;;
        ConnectionStrings__messaging) value="${value%/}/$vhost" ;;
      esac
      envs+=("$setting=$value")
    done < <(grep -oE '^export [A-Za-z_]+' .local/env | cut -d' ' -f2 | grep -v '^GOV_')
    envs+=("ASPNETCORE_HTTP_PORTS=$http" "ASPNETCORE_URLS=" "HOME=/home/app")
    # The console signs people in at the identity service; it is only asked for at the first sign-in.
    if [ "$service" = console ]; then envs+=("Console__Authority=http://127.0.0.1:${GOV_IDENTITY_PORT:-5105}/"); fi
    # As the pod runs it (deploy/k8s): the migration init container to its end, then the service. Identity
    # migrates its own database at start and the console has none.
    local migrate=true
    case "$service" in identity|console) migrate=false ;; esac
    (
      cd /
      if [ $migrate = true ]; then
        chroot --userspec="$user:$user" "$root" /usr/bin/env -i "${envs[@]}" Migrations__ExitAfterMigrating=true \
          /bin/sh -c "cd '$workdir' && exec $entry" || { echo "the migration init step ended with $?"; exit 1; }
        echo "images: migration init step of $service done"
      fi
      exec chroot --userspec="$user:$user" "$root" /usr/bin/env -i "${envs[@]}" \
        /bin/sh -c "cd '$workdir' && exec $entry"
    ) >"$run/$service.log" 2>&1 &
    pids+=($!)
    echo "$service $http $! $size" >>"$run/started"
  done

  while read -r service http pid size; do
    local deadline=$((SECONDS + ${GOV_IMAGE_CHECK_TIMEOUT:-150})) ok=0
    while [ $SECONDS -lt $deadline ] && kill -0 "$pid" 2>/dev/null; do
      if curl -fsS -o /dev/null "http://127.0.0.1:$http/health" 2>/dev/null; then ok=1; break; fi
      sleep 0.25
    done
    if [ $ok = 1 ] && [ "$service" != identity ] && [ "$service" != console ] && ! grep -q "migration init step of $service done" "$run/$service.log"; then
      log "$service: answered without its migration init step having ended"; ok=0
    fi
    if [ $ok = 1 ]; then
      log "$service: /health answered 200 from its own root filesystem (image $((size / 1024 / 1024)) MB compressed)"
    else
      log "$service: /health did not answer; its output:"; tail -30 "$run/$service.log" >&2; failed=1
    fi
  done <"$run/started"
  log "checked ${#services[@]} images in $((SECONDS - started)) s"
  return $failed
}

case "${1:-all}" in
  build) build ;;
  check) check ;;
  all) build; check ;;
  *) echo "usage: $0 [build|check|all]" >&2; exit 2 ;;
esac
