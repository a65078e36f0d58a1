#!/usr/bin/env bash
# Checks the .deb scripts/package.sh built, installs it the way a user would (apt resolves its
# dependencies), runs the installed command line and window, and removes it again.
#   tests/package_deb.sh target/release/bundle/deb/Avstem_<version>_amd64.deb
# Needs root (apt-get) and what scripts/setup.sh installs (Xvfb, tauri-driver, pytest, gnome-keyring).
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(realpath "$1")
fail() { echo "package test: $*" >&2; exit 1; }
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "avstem"))')
pkg=$(dpkg-deb -f "$deb" Package)
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version $(dpkg-deb -f "$deb" Version) is not the workspace version $version"
dpkg -I "$deb"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- contents: binary, desktop entry (category Finance), icons, descriptions"
dpkg-deb -x "$deb" "$work/root"
[ -x "$work/root/usr/bin/avstem" ] || fail "no /usr/bin/avstem in the package"
desktop=$(find "$work/root/usr/share/applications" -name '*.desktop' | head -1)
[ -n "$desktop" ] || fail "no desktop entry"
grep -Eq '^Categories=(.*;)?Finance;' "$desktop" || fail "desktop entry is not in category Finance: $(grep Categories "$desktop")"
grep -qx 'Exec=avstem' "$desktop" || fail "desktop entry does not start avstem: $(grep Exec "$desktop")"
icon=$(sed -n 's/^Icon=//p' "$desktop")
for size in 32x32 128x128 256x256@2; do
  [ -f "$work/root/usr/share/icons/hicolor/$size/apps/$icon.png" ] || fail "no $size icon named $icon"
done
dpkg-deb -f "$deb" Description | grep -q 'Reconcile Vipps MobilePay payouts' || fail "short description missing"
dpkg-deb -f "$deb" Description | grep -q 'Excel reconciliation workbook' || fail "long description missing"

echo "-- declared dependencies against what the binary links"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
names=$(echo "$depends" | tr ',' '\n' | sed 's/([^)]*)//; s/|.*//; s/[[:space:]]//g' | grep -v '^$')
if echo "$names" | grep -E -- '-dev$'; then fail "the package depends on a build-only (-dev) package"; fi
# Every package the declared dependencies pull in, as apt resolves them (Pre-Depends and Depends).
# shellcheck disable=SC2086
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
  --no-replaces --no-enhances $names | grep -v '^ ' | sed 's/:amd64$//' | sort -u)
missing=0
checked=0
for lib in $(readelf -d "$work/root/usr/bin/avstem" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldd "$work/root/usr/bin/avstem" | awk -v l="$lib" '$1 == l { print $3 }')
  # The dynamic loader is listed by its path, without "=>".
  [ -n "$path" ] || path=$(ldd "$work/root/usr/bin/avstem" | awk -v l="/$lib" 'substr($1, length($1) - length(l) + 1) == l { print $1 }')
  [ -n "$path" ] && [ "$path" != "not" ] || { echo "  $lib: not found on this machine"; missing=1; continue; }
  owner=$(dpkg -S "$(realpath "$path")" 2>/dev/null | head -1 | cut -d: -f1) ||
    owner=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) || true
  [ -n "$owner" ] || { echo "  $lib ($path): no Debian package owns it"; missing=1; continue; }
  if echo "$closure" | grep -qx "$owner"; then
    echo "  $lib <- $owner"
  else
    echo "  $lib <- $owner: NOT among the declared dependencies (or what they pull in)"; missing=1
  fi
  case "$owner" in *-dev) echo "  $lib is owned by a -dev package"; missing=1 ;; esac
  checked=$((checked + 1))
done
[ "$missing" = 0 ] || fail "the package's Depends do not cover every library the binary links"
[ "$checked" -ge 5 ] || fail "only $checked linked libraries found: is this a Tauri binary?"

echo "-- install with apt (dependencies resolved), run the installed command line"
[ ! -e /usr/bin/avstem ] || fail "/usr/bin/avstem exists before the install: remove the old package ($pkg) first"
remove() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 remove -y -qq "$pkg" >/dev/null || true; }
trap 'remove; rm -rf "$work"' EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$deb" >/dev/null
dpkg-query -W -f='${Status}\n' "$pkg" | grep -q 'install ok installed' || fail "$pkg is not installed"
if ldd /usr/bin/avstem | grep 'not found'; then fail "the installed binary misses libraries"; fi
out=$(/usr/bin/avstem --version)
[ "$out" = "avstem $version" ] || fail "/usr/bin/avstem --version said '$out', expected 'avstem $version'"
echo "$out"
export AVSTEM_DATA_DIR="$work/data"
out=$(cd / && avstem ledgers --profile demo)
echo "$out"
echo "$out" | grep -q '^302321 .*NOK.*Fjordkaffe nettbutikk' || fail "avstem ledgers --profile demo did not list the demo ledger 302321"
[ "$(echo "$out" | grep -c '^[0-9]')" -eq 9 ] || fail "expected the accounting partner's 9 demo ledgers"

echo "-- the installed window under Xvfb: the smoke end-to-end test"
mkdir -p target/e2e
AVSTEM_E2E_APP=/usr/bin/avstem xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "avstem-test" | gnome-keyring-daemon --unlock --components=secrets)"
  python3 -m pytest -q -p no:cacheprovider tests/e2e/test_smoke.py
'

echo "-- remove"
trap 'rm -rf "$work"' EXIT
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 remove -y -qq "$pkg" >/dev/null
[ ! -e /usr/bin/avstem ] || fail "/usr/bin/avstem is still there after apt-get remove"
! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q 'install ok installed' || fail "$pkg still installed"
echo "package test: $pkg $version built, installed, ran and removed"
