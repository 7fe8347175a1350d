#!/usr/bin/env bash
# The module in pwsh on Linux ARM64, under qemu-aarch64 user mode:
#   1. publishes tests/arm64/pwsh/ArmPwsh.csproj (a self-contained linux-arm64 app on Microsoft.PowerShell.SDK
#      7.6.9, the .NET runtime pack for linux-arm64 from the user's NuGet sources) once, and again when it changes;
#   2. runs tests/arm64/Smoke.ps1 in it against the reference manager (the x64 build, on loopback) with
#      dist/Clustron.Dkv: the ARM64 process binds runtimes/linux-arm64 and stops and starts a node;
#   3. with DKV_ARM64_PESTER=1 also the Pester suite's Windows-tagged part, as the Wine pass runs it (slow: the JIT
#      runs emulated; not part of CI).
# Needs dist/ assembled with the linux-arm64 library (tests/arm64/build.sh, powershell/assemble.sh) and what
# .ci/install.sh installs (qemu-user, Debian's arm64 libc, libstdc++ and OpenSSL). Last line:
# "arm64-pwsh: N passed, N failed"; exit status non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUT="$ROOT/target/arm64/pwsh"
APP="$OUT/app"
PROJECT="$ROOT/tests/arm64/pwsh/ArmPwsh.csproj"
MODULE="$ROOT/dist/Clustron.Dkv"
HOSTS=127.0.0.11,127.0.0.12,127.0.0.13
REFMANAGER="$ROOT/target/release/dkv-refmanager"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 POWERSHELL_TELEMETRY_OPTOUT=1
# .NET writes JIT code through a second, writable mapping of the executable pages (W^X); qemu user mode does not see
# those writes as changes to code it has translated and runs stale code. Measured here: with W^X on, importing
# Pester failed every time (CustomAttributeFormatException "'Position' property specified was not found", or qemu's
# "uncaught target signal 11"); with it off, it imports and runs. The module itself ran either way.
export DOTNET_EnableWriteXorExecute=0
mkdir -p "$OUT"

TALLY_LABEL=arm64-pwsh
# shellcheck source=../support/tally.sh
source "$ROOT/tests/support/tally.sh"

command -v qemu-aarch64 >/dev/null 2>&1 || { fail "qemu-aarch64 is not installed (.ci/install.sh installs it)"; finish; }
[ -f "$MODULE/runtimes/linux-arm64/native/libclustron_dkv.so" ] ||
  { fail "$MODULE has no linux-arm64 library: tests/arm64/build.sh, then powershell/assemble.sh"; finish; }
if ! cargo build --release -p dkv-refmanager >"$OUT/cargo-refmanager.log" 2>&1; then
  tail -20 "$OUT/cargo-refmanager.log"; fail "cargo build --release -p dkv-refmanager"; finish
fi

# --- 1. pwsh for linux-arm64
stamp=$({ cat "$PROJECT" "$ROOT/tests/arm64/pwsh/Program.cs"; dotnet --version; } | sha256sum | cut -d' ' -f1)
if [ -f "$APP/pwsh" ] && [ "$(cat "$OUT/published.stamp" 2>/dev/null)" = "$stamp" ]; then
  pass "pwsh for linux-arm64 is up to date ($APP)"
else
  rm -rf "$APP" "$OUT/published.stamp"
  if dotnet publish "$PROJECT" -c Release --artifacts-path "$OUT/artifacts" -o "$APP" >"$OUT/publish.log" 2>&1; then
    # The built-in modules, where pwsh has them ($PSHOME/Modules; the SDK leaves them under runtimes/).
    mkdir -p "$APP/Modules"
    cp -r "$APP"/runtimes/unix/lib/net10.0/Modules/* "$APP/Modules/"
    echo "$stamp" >"$OUT/published.stamp"
    pass "dotnet publish ArmPwsh.csproj (self-contained linux-arm64, Microsoft.PowerShell.SDK 7.6.9)"
  else
    tail -30 "$OUT/publish.log"; fail "dotnet publish $PROJECT"; finish
  fi
fi

# --- the reference manager, on an ephemeral port; stopped however this script ends
# shellcheck source=../support/refmanager.sh
source "$ROOT/tests/support/refmanager.sh"
trap stop_refmanager EXIT
start_refmanager "$REFMANAGER" "$HOSTS" "$OUT/refmanager.log" "$OUT/refmanager.port"
PORT=$REF_PORT
[ -n "$PORT" ] || { cat "$OUT/refmanager.log"; fail "start the reference manager"; finish; }
MANAGERS=$(tr ',' '\n' <<<"$HOSTS" | sed "s/\$/:$PORT/" | paste -sd,)

# --- 2. the module in that pwsh, under qemu (Debian's arm64 loader and libraries, as tests/arm64/run.sh says)
timeout 600 qemu-aarch64 "$APP/pwsh" -NoProfile -NonInteractive -File "$ROOT/tests/arm64/Smoke.ps1" \
  -Module "$MODULE" -Managers "$MANAGERS" >"$OUT/smoke.log" 2>&1
smoke_rc=$?
cat "$OUT/smoke.log"
sp=$(grep -c '^ok ' "$OUT/smoke.log")
sf=$(grep -c '^FAIL ' "$OUT/smoke.log")
if [ "$smoke_rc" -ne 0 ] || [ "$sp" -eq 0 ]; then sf=$((sf + 1)); echo "Smoke.ps1 under qemu-aarch64 exited with $smoke_rc"; fi
passed=$((passed + sp))
failed=$((failed + sf))

# --- 3. optionally, the Windows-tagged Pester part (children: the same pwsh under qemu)
if [ "${DKV_ARM64_PESTER:-0}" = 1 ]; then
  stop_refmanager
  bash tests/support/make-test-pki.sh "$ROOT/target/test-pki" >"$OUT/pki.log" 2>&1 || { fail "test PKI"; finish; }
  DKV_TEST_REPO="$ROOT" DKV_TEST_REFMANAGER="$REFMANAGER" DKV_TEST_PKI="$ROOT/target/test-pki" \
    SSL_CERT_FILE="$ROOT/target/test-pki/trusted-ca.pem" DKV_TEST_PWSH="qemu-aarch64 $APP/pwsh" \
    timeout 7200 qemu-aarch64 "$APP/pwsh" -NoProfile -NonInteractive -File tests/powershell/Invoke-DkvPester.ps1 \
    -Tag Windows -ExcludeTag OwnManager,Terminal -ResultFile "$OUT/pester.xml" -Label arm64-pester >"$OUT/pester.log" 2>&1
  tail -30 "$OUT/pester.log"
  line=$(grep -E '^arm64-pester: [0-9]+ passed, [0-9]+ failed' "$OUT/pester.log" | tail -1)
  pp=$(awk '{ print $2 }' <<<"$line")
  pf=$(awk '{ print $4 }' <<<"$line")
  passed=$((passed + ${pp:-0}))
  failed=$((failed + ${pf:-1}))
fi
finish
