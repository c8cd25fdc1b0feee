#!/usr/bin/env bash
# Installs the system packages TailGrid builds against, if they are missing:
# OpenBLAS (cblas.h), LAPACKE (lapacke.h), SQLite (sqlite3.h, for the coordinator's journal
# through GRDB), pkg-config and protoc (protobuf-compiler), from apt; with --test also
# chromium, which the report test renders report.html with.
set -euo pipefail

packages=(libopenblas-dev liblapacke-dev libsqlite3-dev pkg-config protobuf-compiler)
# --test: what the test suite also needs: headless Chromium renders report.html,
# debootstrap builds the runtime image's root, slurm-wlm and munge run the Slurm batch.
# Installed here, one apt-get at a time, rather than by two tests at once.
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium debootstrap slurm-wlm munge)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
