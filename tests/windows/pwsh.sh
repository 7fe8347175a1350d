#!/usr/bin/env bash
# The module's Pester suite in pwsh on Windows .NET, under Wine, with the win-x64 DLL (docs/windows.md):
#   1. brings clustron_dkv.dll up to date (tests/windows/build-dll.sh) and puts it into dist/Clustron.Dkv
#      (powershell/assemble.sh) when it is newer, builds the reference manager, restores Pester 5.7.1 when missing;
#   2. publishes pwsh.exe: tests/windows/pwsh/WinPwsh.csproj, a self-contained win-x64 app on
#      Microsoft.PowerShell.SDK 7.6.9, into target/windows/pwsh/app (skipped while its inputs are unchanged), lays
#      out the built-in modules in $PSHOME/Modules as pwsh ships them (CimCmdlets left out) and makes sure none of
#      the binaries under Microsoft's own license terms is there;
#   3. runs tests/powershell/Invoke-DkvPester.ps1 -Tag Windows -ExcludeTag OwnManager,Terminal in that pwsh under
#      wine64 (own prefix target/wineprefix-pwsh, stdin on a pty), against the Linux reference manager on loopback,
#      over tests/powershell and this pass's own checks, tests/windows/pwsh/WindowsHost.Tests.ps1.
# Last line: "windows-pwsh: N passed, N failed" (Pester's counts; a failed preparation is one failure); exit status
# non-zero on any failure.
# Env: DKV_WIN_PWSH_PATH (test files or folders, space-separated; default tests/powershell and
# tests/windows/pwsh/WindowsHost.Tests.ps1), DKV_WIN_PWSH_TAG and
# DKV_WIN_PWSH_EXCLUDE_TAG (Pester's -Tag and -ExcludeTag, comma-separated; default Windows and OwnManager,Terminal),
# DKV_WIN_PWSH_TIMEOUT (seconds for the Pester run, default 480), CARGO (default cargo), NUGET_PACKAGES.
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
LABEL=windows-pwsh
OUT="$ROOT/target/windows/pwsh"
APP="$OUT/app"
LOGS="$OUT/logs"
PROJECT="$ROOT/tests/windows/pwsh/WinPwsh.csproj"
DLL="$ROOT/dist/Clustron.Dkv/runtimes/win-x64/native/clustron_dkv.dll"
BUILT_DLL="$ROOT/target/windows/x86_64-pc-windows-gnu/release/clustron_dkv.dll"
REFMANAGER="$ROOT/target/release/dkv-refmanager"
HOSTS=127.0.0.11,127.0.0.12,127.0.0.13
PACKAGES="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
PESTER="$PACKAGES/pester/5.7.1/tools/Pester.psd1"
TIMEOUT=${DKV_WIN_PWSH_TIMEOUT:-480}
export WINEPREFIX="$ROOT/target/wineprefix-pwsh"
export WINEDEBUG=-all
WINE=/usr/lib/wine/wine64 # the plain `wine` launcher fails here (no 32-bit wine)
WINESERVER=/usr/lib/wine/wineserver
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$LOGS"
# One run at a time: runs share the published app, the prefix and the logs. Children get the lock's fd 9 closed
# (9>&-), so that a lingering wineserver or build server does not hold the lock after this script ends.
exec 9>"$OUT/run.lock"
if ! flock -n 9; then
  echo "note: another tests/windows/pwsh.sh is running; waiting for it"
  flock 9
fi

