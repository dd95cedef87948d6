# Sourced by scripts/test-deploy: Debian 12 containers with a real systemd as PID 1, one per
# master, booted by systemd-nspawn on this machine (whose own PID 1 is not systemd).
#
# One root filesystem, made once by debootstrap and cached (ROOTFS_CACHE), is the lower layer of
# an overlay per master, so three masters cost one root and a warm start is a boot (~1 s), not a
# debootstrap (minutes). The containers share the host's network namespace: each master binds its
# own loopback address (127.0.3.N), as the sandbox gives each master 127.0.1.N, so the host's CLI,
# the S3 server and the other masters reach it over real sockets and nothing leaves 127.0.0.0/8.
#
# nspawn runs with --register=no --keep-unit because there is no systemd, machined or system
# bus on the host; commands run inside with nsenter (there is no machinectl here). What this
# systemd enforces: filesystem and privilege hardening (ProtectSystem, ReadWritePaths,
# ProtectHome, PrivateTmp, NoNewPrivileges, SystemCallFilter). What it cannot on this cgroup-v1
# host: cgroup resource limits and BPF IP filtering.

ROOTFS_CACHE=${ROOTFS_CACHE:-/var/cache/lockstep-test}
ROOTFS=$ROOTFS_CACHE/rootfs-bookworm
# What every master's root needs besides the package under test and its libraries: systemd as
# PID 1, and Debian's ZooKeeper (which brings Java 17).
ROOTFS_PACKAGES=(systemd systemd-sysv dbus zookeeper procps)

declare -A CONTAINER_PID   # master name -> PID 1 of its container (as the host sees it)
declare -A NSPAWN_PID      # master name -> the systemd-nspawn process

log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

# Package names (alternatives reduced to their first) that DEB depends on, versions dropped.
deb_depends() {  # DEB
  dpkg-deb -f "$1" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/ //g' | grep -v '^$'
}

# Makes the cached root when it is missing, and installs into it what it lacks of PACKAGES
# (each run names the libraries of the package it tests, so a new dependency costs one apt-get,
# not a new root). Prints progress: the cold path takes minutes.
ensure_rootfs() {  # PACKAGES...
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
  if [[ ! -x $ROOTFS/lib/systemd/systemd ]]; then
    log "no cached root at $ROOTFS: debootstrap bookworm from $mirror (a few minutes, once)"
    rm -rf "$ROOTFS.partial"
    mkdir -p "$ROOTFS_CACHE/debs"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
      --cache-dir="$ROOTFS_CACHE/debs" bookworm "$ROOTFS.partial" "$mirror" \
      >"$ROOTFS_CACHE/debootstrap.log" 2>&1 ||
      { tail -n 20 "$ROOTFS_CACHE/debootstrap.log" >&2; return 1; }
    echo "deb $mirror bookworm main" >"$ROOTFS.partial/etc/apt/sources.list"
    # No documentation in the masters' roots: smaller, and faster to unpack.
    printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/locale/*\n' \
      >"$ROOTFS.partial/etc/dpkg/dpkg.cfg.d/01-lockstep-test-nodoc"
    mv "$ROOTFS.partial" "$ROOTFS"
  fi
  local missing=() pkg
  for pkg in "$@"; do
    [[ $(chroot "$ROOTFS" dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] ||
      missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  log "installing into the cached root: ${missing[*]}"
  systemd-nspawn -q -D "$ROOTFS" --register=no --keep-unit --pipe -- sh -c \
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
       --no-install-recommends $* && apt-get clean" >"$ROOTFS_CACHE/apt.log" 2>&1 ||
    { tail -n 20 "$ROOTFS_CACHE/apt.log" >&2; return 1; }
}

# The master's own root: an overlay over the cached one, written to under WORK/NAME/upper.
make_master_root() {  # NAME WORK
  local name=$1 dir=$2/$1
  mkdir -p "$dir/upper" "$dir/work" "$dir/root"
  mount -t overlay "overlay-lockstep-$name" \
    -o "lowerdir=$ROOTFS,upperdir=$dir/upper,workdir=$dir/work" "$dir/root"
  echo "$name" >"$dir/root/etc/hostname"
}

# Boots NAME's root with systemd as PID 1 and waits until systemd says it is up.
boot_master() {  # NAME WORK
  local name=$1 dir=$2/$1 pid1="" state=""
  systemd-nspawn -D "$dir/root" --boot --register=no --keep-unit --console=pipe \
    --machine="lockstep-$name" >"$dir/boot.log" 2>&1 &
  NSPAWN_PID[$name]=$!
  # nspawn's first child only sets up the namespaces and exits; the container's PID 1 (systemd)
  # is its child, reparented to nspawn (a subreaper) once it has exec'd systemd: wait for that one.
  for _ in $(seq 300); do
    pid1=$(pgrep -P "${NSPAWN_PID[$name]}" -x systemd || true)
    [[ -n $pid1 ]] && break
    sleep 0.1
  done
  [[ -n $pid1 ]] || { cat "$dir/boot.log" >&2; echo "$name: no systemd started in the container" >&2; return 1; }
  CONTAINER_PID[$name]=$pid1
  for _ in $(seq 600); do  # seconds on a quiet machine; minutes while a build competes
    state=$(in_master "$name" systemctl is-system-running 2>/dev/null || true)
    [[ $state == running || $state == degraded ]] && return 0
    sleep 0.2
  done
  echo "$name: systemd did not finish booting (state '$state'); see $dir/boot.log" >&2
  return 1
}

in_master() {  # NAME COMMAND...
  local name=$1
  shift
  nsenter -t "${CONTAINER_PID[$name]}" -a "$@"
}

# Powers NAME off in order, then removes what nspawn leaves on a host whose /run is not tmpfs.
stop_master() {  # NAME WORK
  local name=$1 dir=$2/$1 nspawn=${NSPAWN_PID[$1]:-}
  if [[ -n $nspawn ]]; then
    in_master "$name" systemctl poweroff >/dev/null 2>&1 || true
    for _ in $(seq 100); do kill -0 "$nspawn" 2>/dev/null || break; sleep 0.1; done
    kill "$nspawn" 2>/dev/null || true
    wait "$nspawn" 2>/dev/null || true
  fi
  rm -rf "/run/systemd/nspawn/propagate/lockstep-$name"
  mountpoint -q "$dir/root" && umount "$dir/root"
  unset "NSPAWN_PID[$name]" "CONTAINER_PID[$name]"
}

# A run killed before its cleanup leaves containers and overlays: end them before starting.
stop_leftovers() {  # WORK
  local pid
  for pid in $(pgrep -f "systemd-nspawn .*--machine=lockstep-m" || true); do
    kill "$pid" 2>/dev/null || true
  done
  for _ in $(seq 50); do pgrep -f "systemd-nspawn .*--machine=lockstep-m" >/dev/null || break; sleep 0.1; done
  pkill -9 -f "systemd-nspawn .*--machine=lockstep-m" 2>/dev/null || true
  local root
  for root in "$1"/*/root; do mountpoint -q "$root" 2>/dev/null && umount -l "$root"; done
  rm -rf /run/systemd/nspawn/propagate/lockstep-m*
  return 0
}
