#!/usr/bin/env bash
# Builds examples/c/stop_orders.c against the library and runs it against a reference manager with the demo layout.
# Exit status: the example's (0 when every node of OrdersStore stopped).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f target/release/libclustron_dkv.so ] || cargo build --release --quiet
[ -x target/release/dkv-refmanager ] || cargo build --release --quiet -p dkv-refmanager
work=$(mktemp -d)
cc -std=c99 -Wall -Wextra -Werror -I include examples/c/stop_orders.c -L target/release -lclustron_dkv \
  -o "$work/stop_orders"
target/release/dkv-refmanager --hosts 127.0.0.11,127.0.0.12,127.0.0.13 --port 0 --layout demo --quiet \
  --ready-file "$work/port" >"$work/manager.log" 2>&1 &
manager=$!
trap 'kill $manager 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(cat "$work/port")
LD_LIBRARY_PATH=target/release "$work/stop_orders" "127.0.0.11:$port" "127.0.0.12:$port" "127.0.0.13:$port"