SECONDS=0
step() { echo "--- [${SECONDS}s] $*"; }
give_up() { # message [log]: a preparation that failed is one failure, and nothing else runs
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -30 "$2"
  echo "FAIL $1"
  echo "$LABEL: 0 passed, 1 failed"
  exit 1
}
psquote() { # a PowerShell single-quoted string
  local text=${1//\'/\'\'}
  printf "'%s'" "$text"
}
winpath() { # /a/b -> Z:\a\b (Wine maps / to Z:)
  local path=$1
  printf 'Z:%s' "${path//\//\\}"
}

# --- 1. what the tests need from the Linux side
# Always brought up to date (a no-op when nothing changed): a DLL older than src/ against today's module is a
# crash in the middle of the suite (an export whose arguments changed), not a test result.
step "bash tests/windows/build-dll.sh (clustron_dkv.dll)"
bash tests/windows/build-dll.sh >"$LOGS/cargo-dll.log" 2>&1 9>&- || give_up "tests/windows/build-dll.sh" "$LOGS/cargo-dll.log"
[ -f "$BUILT_DLL" ] || give_up "no $BUILT_DLL after tests/windows/build-dll.sh" "$LOGS/cargo-dll.log"
if [ ! -f "$DLL" ] || [ "$BUILT_DLL" -nt "$DLL" ]; then
  step "bash powershell/assemble.sh (puts the DLL into dist/Clustron.Dkv)"
  bash powershell/assemble.sh >"$LOGS/assemble.log" 2>&1 9>&- || give_up "powershell/assemble.sh" "$LOGS/assemble.log"
fi
[ -f "$DLL" ] || give_up "no $DLL: build it with 'bash tests/windows/run.sh', then 'bash powershell/assemble.sh'"
# Always brought up to date (a no-op when nothing changed), so the run never talks to a stale manager.
step "${CARGO:-cargo} build --release -p dkv-refmanager"
"${CARGO:-cargo}" build --release -p dkv-refmanager >"$LOGS/cargo-refmanager.log" 2>&1 9>&- ||
  give_up "cargo build --release -p dkv-refmanager" "$LOGS/cargo-refmanager.log"
if [ ! -f "$PESTER" ]; then
  step "dotnet restore tests/powershell/tools/Tools.csproj (Pester)"
  dotnet restore tests/powershell/tools/Tools.csproj >"$LOGS/restore-tools.log" 2>&1 9>&- ||
    give_up "dotnet restore tests/powershell/tools/Tools.csproj" "$LOGS/restore-tools.log"
  [ -f "$PESTER" ] || give_up "no $PESTER after the restore"
fi

# --- 2. pwsh.exe for Windows, published once and again only when its inputs change
stamp=$({ cat "$PROJECT" "$ROOT/tests/windows/pwsh/Program.cs" "$ROOT/tests/windows/pwsh/powershell.config.json"; dotnet --version; } | sha256sum | cut -d' ' -f1)
if [ -f "$APP/pwsh.exe" ] && [ "$(cat "$OUT/published.stamp" 2>/dev/null)" = "$stamp" ]; then
  step "pwsh.exe is up to date ($APP)"
else
  step "dotnet publish tests/windows/pwsh/WinPwsh.csproj (self-contained win-x64, Microsoft.PowerShell.SDK 7.6.9)"
  rm -rf "$APP" "$OUT/published.stamp"
  dotnet publish "$PROJECT" -c Release --artifacts-path "$OUT/artifacts" -o "$APP" >"$LOGS/publish.log" 2>&1 9>&- ||
    give_up "dotnet publish $PROJECT" "$LOGS/publish.log"
  echo "$stamp" >"$OUT/published.stamp"
fi
# The built-in modules, where pwsh has them ($PSHOME/Modules; the SDK leaves them under runtimes/), laid out anew on
# each run. Not CimCmdlets: CIM cannot work under Wine, and with it loaded Pester's report step hangs.
rm -rf "$APP/Modules"
mkdir -p "$APP/Modules"
for module in "$APP"/runtimes/win/lib/net10.0/Modules/*; do
  [ "$(basename "$module")" = CimCmdlets ] || cp -r "$module" "$APP/Modules/"
done
# Binaries under Microsoft's own license terms (the Windows MI natives, SqlClient's sni.dll): WinPwsh.csproj keeps
# them out of the build; should one still turn up, it goes. The managed Microsoft.Management.Infrastructure.dll
# in the app is the MIT-licensed Unix build.
for binary in microsoft.management.infrastructure.native.dll microsoft.management.infrastructure.native.unmanaged.dll \
  mi.dll miutils.dll sni.dll; do
  find "$APP" -iname "$binary" -print -delete | sed 's/^/removed (not MIT): /'
done
MMI_UNIX="$PACKAGES/microsoft.management.infrastructure.runtime.unix/3.0.0/runtimes/unix/lib/netstandard1.6/Microsoft.Management.Infrastructure.dll"
cmp -s "$APP/Microsoft.Management.Infrastructure.dll" "$MMI_UNIX" ||
  give_up "$APP/Microsoft.Management.Infrastructure.dll is not the MIT-licensed Unix build ($MMI_UNIX)"
[ -d "$APP/Modules/Microsoft.PowerShell.Utility" ] && [ ! -e "$APP/Modules/CimCmdlets" ] ||
  give_up "module layout in $APP/Modules"

# --- 3. Wine: a prefix of our own under target/, created once (about 20 s)
wine_pty() { # seconds log program args...: a Windows program under wine64, its stdin on a pty, stdout+stderr to log
  # Wine gives a program a console only when one of fds 0-2 is a terminal; without one pwsh prints nothing and
  # exits 0. `script` holds the pty; the program's output goes to a file (no terminal escapes, no lingering pipe).
  # A program that lost its wineserver ("wine client error") never got to test anything: it runs once more.
  local seconds=$1 log=$2 rc attempt command
  shift 2
  command=$(printf '%q ' timeout "$seconds" "$WINE" "$@")
  for attempt in 1 2; do
    script -qec "$command >$(printf '%q' "$log") 2>&1" /dev/null </dev/null >/dev/null 2>&1 9>&-
    rc=$?
    sed -i 's/\r$//' "$log"
    if [ "$rc" -eq 0 ] || ! grep -q '^wine client error' "$log" || [ "$attempt" -eq 2 ]; then break; fi
    echo "note: $1 lost its wineserver ($(grep -m1 '^wine client error' "$log")); running it once more"
    cp "$log" "$log.lost-wineserver"
  done
  return "$rc"
}
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  step "wineboot -i ($WINEPREFIX)"
  # No Mono/Gecko: nothing here needs them, and installing them would want the network.
  WINEDLLOVERRIDES="mscoree,mshtml=" timeout 180 "$WINE" wineboot -i >"$LOGS/wineboot.log" 2>&1 9>&-
  # The registry (system.reg) reaches the disk when the wineserver exits: wait, so the prefix is whole.
  timeout 60 "$WINESERVER" -w >>"$LOGS/wineboot.log" 2>&1 9>&-
  [ -f "$WINEPREFIX/system.reg" ] || give_up "create the Wine prefix $WINEPREFIX" "$LOGS/wineboot.log"
fi

# What pwsh.exe needs under Wine: W^X off (else importing Pester dies with "Internal CLR error 0x80131506"),
# plain text, and the test settings, as Windows paths. Wine passes the environment on to Windows programs.
export DOTNET_EnableWriteXorExecute=0 NO_COLOR=1 TERM=dumb POWERSHELL_TELEMETRY_OPTOUT=1 POWERSHELL_UPDATECHECK=Off
export DKV_TEST_REPO DKV_TEST_MODULE NUGET_PACKAGES
DKV_TEST_REPO=$(winpath "$ROOT")
DKV_TEST_MODULE=$(winpath "$ROOT/dist/Clustron.Dkv")
NUGET_PACKAGES=$(winpath "$PACKAGES")
unset DKV_TEST_PWSH DKV_TEST_REFMANAGER # a child pwsh is this pwsh.exe; the manager is the one started below

# --- the Linux reference manager, on an ephemeral port; stopped however this script ends
# shellcheck source=../support/refmanager.sh
source "$ROOT/tests/support/refmanager.sh"
trap stop_refmanager EXIT
start_refmanager "$REFMANAGER" "$HOSTS" "$LOGS/refmanager.log" "$OUT/refmanager.port"
DKV_TEST_MANAGER_PORT=$REF_PORT
[ -n "$DKV_TEST_MANAGER_PORT" ] || give_up "start the reference manager" "$LOGS/refmanager.log"
export DKV_TEST_MANAGER_PORT
step "reference manager (Linux) on $HOSTS port $DKV_TEST_MANAGER_PORT"

# --- two https managers for Https.Tests.ps1 (the demo layout, also on 127.0.0.1 for "localhost"): one with a
# certificate from a throw-away CA that this prefix's LocalMachine\Root store is made to trust (as an admin would
# with Import-Certificate), one ("rogue") with the same names from a CA nobody trusts.
PKI="$OUT/pki"
bash "$ROOT/tests/support/make-test-pki.sh" "$PKI" >"$LOGS/pki.log" 2>&1 9>&- || give_up "make the test PKI" "$LOGS/pki.log"
bash "$ROOT/tests/windows/trust-ca.sh" add "$PKI/trusted-ca.pem" >"$LOGS/trust-ca.log" 2>&1 9>&- ||
  give_up "trust the test CA in $WINEPREFIX" "$LOGS/trust-ca.log"
TLS_PIDS=()
start_tls_manager() { # cert key ready-file (not called in $(...): a subshell's TLS_PIDS would be lost)
  rm -f "$3"
  "$REFMANAGER" --hosts "$HOSTS,127.0.0.1" --port 0 --layout demo --ready-file "$3" --quiet \
    --tls-cert "$1" --tls-key "$2" >>"$LOGS/refmanager-tls.log" 2>&1 9>&- &
  TLS_PIDS+=($!)
  for _ in $(seq 1 200); do [ -s "$3" ] && break; sleep 0.05; done
}
stop_managers() { stop_refmanager; for pid in "${TLS_PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done; }
trap stop_managers EXIT
start_tls_manager "$PKI/server.pem" "$PKI/server.key" "$OUT/tls-trusted.port"
start_tls_manager "$PKI/rogue.pem" "$PKI/rogue.key" "$OUT/tls-rogue.port"
DKV_TEST_TLS_PORT=$(cat "$OUT/tls-trusted.port" 2>/dev/null)
DKV_TEST_TLS_ROGUE_PORT=$(cat "$OUT/tls-rogue.port" 2>/dev/null)
[ -n "$DKV_TEST_TLS_PORT" ] && [ -n "$DKV_TEST_TLS_ROGUE_PORT" ] ||
  give_up "start the https reference managers" "$LOGS/refmanager-tls.log"
export DKV_TEST_TLS_PORT DKV_TEST_TLS_ROGUE_PORT
step "https reference managers (Linux) on port $DKV_TEST_TLS_PORT (trusted CA) and $DKV_TEST_TLS_ROGUE_PORT (untrusted CA)"

# --- the Pester run in pwsh.exe under Wine
# The suite, and this pass's own checks that it really runs in pwsh on Windows .NET with the DLL.
TESTS=()
for path in ${DKV_WIN_PWSH_PATH:-tests/powershell tests/windows/pwsh/WindowsHost.Tests.ps1}; do
  case "$path" in /*) ;; *) path="$ROOT/$path" ;; esac
  TESTS+=("$path")
done
TAGS=${DKV_WIN_PWSH_TAG:-Windows}
EXCLUDE=${DKV_WIN_PWSH_EXCLUDE_TAG:-OwnManager,Terminal}
RESULT="$LOGS/pester.xml"
LOG="$LOGS/pester.log"
rm -f "$RESULT"
step "pwsh.exe (Windows .NET, wine64) Invoke-DkvPester.ps1 -Path ${TESTS[*]#"$ROOT/"} -Tag $TAGS -ExcludeTag $EXCLUDE"
# -Command, not -File: -File hands every argument over as one string, so "-ExcludeTag OwnManager,Terminal" would be
# a single tag that matches nothing.
paths=()
for path in "${TESTS[@]}"; do paths+=("$(psquote "$(winpath "$path")")"); done
runner="& $(psquote "$(winpath "$ROOT/tests/powershell/Invoke-DkvPester.ps1")") -Path $(IFS=,; echo "${paths[*]}")"
runner+=" -Tag $TAGS -ExcludeTag $EXCLUDE -ResultFile $(psquote "$(winpath "$RESULT")") -Label $LABEL; exit \$LASTEXITCODE"
wine_pty "$TIMEOUT" "$LOG" "$APP/pwsh.exe" -NoProfile -NonInteractive -Command "$runner"
rc=$?
if [ "$rc" -eq 124 ]; then
  echo "FAIL the Pester run did not finish within ${TIMEOUT}s; stopping this prefix's Wine processes"
  timeout 30 "$WINESERVER" -k 9>&-
fi
# Windows line ends are gone (wine_pty); colours are off, but strip any escape sequence left.
sed -i 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1b\][^\x07]*\x07//g; s/\x00//g' "$LOG"
grep -av '^wine: Read access denied for device' "$LOG"
summary=$(grep -aE "^$LABEL: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$LOG" | tail -1)
step "done (pwsh.exe exit $rc)"
if [ -z "$summary" ]; then
  echo "FAIL pwsh.exe printed no Pester summary (exit $rc)"
  echo "$LABEL: 0 passed, 1 failed"
  exit 1
fi
read -r passed failed skipped < <(sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/' <<<"$summary")
if [ "$failed" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$passed" -eq 0 ]; }; then
  echo "FAIL pwsh.exe exited with $rc, $passed passed"
  failed=1
fi
echo "($skipped skipped; NUnit XML: ${RESULT#"$ROOT/"})"
echo "$LABEL: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
