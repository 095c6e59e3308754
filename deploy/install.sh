#!/bin/sh
# Install hfcached as a systemd service serving one shared Hugging Face Hub cache. Idempotent: a
# second run changes nothing it already did and never overwrites /etc/hfcache/hfcache.json.
#
#   deploy/install.sh [--build-dir DIR] [--prefix PREFIX] [--destdir DIR] [--dry-run]
#
#   --build-dir DIR  the CMake build folder holding hfcache and hfcached (default: build)
#   --prefix PREFIX  where the binaries go (default /usr/local)
#   --destdir DIR    stage everything below DIR (packaging, tests): no user, no chown, no systemctl
#   --dry-run        print what would be done, change nothing
#
# What it does: the hfcache system user and group; /etc/hfcache with the example config and a random
# admin token (0640 root:hfcache: members of the group may run admin commands); the cache
# /var/cache/hfcache/hub (2755 hfcache:hfcache: setgid, so every folder in it keeps the group, and
# with UMask=0002 in a drop-in the group may write it too); /var/lib/hfcache (0750) for the index; the binaries (cmake --install);
# the unit in /etc/systemd/system; systemctl daemon-reload.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build_dir=build
prefix=/usr/local
destdir=
dry_run=

while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --destdir) destdir=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

run() {
  echo "+ $*"
  [ -n "$dry_run" ] || "$@"
}

# Owner changes only on a real install: in a staging folder the user does not exist.
own() {
  [ -z "$destdir" ] || return 0
  run chown "$@"
}

if [ -z "$destdir" ] && [ -z "$dry_run" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (or use --destdir DIR to stage the files, --dry-run to see the plan)" >&2
  exit 1
fi
if [ ! -x "$build_dir/server/hfcached" ] || [ ! -x "$build_dir/client/hfcache" ]; then
  echo "install.sh: $build_dir/server/hfcached or $build_dir/client/hfcache is missing" >&2
  echo "hint: cmake -S $root -B $build_dir -G Ninja && ninja -C $build_dir" >&2
  exit 1
fi

# 1. The system user and group the daemon runs as.
if [ -z "$destdir" ]; then
  if ! getent group hfcache >/dev/null; then run groupadd --system hfcache; fi
  if ! getent passwd hfcache >/dev/null; then
    run useradd --system --gid hfcache --home-dir /var/lib/hfcache --no-create-home \
      --shell /usr/sbin/nologin --comment "hfcache daemon" hfcache
  fi
fi

# 2. Configuration: the example, unless one exists; an admin token, unless one exists.
etc="$destdir/etc/hfcache"
run install -d -m 0755 "$etc"
if [ -e "$etc/hfcache.json" ]; then
  echo "keeping the existing $etc/hfcache.json"
else
  run install -m 0644 "$root/config/hfcache.json" "$etc/hfcache.json"
fi
if [ ! -e "$etc/admin-token" ]; then
  if [ -n "$dry_run" ]; then
    echo "+ write a random admin token to $etc/admin-token (0640 root:hfcache)"
  else
    umask 077
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$etc/admin-token"
    umask 022
    chmod 0640 "$etc/admin-token"
  fi
fi
own root:hfcache "$etc/admin-token"

# 3. The shared cache and the daemon's state.
run install -d -m 0755 "$destdir/var/cache/hfcache"
run install -d -m 2755 "$destdir/var/cache/hfcache/hub"
run chmod 2755 "$destdir/var/cache/hfcache/hub"
run install -d -m 0750 "$destdir/var/lib/hfcache"
own hfcache:hfcache "$destdir/var/cache/hfcache" "$destdir/var/cache/hfcache/hub" "$destdir/var/lib/hfcache"

# 4. The binaries.
if [ -n "$destdir" ]; then
  run env DESTDIR="$destdir" cmake --install "$build_dir" --prefix "$prefix"
else
  run cmake --install "$build_dir" --prefix "$prefix"
fi

# 5. The unit, pointing at the installed binary.
unit_dir="$destdir/etc/systemd/system"
run install -d -m 0755 "$unit_dir"
if [ -n "$dry_run" ]; then
  echo "+ install $here/hfcached.service -> $unit_dir/hfcached.service (ExecStart=$prefix/bin/hfcached)"
else
  sed "s#/usr/local/bin/hfcached#$prefix/bin/hfcached#" "$here/hfcached.service" > "$unit_dir/hfcached.service.tmp"
  chmod 0644 "$unit_dir/hfcached.service.tmp"
  mv "$unit_dir/hfcached.service.tmp" "$unit_dir/hfcached.service"
fi
if [ -z "$destdir" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
fi

cat <<MSG

hfcached is installed. Start it and enable it at boot:
    systemctl enable --now hfcached
Users share the cache by pointing huggingface_hub (and transformers) at it, e.g. in ~/.profile:
    export HF_HUB_CACHE=/var/cache/hfcache/hub
or let the daemon fetch for them:
    export HF_ENDPOINT=http://127.0.0.1:8765
Admin commands (hfcache pull/rm/gc/pin through the daemon) need the token in /etc/hfcache/admin-token:
add trusted users to the hfcache group (usermod -aG hfcache USER). New folders in the cache keep the
group (setgid); for a cache the group may also write directly, add UMask=0002 in a drop-in
(systemctl edit hfcached). Edit /etc/hfcache/hfcache.json, then: systemctl reload hfcached
MSG
