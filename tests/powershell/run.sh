#!/usr/bin/env bash
# The module's Pester suite in real pwsh (the PowerShell .NET tool pinned in .config/dotnet-tools.json), against
# dist/Clustron.Dkv and the reference manager. Restores pwsh and Pester (tests/powershell/tools/Tools.csproj) from
# the user's NuGet sources, and brings the native library, the reference manager and dist/ up to date.
# Last line: "pester: N passed, N failed, N skipped"; exit non-zero on any failure.
#
#   tests/powershell/run.sh [Invoke-DkvPester.ps1 arguments, e.g. -Path tests/powershell/Stop-DkvStore.Tests.ps1]
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DKV_TEST_REPO="$ROOT"
LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"

if [[ "${1:-}" == "--rebuild" ]]; then shift; fi # accepted for old habits: everything is brought up to date anyway

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
# Always brought up to date (no-ops when nothing changed), so a run never tests a stale library, manager or dist/.
prepare "cargo build --release (library)" cargo build --release --lib
prepare "cargo build --release (reference manager)" cargo build --release -p dkv-refmanager
prepare "powershell/assemble.sh" bash powershell/assemble.sh
export DKV_TEST_REFMANAGER="$ROOT/target/release/dkv-refmanager"
# A throw-away CA for Https.Tests.ps1, trusted the way OpenSSL is told on Linux (the library honours SSL_CERT_FILE).
prepare "test PKI (tests/support/make-test-pki.sh)" bash tests/support/make-test-pki.sh "$ROOT/target/test-pki"
export DKV_TEST_PKI="$ROOT/target/test-pki" SSL_CERT_FILE="$ROOT/target/test-pki/trusted-ca.pem"
exec dotnet pwsh -NoProfile -NonInteractive -File tests/powershell/Invoke-DkvPester.ps1 \
  -ResultFile "$LOGS/pester.xml" "$@"
