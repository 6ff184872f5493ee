#!/usr/bin/env bash
# Install the given Debian packages if, and only if, some of them are missing.
#
#   scripts/ensure_apt.sh [PACKAGE ...]
#
# Runs `apt-get update` once, and only when something has to be installed. Needs root (or sudo).
# With no arguments, or when everything is installed, it does nothing and touches no network.
set -euo pipefail

missing=()
for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    [[ $# -gt 0 ]] && echo "apt: all present ($*)"
    exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
        SUDO=(sudo)
    else
        echo "ensure_apt: need root to install: ${missing[*]}" >&2
        exit 1
    fi
fi
echo "apt: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
