#!/usr/bin/env bash
# Builds the Linux release bundles with Tauri's bundler (the npm @tauri-apps/cli in ui/):
#   scripts/package.sh          the .deb and the AppImage
#   scripts/package.sh --deb    the .deb only (what the test command installs and checks)
# Out: target/release/bundle/deb/Avstem_<version>_amd64.deb and
#      target/release/bundle/appimage/Avstem_<version>_amd64.AppImage
#
# One version: [workspace.package] version in Cargo.toml. tauri.conf.json has no "version", so Tauri
# takes the crate's; the binary's --version and the window's About come from the same field.
# Icons, desktop entry (category Finance) and descriptions: tauri.conf.json > bundle.
# The release profile (Cargo.toml) keeps thin LTO: see the README's "Packages" section for the build times.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# The AppImage step of Tauri's bundler runs linuxdeploy and AppImageKit's AppRun, which it downloads
# from GitHub on first use into ~/.cache/tauri. GitHub is out of reach on the Debian CI machine, so
# scripts/appimage/prepare-tools.sh puts stand-ins there first (unless the real ones are there).
BUNDLES=deb,appimage
[ "${1:-}" = "--deb" ] && BUNDLES=deb
[ "$BUNDLES" = deb ] || bash scripts/appimage/prepare-tools.sh

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

TAURI=ui/node_modules/.bin/tauri
if [ ! -x "$TAURI" ]; then
  (cd ui && npm ci --no-fund --no-audit --loglevel=error)
fi

version=$(cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json, sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "avstem"))')

say "Building Avstem $version: $BUNDLES (release build, then Tauri's bundler)"
rm -rf target/release/bundle
start=$(date +%s)
# beforeBuildCommand (tauri.conf.json) builds the UI first. --ci: no prompts.
nice -n 10 "$TAURI" build --ci --bundles "$BUNDLES"
echo "package.sh: build and bundle took $(( $(date +%s) - start )) s"

deb="target/release/bundle/deb/Avstem_${version}_amd64.deb"
[ -f "$deb" ] || { echo "package.sh: expected $deb, found: $(ls target/release/bundle/deb 2>&1)" >&2; exit 1; }
ls -l "$deb"
if [[ "$BUNDLES" == *appimage* ]]; then
  img="target/release/bundle/appimage/Avstem_${version}_amd64.AppImage"
  [ -x "$img" ] || { echo "package.sh: expected $img" >&2; exit 1; }
  ls -l "$img"
fi
