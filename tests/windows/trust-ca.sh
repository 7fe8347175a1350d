#!/usr/bin/env bash
# Makes a Wine prefix trust a CA the way a Windows machine does: the certificate goes into the local machine's
# ROOT store (Cert:\LocalMachine\Root), which is what SChannel, and so clustron_dkv.dll, Invoke-RestMethod and
# pwsh under that prefix, verify https managers against. Wine has no certutil, so tests/windows/trust_ca.c does it.
#   WINEPREFIX=/path/to/prefix tests/windows/trust-ca.sh add|remove CA.pem
# Needs wine64 and x86_64-w64-mingw32-gcc (.ci/install.sh); builds trust_ca.exe into target/windows/tests once.
# On a real Windows machine the same is:
#   Import-Certificate -FilePath CA.pem -CertStoreLocation Cert:\LocalMachine\Root   (elevated)
set -euo pipefail
action=${1:?usage: trust-ca.sh add|remove CA.pem}
ca=${2:?usage: trust-ca.sh add|remove CA.pem}
: "${WINEPREFIX:?set WINEPREFIX to the Wine prefix that should trust the CA}"
export WINEPREFIX WINEDEBUG=${WINEDEBUG:--all}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT="$ROOT/target/windows/tests"
EXE="$OUT/trust_ca.exe"
mkdir -p "$OUT"
if [ ! -f "$EXE" ] || [ "$ROOT/tests/windows/trust_ca.c" -nt "$EXE" ]; then
  x86_64-w64-mingw32-gcc -std=c99 -Wall -Wextra -Werror -pedantic -O1 -o "$EXE" "$ROOT/tests/windows/trust_ca.c" \
    -static -lcrypt32
fi
# Wine wants the file on a path it can see: the prefix maps / as Z:.
out=$(cd "$(dirname "$ca")" && timeout 120 /usr/lib/wine/wine64 "$EXE" "$action" "$(basename "$ca")" 2>&1 | tr -d '\r') || true
echo "$out"
# The store lives in the prefix's registry, written to disk when the wineserver exits.
timeout 60 /usr/lib/wine/wineserver -w || true
grep -q "^trust_ca: \(added\|removed\|absent\) " <<<"$out" || exit 1
