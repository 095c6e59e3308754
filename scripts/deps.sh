#!/usr/bin/env bash
# Install the Debian packages hfcache builds and tests with, plus any named as arguments (only those
# missing). Needs root or sudo.
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config libcpp-httplib-dev libssl-dev nlohmann-json3-dev
          libspdlog-dev libsqlite3-dev doctest-dev libarchive-dev libzstd-dev zlib1g-dev libcurl4-openssl-dev libgit2-dev git git-lfs python3-venv util-linux curl unzip strace systemd nodejs
          glusterfs-server glusterfs-client iproute2 "$@")  # GlusterFS: the fleet suite's distributed file system (tests/fleet)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
