#!/usr/bin/env bash
# Sets up Avstem on a fresh Debian 12 machine (root or sudo) and starts the app.
#   scripts/setup.sh            install what is missing, build, start the window
#   scripts/setup.sh --no-start install and build only (CI uses this)
# Idempotent: quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

START=1
[ "${1:-}" = "--no-start" ] && START=0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------------
APT_PACKAGES=(
  build-essential pkg-config curl file ca-certificates git
  libwebkit2gtk-4.1-dev librsvg2-dev            # Tauri 2 on Linux (WebKitGTK 4.1)
  xvfb xauth webkit2gtk-driver                  # headless window + WebDriver for the end-to-end tests
  gnome-keyring dbus dbus-x11 libsecret-tools   # a real Secret Service for the keyring tests
  imagemagick                                   # screenshots
  libreoffice-calc-nogui                        # recalculates exported workbooks in the tests
  libxml2-utils                                 # xmllint validates camt.053 statements against the ISO XSDs
  python3 python3-pip python3-venv
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "Installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Node.js (Vite 7 needs >= 20.19) ----------------------------------------------------------------
if ! command -v node >/dev/null || ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)'; then
  say "Installing Node.js from Debian (needs >= 20.19 for the UI build)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a==20&&b>=19)?0:1)' || {
    echo "Node.js $(node --version) is too old for the UI build (needs >= 20.19): install a newer Node.js and run this again." >&2
    exit 1
  }
fi

# --- Rust toolchain ---------------------------------------------------------------------------------
if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs) and run this again." >&2; exit 1; }
if ! command -v tauri-driver >/dev/null; then
  say "Installing tauri-driver (WebDriver bridge for the end-to-end tests)"
  cargo install tauri-driver@^2 --locked --quiet
fi

# --- Python packages for the tests (workbook checks, WebDriver) --------------------------------------
PY=python3
if ! $PY -c 'import openpyxl, selenium, pytest, xlsxwriter' 2>/dev/null; then
  say "Installing Python test packages (openpyxl, selenium, pytest, XlsxWriter)"
  # Debian's own python3 is "externally managed" (PEP 668); a pyenv or venv python is not.
  if $PY -c 'import sys, sysconfig, os; sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
    $PY -m pip install --quiet --disable-pip-version-check --break-system-packages openpyxl selenium pytest XlsxWriter
  else
    $PY -m pip install --quiet --disable-pip-version-check openpyxl selenium pytest XlsxWriter
  fi
fi

# --- Packaging tools (scripts/package.sh: the AppImage's libraries and squashfs) --------------------
for p in patchelf squashfs-tools; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || {
    say "Installing $p (packaging)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null
  }
done

# --- UI and app build -------------------------------------------------------------------------------
if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
  say "Installing UI packages"
  (cd ui && npm ci --no-fund --no-audit --loglevel=error)
fi
say "Building the UI and the app"
(cd ui && npm run --silent build >/dev/null)
cargo build --quiet

if [ "$START" = 1 ]; then
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    echo "Built target/debug/avstem. No display found — run under a desktop session or xvfb-run;"
    echo "the command-line tool works without one, e.g.: target/debug/avstem ledgers --profile demo"
    exit 0
  fi
  say "Starting Avstem (choose \"Try with demo data\" if you have no keys yet)"
  exec target/debug/avstem
fi
