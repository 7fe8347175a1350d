#!/usr/bin/env bash
# The Windows build of the native library, tested under Wine (docs/windows.md):
#   1. cross-builds clustron_dkv.dll with Debian's rustc 1.63 for x86_64-pc-windows-gnu, with TLS (SChannel);
#   2. builds the C harness (tests/c, its POSIX socket calls mapped to Winsock by tests/windows/compat/) and
#      https.c with mingw-w64 against include/clustron_dkv.h, linked to the DLL's import library;
#   3. runs them under wine64 against the Linux reference manager on loopback, over http and over https
#      (a test CA imported into the prefix's LocalMachine\ROOT store by trust-ca.sh).
# Last line: "windows: N passed, N failed" (build steps + checks); exit status non-zero on any failure.
# Env: CARGO (default cargo, for the reference manager), DKV_WIN_CYCLES (default 200: the harness's
# connect/stop/free loop, here to shake out heap misuse across the DLL boundary under the Windows allocator).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
TRIPLE=x86_64-pc-windows-gnu
# Its own target dir, so this build never waits on (or invalidates) the host builds in target/.
WIN_TARGET="$ROOT/target/windows"
DLL_DIR="$WIN_TARGET/$TRIPLE/release"
OUT="$WIN_TARGET/tests"
export WINEPREFIX="$ROOT/target/wineprefix"
export WINEDEBUG=-all
WINE=/usr/lib/wine/wine64 # the plain `wine` launcher fails here (no 32-bit wine)
WINESERVER=/usr/lib/wine/wineserver
CC=x86_64-w64-mingw32-gcc
CYCLES=${DKV_WIN_CYCLES:-200}
HOSTS=127.0.0.11,127.0.0.12,127.0.0.13
REFMANAGER="$ROOT/target/debug/dkv-refmanager"
mkdir -p "$OUT"

TALLY_LABEL=windows
# shellcheck source=../support/tally.sh
source "$ROOT/tests/support/tally.sh"
# Wine's output goes to files: a lingering wineserver would otherwise hold a caller's pipe open after we exit.
# Windows programs end lines with CRLF; the log keeps plain LF so it reads (and greps) like the Linux harness's.
# A program that lost its wineserver ("wine client error") never got to test anything: it runs once more, saying so.
wine_run() { # seconds log program args...
  local seconds=$1 log=$2 rc attempt
  shift 2
  for attempt in 1 2; do
    (cd "$OUT" && timeout "$seconds" "$WINE" "$@" >"$log" 2>&1)
    rc=$?
    sed -i 's/\r$//' "$log"
    if [ "$rc" -eq 0 ] || ! grep -q '^wine client error' "$log" || [ "$attempt" -eq 2 ]; then break; fi
    echo "note: $1 lost its wineserver ($(grep -m1 '^wine client error' "$log")); running it once more"
    cp "$log" "$log.lost-wineserver"
  done
  return "$rc"
}

# --- 1. the DLL (build-dll.sh: the same build pwsh.sh makes, into $WIN_TARGET).
if bash tests/windows/build-dll.sh >"$OUT/cargo-dll.log" 2>&1 && [ -f "$DLL_DIR/clustron_dkv.dll" ]; then
  pass "cargo build --release --target $TRIPLE, TLS through SChannel (rustc $(/usr/bin/rustc --version | cut -d' ' -f2), $(stat -c %s "$DLL_DIR/clustron_dkv.dll") bytes)"
else
  tail -30 "$OUT/cargo-dll.log"; fail "cross-build clustron_dkv.dll"; finish
fi

# A Windows admin gets the DLL alone: it may import only DLLs that ship with Windows, not mingw's runtime.
imports=$(x86_64-w64-mingw32-objdump -p "$DLL_DIR/clustron_dkv.dll" | awk '/DLL Name:/ { print $3 }')
if [ -n "$imports" ] && ! grep -qiE '^lib|mingw|gcc|pthread' <<<"$imports"; then
  pass "clustron_dkv.dll imports only system DLLs: $(tr '\n' ' ' <<<"$imports")"
else
  fail "clustron_dkv.dll imports a non-system DLL: $(tr '\n' ' ' <<<"$imports")"
fi

# Exactly the header's functions are exported (a Windows linker drops what is not marked for export).
declared=$(grep -vE '^\s*(//|/\*|\*)' "$ROOT/include/clustron_dkv.h" | grep -oE '\bdkv_[a-z0-9_]+\(' | tr -d '(' | sort -u)
exported=$(x86_64-w64-mingw32-objdump -p "$DLL_DIR/clustron_dkv.dll" | sed -n '/Ordinal\/Name Pointer/,/^$/p' |
  grep -oE '^\s*\[ *[0-9]+\] [A-Za-z0-9_]+' | awk '{ print $NF }' | sort -u)
