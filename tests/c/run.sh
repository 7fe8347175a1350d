#!/usr/bin/env bash
# The C ABI checks: the header as C++ (and its spec layout), static analysis of the harness when the tools exist,
# the harness against the reference manager, then the harness and a connect/stop/free loop under valgrind.
# Last line: "c: N passed, N failed"; exit status non-zero on any failure.
# Env: CARGO (default cargo), DKV_C_CYCLES (default 1000), DKV_C_SKIP_BUILD=1 to use the built artifacts as they are.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUT="$ROOT/tests/c/build"
SRC="$ROOT/tests/c"
CYCLES=${DKV_C_CYCLES:-1000}
HOSTS=127.0.0.11,127.0.0.12,127.0.0.13
LIB_DIR="$ROOT/target/release"
REFMANAGER="$ROOT/target/debug/dkv-refmanager"
mkdir -p "$OUT"

TALLY_LABEL=c
# shellcheck source=../support/tally.sh
source "$ROOT/tests/support/tally.sh"

# --- build what is needed
if [ "${DKV_C_SKIP_BUILD:-0}" != 1 ] || [ ! -f "$LIB_DIR/libclustron_dkv.so" ] || [ ! -x "$REFMANAGER" ]; then
  if ! "${CARGO:-cargo}" build --release --lib >"$OUT/cargo-lib.log" 2>&1; then
    tail -20 "$OUT/cargo-lib.log"; fail "cargo build --release --lib"; finish
  fi
  if ! "${CARGO:-cargo}" build -p dkv-refmanager >"$OUT/cargo-refmanager.log" 2>&1; then
    tail -20 "$OUT/cargo-refmanager.log"; fail "cargo build -p dkv-refmanager"; finish
  fi
fi

# --- the header as C++11, with the spec's names, values, signatures and layouts
if g++ -std=c++11 -Wall -Wextra -Werror -pedantic -fsyntax-only -I include "$SRC/header_check.cpp" \
  >"$OUT/header-cpp.log" 2>&1; then
  pass "header compiles as C++11 (g++ -Wall -Wextra -Werror -pedantic) with the spec layout"
else
  cat "$OUT/header-cpp.log"; fail "header as C++11"
fi

CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -g -O1 -I include)
# Every .c file of tests/c is part of the harness (tests/windows/run.sh builds it the same way), so a new case file
# is built everywhere at once.
HARNESS_SRC=("$SRC"/*.c)

# --- static analysis (optional tools: counted only where installed)
if command -v clang-tidy >/dev/null 2>&1; then
  if clang-tidy --quiet --warnings-as-errors='*' "${HARNESS_SRC[@]}" -- -std=c99 -I include >"$OUT/clang-tidy.log" 2>&1
  then pass "clang-tidy on the harness"; else grep -E 'warning:|error:' "$OUT/clang-tidy.log"; fail "clang-tidy"; fi
else
  echo "skip clang-tidy (not installed)"
fi
if command -v cppcheck >/dev/null 2>&1; then
  if cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance --std=c99 -I include \
    --suppress=missingIncludeSystem "${HARNESS_SRC[@]}" >"$OUT/cppcheck.log" 2>&1
  then pass "cppcheck on the harness"; else cat "$OUT/cppcheck.log"; fail "cppcheck"; fi
else
  echo "skip cppcheck (not installed)"
fi

# --- the harness (and a copy that leaks on purpose, to prove the leak check can fail)
LINK=(-L "$LIB_DIR" -lclustron_dkv)
if ! cc "${CFLAGS[@]}" -o "$OUT/harness" "${HARNESS_SRC[@]}" "${LINK[@]}" >"$OUT/cc.log" 2>&1 ||
   ! cc "${CFLAGS[@]}" -DDKV_HARNESS_LEAK_PROBE -o "$OUT/harness-leak-probe" "${HARNESS_SRC[@]}" "${LINK[@]}" \
     >>"$OUT/cc.log" 2>&1; then
  cat "$OUT/cc.log"; fail "compile the harness (C99, -Wall -Wextra -Werror -pedantic)"; finish
fi
export LD_LIBRARY_PATH="$LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# --- the reference manager, on an ephemeral port; stopped however this script ends
# shellcheck source=../support/refmanager.sh
source "$ROOT/tests/support/refmanager.sh"
trap stop_refmanager EXIT
start_refmanager "$REFMANAGER" "$HOSTS" "$OUT/refmanager.log" "$OUT/refmanager.port"
PORT=$REF_PORT
if [ -z "$PORT" ]; then
  cat "$OUT/refmanager.log"; fail "start the reference manager"; finish
fi
echo "reference manager on $HOSTS port $PORT"
HARNESS_ARGS=(--port "$PORT" --hosts "$HOSTS")

# --- the harness: each case is one pass or fail
timeout 300 "$OUT/harness" "${HARNESS_ARGS[@]}" >"$OUT/harness.log" 2>&1
harness_rc=$?
cat "$OUT/harness.log"
line=$(grep -E '^c-harness: [0-9]+ passed, [0-9]+ failed$' "$OUT/harness.log" | tail -1)
hp=$(awk '{ print $2 }' <<<"$line")
hf=$(awk '{ print $4 }' <<<"$line")
hp=${hp:-0}
hf=${hf:-0}
if [ "$harness_rc" -ne 0 ] && [ "$hf" -eq 0 ]; then hf=1; echo "harness exited with $harness_rc"; fi
passed=$((passed + hp))
failed=$((failed + hf))

# --- valgrind: 0 bytes definitely/indirectly lost, no invalid access, and the run itself passed
VALGRIND=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=97 --num-callers=40)
lost_bytes() { # kind log: bytes of "<kind> lost" in the leak summary (0 when valgrind found no leaks at all)
  local n
  n=$(grep -E "==[0-9]+== +$1 lost:" "$2" | tail -1 | awk '{ gsub(",", "", $4); print $4 }')
  echo "${n:-0}"
}
valgrind_check() { # label expect(clean|leak) harness-binary harness-args...
  local label=$1 expect=$2 bin=$3 log="$OUT/valgrind-$1.log" rc def ind errs
  shift 3
  timeout 600 "${VALGRIND[@]}" --log-file="$log" "$bin" "$@" >"$OUT/valgrind-$label.out" 2>&1
  rc=$?
  def=$(lost_bytes definitely "$log")
  ind=$(lost_bytes indirectly "$log")
  errs=$(grep -E 'ERROR SUMMARY:' "$log" | tail -1 | awk '{ print $4 }')
  echo "valgrind $label: definitely lost $def bytes, indirectly lost $ind bytes, ${errs:-?} errors (exit $rc)"
  tail -1 "$OUT/valgrind-$label.out"
  if [ "$expect" = clean ]; then
    if [ "$rc" -eq 0 ] && [ "$def" = 0 ] && [ "$ind" = 0 ] && [ "${errs:-x}" = 0 ]; then
      pass "valgrind $label"
    else
      grep -E -A25 'definitely lost in|indirectly lost in|Invalid (read|write|free)|uninitialised' "$log" | head -80
      fail "valgrind $label (see $log)"
    fi
  elif [ "$rc" -eq 97 ] && [ "$def" != 0 ]; then
    pass "valgrind $label: a planted leak is reported"
  else
    fail "valgrind $label: a planted leak went unnoticed (exit $rc, definitely lost $def)"
  fi
}
if command -v valgrind >/dev/null 2>&1; then
  valgrind_check harness clean "$OUT/harness" "${HARNESS_ARGS[@]}"
  valgrind_check "cycles-$CYCLES" clean "$OUT/harness" "${HARNESS_ARGS[@]}" --cycles "$CYCLES"
  valgrind_check leak-probe leak "$OUT/harness-leak-probe" "${HARNESS_ARGS[@]}" --cycles 3
else
  fail "valgrind is not installed (.ci/install.sh installs it)"
fi
finish
