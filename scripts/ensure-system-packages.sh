#!/usr/bin/env bash
# Install the Debian packages Angel needs (SoX with GSM support, espeak-ng for test speech,
# tini: the image's init, run by tests/integration/deploy) when they are missing. Idempotent;
# does nothing when everything is present.
set -euo pipefail
needed=(sox libsox-fmt-all espeak-ng libespeak-ng1 tini)
missing=()
for pkg in "${needed[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_ apt-get update -qq
$sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null