if [ -n "$declared" ] && [ "$declared" = "$exported" ]; then
  pass "clustron_dkv.dll exports exactly the $(wc -l <<<"$declared") functions of include/clustron_dkv.h"
else
  fail "exports differ from include/clustron_dkv.h (< header only, > DLL only): $(diff <(echo "$declared") \
    <(echo "$exported") | grep -E '^[<>]' | tr '\n' ' ')"
fi

# --- 2. the programs, statically linked to the C runtime so only clustron_dkv.dll has to sit next to them
CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -O1 -I "$ROOT/include")
LINK=(-static "$DLL_DIR/libclustron_dkv.dll.a" -lws2_32)
HARNESS_SRC=()
for f in "$ROOT"/tests/c/*.c; do
  [ "$(basename "$f")" = control.c ] || HARNESS_SRC+=("$f")
done
rm -f "$OUT"/*.o "$OUT"/*.exe
if "$CC" "${CFLAGS[@]}" -I "$ROOT/tests/windows/compat" -c "$ROOT/tests/c/control.c" -o "$OUT/control.o" \
  >"$OUT/cc.log" 2>&1 &&
  "$CC" "${CFLAGS[@]}" -c "$ROOT/tests/windows/compat/posix_sockets.c" -o "$OUT/posix_sockets.o" >>"$OUT/cc.log" 2>&1 &&
  "$CC" "${CFLAGS[@]}" -o "$OUT/harness.exe" "${HARNESS_SRC[@]}" "$OUT/control.o" "$OUT/posix_sockets.o" "${LINK[@]}" \
    >>"$OUT/cc.log" 2>&1 &&
  "$CC" "${CFLAGS[@]}" -o "$OUT/https.exe" "$ROOT/tests/windows/https.c" "${LINK[@]}" >>"$OUT/cc.log" 2>&1; then
  pass "mingw-w64 builds harness.exe (${#HARNESS_SRC[@]} files of tests/c + Winsock shim) and https.exe, -Werror"
else
  cat "$OUT/cc.log"; fail "compile the harness for Windows"; finish
fi
cp "$DLL_DIR/clustron_dkv.dll" "$OUT/"

# --- 3. Wine: a prefix of our own under target/, created once (10-30 s the first time)
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  # No Mono/Gecko: nothing here needs them, and installing them would want the network.
  WINEDLLOVERRIDES="mscoree,mshtml=" wine_run 180 "$OUT/wineboot.log" wineboot -i
  # The registry (system.reg) reaches the disk when the wineserver exits: wait, so the prefix is whole.
  timeout 60 "$WINESERVER" -w
fi
# The harness prints its usage and exits 2 on --help: proof that Wine loads it and clustron_dkv.dll.
wine_run 60 "$OUT/wine-check.log" harness.exe --help
if [ -f "$WINEPREFIX/system.reg" ] && grep -q '^usage: harness' "$OUT/wine-check.log"; then
  pass "wine64 loads harness.exe and clustron_dkv.dll (prefix target/wineprefix)"
else
  cat "$OUT/wineboot.log" "$OUT/wine-check.log" 2>/dev/null | tail -20; fail "run a program under wine64"; finish
fi

# --- the Linux reference manager, on an ephemeral port; stopped however this script ends
if [ ! -x "$REFMANAGER" ] || [ "${DKV_WIN_SKIP_REFMANAGER_BUILD:-0}" != 1 ]; then
  if ! "${CARGO:-cargo}" build -p dkv-refmanager >"$OUT/cargo-refmanager.log" 2>&1; then
    tail -20 "$OUT/cargo-refmanager.log"; fail "cargo build -p dkv-refmanager"; finish
  fi
fi
# shellcheck source=../support/refmanager.sh
source "$ROOT/tests/support/refmanager.sh"
trap stop_refmanager EXIT
start_refmanager "$REFMANAGER" "$HOSTS" "$OUT/refmanager.log" "$OUT/refmanager.port"
PORT=$REF_PORT
if [ -n "$PORT" ]; then
  pass "reference manager (Linux) on $HOSTS port $PORT"
else
  cat "$OUT/refmanager.log"; fail "start the reference manager"; finish
fi
HARNESS_ARGS=(--port "$PORT" --hosts "$HOSTS")

# --- the harness under Wine: each case is one pass or fail.
wine_run 300 "$OUT/harness.log" harness.exe "${HARNESS_ARGS[@]}"
harness_rc=$?
cases=0
while read -r verdict name rest; do
  cases=$((cases + 1))
  if [ "$verdict" = ok ]; then
    pass "harness $name $rest"
  else
    grep -A1 "FAIL \[$name\]" "$OUT/harness.log"
    fail "harness $name $rest"
  fi
done < <(grep -E '^(ok|FAIL) ' "$OUT/harness.log")
summary=$(grep -E '^c-harness: [0-9]+ passed, [0-9]+ failed$' "$OUT/harness.log" | tail -1)
if [ "$cases" -eq 0 ] || [ -z "$summary" ]; then
  tail -20 "$OUT/harness.log"; fail "harness.exe ran no cases or died (exit $harness_rc)"
elif [ "$harness_rc" -ne 0 ] && ! grep -q "^FAIL " "$OUT/harness.log"; then
  fail "harness.exe exited with $harness_rc although every case passed"
fi

# --- the harness's allocation loop: every allocating export and its free, over and over
if wine_run 600 "$OUT/cycles.log" harness.exe "${HARNESS_ARGS[@]}" --cycles "$CYCLES" &&
  grep -q "^cycles: $CYCLES of $CYCLES ok$" "$OUT/cycles.log"; then
  pass "harness --cycles $CYCLES (connect/stop/free loop)"
else
  tail -20 "$OUT/cycles.log"; fail "harness --cycles $CYCLES"
fi

# --- https: a test PKI (tests/support/make-test-pki.sh), its CA trusted by this prefix (trust-ca.sh), and two
# https reference managers: one with a certificate from that CA for 127.0.0.11, 127.0.0.1 and localhost (and on
# 127.0.0.14, which it does not name), one with the same names from a CA nobody trusts.
PKI="$OUT/pki"
rm -rf "$PKI"
start_https() { # hosts cert ready-file
  "$REFMANAGER" --hosts "$1" --port 0 --layout demo --tls-cert "$PKI/$2.pem" --tls-key "$PKI/$2.key" \
    --ready-file "$3" --quiet >"$OUT/refmanager-$2.log" 2>&1 &
  REF_ALSO_STOP+=($!)
  for _ in $(seq 1 200); do
    [ -s "$3" ] && break
    sleep 0.05
  done
}
if bash "$ROOT/tests/support/make-test-pki.sh" "$PKI" >"$OUT/pki.log" 2>&1 &&
  bash "$ROOT/tests/windows/trust-ca.sh" add "$PKI/trusted-ca.pem" >"$OUT/trust-ca.log" 2>&1; then
  pass "test CA made and imported into the prefix's LocalMachine\\ROOT store ($(tail -1 "$OUT/trust-ca.log"))"
else
  cat "$OUT/pki.log" "$OUT/trust-ca.log" 2>/dev/null | tail -20; fail "make and trust the test CA"; finish
fi
rm -f "$OUT/https-trusted.port" "$OUT/https-rogue.port"
# Not in $(...): a subshell's REF_ALSO_STOP would be lost, and the managers never stopped.
start_https 127.0.0.11,127.0.0.1,127.0.0.14 server "$OUT/https-trusted.port"
start_https 127.0.0.11,127.0.0.1 rogue "$OUT/https-rogue.port"
TRUSTED_PORT=$(cat "$OUT/https-trusted.port" 2>/dev/null)
ROGUE_PORT=$(cat "$OUT/https-rogue.port" 2>/dev/null)
if [ -n "$TRUSTED_PORT" ] && [ -n "$ROGUE_PORT" ]; then
  pass "https reference managers: trusted CA on port $TRUSTED_PORT, untrusted CA on port $ROGUE_PORT"
else
  cat "$OUT"/refmanager-server.log "$OUT"/refmanager-rogue.log 2>/dev/null; fail "start the https reference managers"
  finish
fi
wine_run 300 "$OUT/https.log" https.exe --trusted "$TRUSTED_PORT" --rogue "$ROGUE_PORT"
https_rc=$?
while read -r verdict rest; do
  if [ "$verdict" = ok ]; then pass "https $rest"; else fail "https $rest"; fi
done < <(grep -E '^(ok|FAIL) ' "$OUT/https.log")
if [ "$https_rc" -ne 0 ] && ! grep -q '^FAIL ' "$OUT/https.log"; then
  tail -20 "$OUT/https.log"; fail "https.exe exited with $https_rc"
fi
finish
