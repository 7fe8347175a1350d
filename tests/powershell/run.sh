#!/usr/bin/env bash
# The module's Pester suite in real pwsh (the PowerShell .NET tool pinned in .config/dotnet-tools.json), against
# dist/Clustron.Dkv and the reference manager. Restores pwsh and Pester (tests/powershell/tools/Tools.csproj) from
# the user's NuGet sources, and builds the native library, the reference manager and dist/ when missing.
# Last line: "pester: N passed, N failed, N skipped"; exit non-zero on any failure.
#
#   tests/powershell/run.sh [--rebuild] [Invoke-DkvPester.ps1 arguments, e.g. -Path tests/powershell/Stop-DkvStore.Tests.ps1]
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DKV_TEST_REPO="$ROOT"
LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"

rebuild=0
if [[ "${1:-}" == "--rebuild" ]]; then rebuild=1; shift; fi

prepare() { # description, command...: a failed preparation is one failure
  local what=$1; shift
  echo "--- $what"
  if ! "$@" >"$LOGS/pester-prepare.log" 2>&1; then
    tail -30 "$LOGS/pester-prepare.log"
    echo "tests/powershell/run.sh: $what failed" >&2
    echo "pester: 0 passed, 1 failed"
    exit 1
  fi
}

prepare "dotnet tool restore (pwsh)" dotnet tool restore
prepare "dotnet restore tests/powershell/tools/Tools.csproj (Pester)" dotnet restore tests/powershell/tools/Tools.csproj
if [[ $rebuild -eq 1 || ! -f target/release/libclustron_dkv.so ]]; then
  prepare "cargo build --release" cargo build --release
fi
if [[ $rebuild -eq 1 || ! -x target/debug/examples/dkv-refmanager ]]; then
  prepare "cargo build --example dkv-refmanager" cargo build --example dkv-refmanager
fi
if [[ $rebuild -eq 1 || ! -f dist/Clustron.Dkv/Clustron.Dkv.psd1 ]]; then
  prepare "powershell/assemble.sh" bash powershell/assemble.sh
fi
exec dotnet pwsh -NoProfile -NonInteractive -File tests/powershell/Invoke-DkvPester.ps1 \
  -ResultFile "$LOGS/pester.xml" "$@"
