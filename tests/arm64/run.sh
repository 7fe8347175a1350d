#!/usr/bin/env bash
# The linux-arm64 (aarch64) build of the native library, tested under qemu-aarch64 user mode:
#   1. cross-builds libclustron_dkv.so for aarch64-unknown-linux-gnu with Debian's rustc 1.63 (build.sh);
#   2. checks it is an AArch64 ELF exporting exactly the x64 library's dkv_ functions (the header's exports);
#   3. builds the C harness (tests/c) with aarch64-linux-gnu-gcc against include/clustron_dkv.h and that library,
#      and runs it under qemu-aarch64 against the (x64) reference manager on loopback.
# No valgrind here (the x64 run of tests/c/run.sh checks leaks; valgrind under qemu would take minutes).
# Last line: "arm64: N passed, N failed"; exit status non-zero on any failure. Needs what .ci/install.sh installs.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TRIPLE=aarch64-unknown-linux-gnu
LIB_DIR="$ROOT/target/arm64/$TRIPLE/release"
OUT="$ROOT/target/arm64/tests"
SRC="$ROOT/tests/c"
HOSTS=127.0.0.11,127.0.0.12,127.0.0.13
REFMANAGER="$ROOT/target/debug/dkv-refmanager"
mkdir -p "$OUT"

TALLY_LABEL=arm64
# shellcheck source=../support/tally.sh
source "$ROOT/tests/support/tally.sh"

for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
  command -v "$tool" >/dev/null 2>&1 || { fail "$tool is not installed (.ci/install.sh installs it)"; finish; }
done

# --- 1. the library
if bash tests/arm64/build.sh >"$OUT/cargo-lib.log" 2>&1 && [ -f "$LIB_DIR/libclustron_dkv.so" ]; then
  pass "cargo build --release --target $TRIPLE (rustc $(/usr/bin/rustc --version | cut -d' ' -f2), $(stat -c %s "$LIB_DIR/libclustron_dkv.so") bytes)"
else
  tail -30 "$OUT/cargo-lib.log"; fail "cross-build libclustron_dkv.so for $TRIPLE"; finish
fi

# --- 2. what it is: AArch64, and the same exports as the header declares
if readelf -h "$LIB_DIR/libclustron_dkv.so" 2>/dev/null | grep -Eq 'Machine: +AArch64'; then
  pass "libclustron_dkv.so is an AArch64 ELF"
else
  readelf -h "$LIB_DIR/libclustron_dkv.so"; fail "libclustron_dkv.so is not an AArch64 ELF"
fi
exports() { # the dkv_ functions a shared object exports, sorted
  readelf --dyn-syms --wide "$1" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $7 != "UND" && $8 ~ /^dkv_/ { print $8 }' | sort
}
declared=$(grep -oE '\bdkv_[a-z0-9_]+\(' include/clustron_dkv.h | tr -d '(' | sort -u)
built=$(exports "$LIB_DIR/libclustron_dkv.so")
if [ -n "$built" ] && [ "$built" = "$declared" ]; then
  pass "exports exactly the header's $(wc -l <<<"$built") dkv_ functions"
else
  diff <(echo "$declared") <(echo "$built"); fail "exports differ from include/clustron_dkv.h (< header, > library)"
fi

# --- 3. the C harness, built for AArch64 and run under qemu
if ! "${CARGO:-cargo}" build -p dkv-refmanager >"$OUT/cargo-refmanager.log" 2>&1; then
  tail -20 "$OUT/cargo-refmanager.log"; fail "cargo build -p dkv-refmanager"; finish
fi
# Every .c file of tests/c is part of the harness (tests/windows/run.sh builds it the same way), so a new case file
# is built everywhere at once.
HARNESS_SRC=("$SRC"/*.c)
if aarch64-linux-gnu-gcc -std=c99 -Wall -Wextra -Werror -pedantic -O1 -I include -o "$OUT/harness" \
  "${HARNESS_SRC[@]}" -L "$LIB_DIR" -lclustron_dkv >"$OUT/cc.log" 2>&1; then
  pass "C harness built with aarch64-linux-gnu-gcc (C99, -Wall -Wextra -Werror -pedantic)"
else
  cat "$OUT/cc.log"; fail "build the C harness for AArch64"; finish
fi

# shellcheck source=../support/refmanager.sh
source "$ROOT/tests/support/refmanager.sh"
trap stop_refmanager EXIT
start_refmanager "$REFMANAGER" "$HOSTS" "$OUT/refmanager.log" "$OUT/refmanager.port"
PORT=$REF_PORT
if [ -z "$PORT" ]; then
  cat "$OUT/refmanager.log"; fail "start the reference manager"; finish
fi
echo "reference manager on $HOSTS port $PORT"

# The arm64 loader and libraries (libc, libssl, libgcc_s) are Debian's arm64 packages (multiarch, installed by
# .ci/install.sh), found by qemu under / as on an ARM64 machine. Not `-L /usr/aarch64-linux-gnu`: that loader is the
# cross toolchain's libc (another build of 2.36), and with the multiarch libc.so.6 it loads the first
# pthread_create spins forever (measured: qemu 7.2 and 10.0 alike; a static or a -L / build runs).
LD_LIBRARY_PATH="$LIB_DIR" timeout 300 qemu-aarch64 "$OUT/harness" --port "$PORT" --hosts "$HOSTS" \
  >"$OUT/harness.log" 2>&1
harness_rc=$?
cat "$OUT/harness.log"
line=$(grep -E '^c-harness: [0-9]+ passed, [0-9]+ failed$' "$OUT/harness.log" | tail -1)
hp=$(awk '{ print $2 }' <<<"$line")
hf=$(awk '{ print $4 }' <<<"$line")
hp=${hp:-0}
hf=${hf:-0}
if [ "$harness_rc" -ne 0 ] && [ "$hf" -eq 0 ]; then hf=1; echo "harness under qemu-aarch64 exited with $harness_rc"; fi
if [ "$hp" -eq 0 ] && [ "$hf" -eq 0 ]; then hf=1; echo "the harness under qemu-aarch64 ran no case"; fi
passed=$((passed + hp))
failed=$((failed + hf))
finish
