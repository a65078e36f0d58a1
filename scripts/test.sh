#!/usr/bin/env bash
# Runs every test: formatting, lints, Rust tests (with a real Secret Service), UI type-check and unit
# tests, the workbook recalculation checks and the end-to-end suite in a real window under Xvfb.
# Needs what scripts/setup.sh --no-start installs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "UI: type-check, unit tests, build"
(cd ui && npm run --silent typecheck && npx vitest run --reporter=dot && npm run --silent build >/dev/null)

step "the core crate stays free of Tauri, GTK, WebKit and the command line (clap)"
if cargo tree -p avstem-core --prefix none --edges normal,build | grep -E '^(tauri|gtk|webkit2gtk|wry|clap|indicatif)[ -]'; then
  echo "avstem-core must not depend on Tauri/GTK/WebKit or clap" >&2; exit 1
fi

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "code shape: no product Rust file over 900 lines, no function over 150 (scripts/code-shape.py)"
python3 scripts/code-shape.py

step "cargo build (the avstem binary the CLI and end-to-end tests run)"
cargo build --quiet

step "cargo test (workspace), inside a private session bus with an unlocked gnome-keyring"
dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "avstem-test" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK
  export AVSTEM_KEYRING_TESTS=1
  export AVSTEM_REQUIRE_LIBREOFFICE=1   # the workbook recalculation check must run, not skip
  cargo test --workspace --quiet 2>&1
'

step "the committed TypeScript bindings match the Rust types"
if [ -n "$(git status --porcelain -- ui/src/bindings 2>/dev/null)" ]; then
  git status --short -- ui/src/bindings
  echo "ui/src/bindings is stale: run scripts/gen-bindings.sh and commit the result" >&2; exit 1
fi

step "crash test: SIGKILL the real avstem sync 12 times, the cache still equals an uninterrupted sync"
bash tests/crash_sync.sh target/debug/avstem

step "End-to-end: the real window under Xvfb, driven through WebDriver"
mkdir -p target/e2e
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  set -euo pipefail
  eval "$(printf "avstem-test" | gnome-keyring-daemon --unlock --components=secrets)"
  python3 -m pytest -q -p no:cacheprovider tests
'

step "Packages: release build, the .deb and the AppImage (scripts/package.sh); the .deb installed, run, removed; the AppImage run"
bash scripts/package.sh
bash tests/package_deb.sh target/release/bundle/deb/Avstem_*_amd64.deb
bash tests/package_appimage.sh target/release/bundle/appimage/Avstem_*_amd64.AppImage
