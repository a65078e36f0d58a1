#!/bin/sh
# Regenerate the TypeScript bindings in ui/src/bindings from the Rust types (ts-rs), so the UI never
# hand-copies a Rust type. Money (i64 minor units) travels as a JSON number; keep it `number` in TS.
set -eu
cd "$(dirname "$0")/.."
export TS_RS_EXPORT_DIR="$PWD/ui/src/bindings"
export TS_RS_LARGE_INT=number
cargo test -q -p avstem-core export_bindings >/dev/null
cargo test -q -p avstem --lib export_bindings >/dev/null
echo "bindings: $(ls ui/src/bindings | wc -l) files in ui/src/bindings"
