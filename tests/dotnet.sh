#!/usr/bin/env bash
# Builds the console host (powershell/host/DkvShell) and runs the hosted-engine xUnit suite
# (tests/Clustron.Dkv.Tests) against dist/Clustron.Dkv and the reference manager. Builds the native library, the
# reference manager and dist/ only when they are missing (tests/run-all.sh builds them first).
# Ends with "dotnet: N passed, N failed" (from the trx results); exits non-zero on any failure.
#
#   tests/dotnet.sh [--rebuild] [extra dotnet test args, e.g. --filter FullyQualifiedName~ParseTests]
#     --rebuild   rebuild the native library, the reference manager and dist/ even when present
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export CLUSTRON_REPO="$ROOT"

rebuild=0
if [[ "${1:-}" == "--rebuild" ]]; then rebuild=1; shift; fi

summary() { # passed failed
  echo "dotnet: $1 passed, $2 failed"
}

prepare() { # description, command...: a failed preparation is one failure
  local what=$1; shift
  echo "--- $what"
  if ! "$@"; then
    echo "tests/dotnet.sh: $what failed" >&2
    summary 0 1
    exit 1
  fi
}

if [[ $rebuild -eq 1 || ! -f target/release/libclustron_dkv.so ]]; then
  prepare "cargo build --release" cargo build --release
fi
if [[ $rebuild -eq 1 || ! -x target/debug/examples/dkv-refmanager ]]; then
  prepare "cargo build --example dkv-refmanager" cargo build --example dkv-refmanager
fi
if [[ $rebuild -eq 1 || ! -f dist/Clustron.Dkv/Clustron.Dkv.psd1 ]]; then
  prepare "powershell/assemble.sh" bash powershell/assemble.sh
fi
prepare "dotnet build DkvShell" dotnet build powershell/host/DkvShell -c Release -nologo -v quiet

results="$ROOT/target/test-logs/dotnet"
rm -rf "$results"
mkdir -p "$results"
# --blame-hang-timeout: a hung test (a pipeline that never stops) ends the run with a dump instead of blocking CI.
dotnet test tests/Clustron.Dkv.Tests -c Release -nologo \
  --results-directory "$results" \
  --logger "trx;LogFileName=dotnet.trx" \
  --logger "console;verbosity=normal" \
  --blame-hang-timeout 300s \
  "$@"
rc=$?

trx="$results/dotnet.trx"
if [[ ! -f "$trx" ]]; then
  echo "tests/dotnet.sh: no results file ($trx): the build or the test host failed (exit $rc)" >&2
  summary 0 1
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
passed=${passed:-0}
failed=${failed:-0}
# A crash or abort can leave failed="0" with a non-zero exit: still a failure.
if [[ $rc -ne 0 && $failed -eq 0 ]]; then failed=1; fi
summary "$passed" "$failed"
[[ $failed -eq 0 && $rc -eq 0 ]]
