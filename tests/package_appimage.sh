#!/usr/bin/env bash
# Runs the AppImage scripts/package.sh built: its command line, and its window for the smoke
# end-to-end test. --appimage-extract-and-run (APPIMAGE_EXTRACT_AND_RUN=1): no FUSE needed.
#   tests/package_appimage.sh target/release/bundle/appimage/Avstem_<version>_amd64.AppImage
set -euo pipefail
cd "$(dirname "$0")/.."
img=$(realpath "$1")
fail() { echo "AppImage test: $*" >&2; exit 1; }
version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "avstem"))')
[ "$(head -c 4 "$img" | tail -c 3)" = "ELF" ] || fail "not an ELF runtime at the start"
[ "$(dd if="$img" bs=1 skip=8 count=3 2>/dev/null | od -An -c | tr -d ' ')" = 'AI002' ] || fail "no AppImage type-2 magic"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export APPIMAGE_EXTRACT_AND_RUN=1 TMPDIR="$work"
out=$("$img" --version)
[ "$out" = "avstem $version" ] || fail "--version said '$out', expected 'avstem $version'"
out=$(cd "$work" && AVSTEM_DATA_DIR="$work/data" "$img" ledgers --profile demo)
echo "$out" | grep -q '^302321 .*Fjordkaffe nettbutikk' || fail "ledgers --profile demo did not list 302321: $out"
echo "$out"
echo "-- the AppImage's window under Xvfb: the smoke end-to-end test"
AVSTEM_E2E_APP="$img" xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "avstem-test" | gnome-keyring-daemon --unlock --components=secrets)"
  python3 -m pytest -q -p no:cacheprovider tests/e2e/test_smoke.py
'
echo "AppImage test: $(basename "$img") ran its command line and window"
