#!/usr/bin/env bash
# Puts what Tauri's AppImage bundler downloads from GitHub on first use into its tools folder
# (~/.cache/tauri), made from what this machine can reach, unless real copies are already there:
#   linuxdeploy-07333c6-x86_64.AppImage  an ELF launcher (launcher.c) for linuxdeploy.sh, the stand-in
#                                (tauri-bundler 2.10's name: linuxdeploy-<LINUXDEPLOY_COMMIT_HASH>-<arch>;
#                                also written as linuxdeploy-x86_64.AppImage, the older bundlers' name)
#   AppRun-x86_64                AppRun (a script doing what AppImageKit's AppRun does)
#   runtime-x86_64               the AppImage type-2 runtime (AppImageKit, MIT), from the crates.io crate
#                                `appimage` 0.4.0 (rust-mobile/xbuild), which ships it as assets/runtime-x86_64
#   linuxdeploy-plugin-appimage.AppImage  a placeholder, so that Tauri does not try its download
#                                (the stand-in writes the AppImage itself)
# Needs cc, patchelf and mksquashfs (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")"
here="$(pwd)"
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/tauri"
RUNTIME_SHA256=328e0d745c5c6817048c27bc3e8314871703f8f47ffa81a37cb06cd95a94b323
mkdir -p "$TOOLS"
for tool in cc patchelf mksquashfs; do
  command -v "$tool" >/dev/null || { echo "prepare-tools: $tool is missing (bash scripts/setup.sh installs it)" >&2; exit 1; }
done

LINUXDEPLOY="$TOOLS/linuxdeploy-07333c6-x86_64.AppImage"
if [ -s "$LINUXDEPLOY" ] && [ ! -e "$TOOLS/.avstem-stand-ins" ]; then
  echo "prepare-tools: $TOOLS has Tauri's own linuxdeploy; using it"
  exit 0
fi

if ! { [ -f "$TOOLS/runtime-x86_64" ] && echo "$RUNTIME_SHA256  $TOOLS/runtime-x86_64" | sha256sum -c --quiet; }; then
  probe="$(mktemp -d)"
  trap 'rm -rf "$probe"' EXIT
  printf '[package]\nname = "runtime-probe"\nversion = "0.0.0"\nedition = "2021"\n[lib]\npath = "lib.rs"\n[dependencies]\nappimage = "=0.4.0"\n[workspace]\n' > "$probe/Cargo.toml"
  : > "$probe/lib.rs"
  cargo fetch --quiet --manifest-path "$probe/Cargo.toml"
  manifest="$(cargo metadata --format-version 1 --manifest-path "$probe/Cargo.toml" |
    python3 -c 'import json, sys; print(next(p["manifest_path"] for p in json.load(sys.stdin)["packages"] if p["name"] == "appimage"))')"
  cp "$(dirname "$manifest")/assets/runtime-x86_64" "$TOOLS/runtime-x86_64"
  echo "$RUNTIME_SHA256  $TOOLS/runtime-x86_64" | sha256sum -c --quiet ||
    { echo "prepare-tools: the runtime in the appimage crate is not the one checked" >&2; exit 1; }
fi

cc -O2 -Wall -DSCRIPT="\"$here/linuxdeploy.sh\"" -o "$LINUXDEPLOY" launcher.c
cp "$LINUXDEPLOY" "$TOOLS/linuxdeploy-x86_64.AppImage"
install -m 755 AppRun "$TOOLS/AppRun-x86_64"
[ -s "$TOOLS/linuxdeploy-plugin-appimage.AppImage" ] || cp "$LINUXDEPLOY" "$TOOLS/linuxdeploy-plugin-appimage.AppImage"
touch "$TOOLS/.avstem-stand-ins"
echo "prepare-tools: AppImage tools ready in $TOOLS"
