#!/usr/bin/env bash
# Stand-in for linuxdeploy (https://github.com/linuxdeploy/linuxdeploy), which Tauri's AppImage bundler
# downloads from GitHub; it does the part of linuxdeploy's work that bundler relies on, with Debian's
# tools (patchelf, squashfs-tools) and the AppImage runtime prepare-tools.sh took from a crates.io crate:
#   --appdir DIR            the AppDir Tauri laid out (usr/bin/avstem, WebKit's helpers, desktop entry, icons)
#   --library FILE          also deploy this library (the GTK plugin passes GTK's and pixbuf's)
#   --plugin gtk            run linuxdeploy-plugin-gtk.sh from the tools folder (Tauri writes it there)
#   --output appimage       squash the AppDir and prepend the runtime: $OUTPUT
# Libraries are copied into usr/lib unless they are on the AppImage project's excludelist (libraries
# every desktop has, or that must match the host's drivers: glibc, libGL, X11, fontconfig, …).
set -euo pipefail
here="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
TOOLS="${XDG_CACHE_HOME:-$HOME/.cache}/tauri"
APPDIR="" OUTPUT_KIND="" PLUGINS=() LIBS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --appdir=*) APPDIR="${1#*=}" ;;
    --appdir) APPDIR="$2"; shift ;;
    --library=*|-l=*) LIBS+=("${1#*=}") ;;
    --library|-l) LIBS+=("$2"); shift ;;
    --executable=*|-e=*) LIBS+=("${1#*=}") ;;
    --executable|-e) LIBS+=("$2"); shift ;;
    --plugin=*|-p=*) PLUGINS+=("${1#*=}") ;;
    --plugin|-p) PLUGINS+=("$2"); shift ;;
    --output=*|-o=*) OUTPUT_KIND="${1#*=}" ;;
    --output|-o) OUTPUT_KIND="$2"; shift ;;
    --verbosity|-v) shift ;;
    --appimage-extract-and-run|--verbosity=*|-v=*|--deploy-deps-only=*) ;;
    *) echo "linuxdeploy stand-in: ignoring $1" >&2 ;;
  esac
  shift
done
[ -d "$APPDIR" ] || { echo "linuxdeploy stand-in: --appdir is missing or not a folder" >&2; exit 2; }
APPDIR="$(readlink -f "$APPDIR")"
mkdir -p "$APPDIR/usr/lib"

# From https://github.com/AppImageCommunity/pkg2appimage/blob/1eceb306077e51b991e987690b364e11971b44b3/excludelist (MIT)
EXCLUDE=" ld-linux.so.2 ld-linux-x86-64.so.2 libanl.so.1 libBrokenLocale.so.1 libcidn.so.1 libc.so.6
libdl.so.2 libm.so.6 libmvec.so.1 libnss_compat.so.2 libnss_dns.so.2 libnss_files.so.2
libnss_hesiod.so.2 libnss_nisplus.so.2 libnss_nis.so.2 libpthread.so.0 libresolv.so.2 librt.so.1
libthread_db.so.1 libutil.so.1 libstdc++.so.6 libGL.so.1 libEGL.so.1 libGLdispatch.so.0 libGLX.so.0
libOpenGL.so.0 libdrm.so.2 libglapi.so.0 libgbm.so.1 libxcb.so.1 libX11.so.6 libX11-xcb.so.1
libwayland-client.so.0 libasound.so.2 libfontconfig.so.1 libfreetype.so.6 libharfbuzz.so.0
libcom_err.so.2 libexpat.so.1 libgcc_s.so.1 libgpg-error.so.0 libICE.so.6 libSM.so.6 libusb-1.0.so.0
libuuid.so.1 libz.so.1 libjack.so.0 libpipewire-0.3.so.0 libxcb-dri3.so.0 libxcb-dri2.so.0
libfribidi.so.0 libgmp.so.10 "
EXCLUDE="$(echo "$EXCLUDE" | tr '\n' ' ')"

# Copy every library FILE needs (ldd gives the whole closure) into usr/lib, with rpath $ORIGIN.
deploy_deps() {
  local file="$1" name path
  while read -r name path; do
    case "$EXCLUDE" in *" $name "*) continue ;; esac
    [ -e "$APPDIR/usr/lib/$name" ] && continue
    cp -L "$path" "$APPDIR/usr/lib/$name"
    chmod u+w "$APPDIR/usr/lib/$name"
    patchelf --set-rpath '$ORIGIN' "$APPDIR/usr/lib/$name" 2>/dev/null || true
  done < <(ldd "$file" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
  if ldd "$file" | grep -q 'not found'; then
    echo "linuxdeploy stand-in: $file needs a library this machine lacks:" >&2
    ldd "$file" | grep 'not found' >&2
    exit 1
  fi
}

for lib in "${LIBS[@]}"; do
  deploy_deps "$lib"
  name="$(basename "$lib")"
  case "$EXCLUDE" in *" $name "*) ;; *) [ -e "$APPDIR/usr/lib/$name" ] || cp -L "$lib" "$APPDIR/usr/lib/$name" ;; esac
done
[ "${LINUXDEPLOY_PLUGIN_MODE:-0}" = 1 ] && exit 0

echo "linuxdeploy stand-in: deploying the libraries of usr/bin and WebKit's helpers"
while IFS= read -r -d '' elf; do
  head -c 4 "$elf" | grep -q 'ELF' || continue
  deploy_deps "$elf"
done < <(find "$APPDIR/usr/bin" "$APPDIR/usr/lib" -type f -print0)
for bin in "$APPDIR"/usr/bin/*; do
  head -c 4 "$bin" | grep -q 'ELF' && patchelf --set-rpath '$ORIGIN/../lib' "$bin"
done

for plugin in "${PLUGINS[@]}"; do
  script="$TOOLS/linuxdeploy-plugin-$plugin.sh"
  [ -f "$script" ] || { echo "linuxdeploy stand-in: no plugin $script" >&2; exit 1; }
  echo "linuxdeploy stand-in: running plugin $plugin"
  LINUXDEPLOY="$here/linuxdeploy.sh" bash "$script" --appdir "$APPDIR"
done

# What the plugins copied in (GTK modules, pixbuf loaders) needs its libraries too.
while IFS= read -r -d '' elf; do
  head -c 4 "$elf" | grep -q 'ELF' || continue
  deploy_deps "$elf"
done < <(find "$APPDIR/usr/lib" -type f -print0)

if [ "$OUTPUT_KIND" = appimage ]; then
  : "${OUTPUT:?linuxdeploy stand-in: OUTPUT (the AppImage path) is not set}"
  runtime="$TOOLS/runtime-x86_64"
  [ -s "$runtime" ] || { echo "linuxdeploy stand-in: no AppImage runtime at $runtime" >&2; exit 1; }
  [ -x "$APPDIR/AppRun" ] || chmod +x "$APPDIR/AppRun"
  squash="$(mktemp -u "${OUTPUT}.squashfs.XXXX")"
  mksquashfs "$APPDIR" "$squash" -root-owned -noappend -comp gzip -quiet -no-progress
  cat "$runtime" "$squash" > "$OUTPUT"
  rm -f "$squash"
  chmod 755 "$OUTPUT"
  echo "linuxdeploy stand-in: wrote $OUTPUT ($(du -h "$OUTPUT" | cut -f1))"
fi
