#!/usr/bin/env bash
# Set-up shared by `make test` and `make demo`: Debian packages (as root), the venv, the project.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the kiosk drivers and the suite need: the PC/SC daemon with virtual readers,
# the headers pyscard builds against, and the library Kivy's input provider loads.
# fonts-noto-cjk: the Chinese font the test browser renders the ops pages with.
# redis-server, rabbitmq-server: the scaled-out back office's shared state and broker (its test).
DEB_PACKAGES=(pcscd vsmartcard-vpcd libpcsclite-dev swig libmtdev1 espeak-ng ffmpeg wrk chromium fonts-noto-cjk redis-server rabbitmq-server)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages (run as root or install them): ${missing[*]}" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when pyproject.toml changed since the last install.
stamp=.venv/.zhili-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "setup: installing the project with every extra (first run takes a few minutes)"
  .venv/bin/pip install -q --upgrade pip
  # torch first, at the versions that lie on this machine's disk and run on the CPU;
  # ultralytics would otherwise pull a multi-GB build.
  .venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1
  .venv/bin/pip install -q -e '.[kiosk,backoffice,vision,dev]'
  touch "$stamp"
fi
