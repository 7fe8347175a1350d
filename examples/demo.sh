#!/usr/bin/env bash
# The main job, on one machine: build, start the reference manager with the demo layout (OrdersStore on
# 127.0.0.11-13, port 7801), then in PowerShell: Connect-DkvManager and Stop-DkvStore -Name OrdersStore.
# Uses pwsh when it is on PATH, otherwise `dotnet pwsh`: the PowerShell .NET tool pinned in .config/dotnet-tools.json.
set -euo pipefail
cd "$(dirname "$0")/.."
# rustup's toolchain (cargo fmt, clippy) when a non-login shell did not put it on PATH.
[ -d "$HOME/.cargo/bin" ] && case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) export PATH="$HOME/.cargo/bin:$PATH" ;; esac
bash .ci/install.sh >/dev/null
cargo build --release --quiet
cargo build --release --quiet -p dkv-refmanager
bash powershell/assemble.sh --release >/dev/null

work=$(mktemp -d)
port=${DKV_DEMO_PORT:-7801}
target/release/dkv-refmanager --hosts 127.0.0.11,127.0.0.12,127.0.0.13 --port "$port" --layout demo \
  --ready-file "$work/ready" >"$work/manager.log" 2>&1 &
manager=$!
trap 'kill $manager 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
[ -s "$work/ready" ] || { echo "the reference manager did not start:"; cat "$work/manager.log"; exit 1; }

# Each command is its own pipeline, as when typed at a prompt, so each gets its own formatting.
script="Import-Module ./dist/Clustron.Dkv
'PS> Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port $port' | Out-Default
Connect-DkvManager -Managers 127.0.0.11,127.0.0.12,127.0.0.13 -Port $port | Out-Default
'PS> Stop-DkvStore -Name OrdersStore' | Out-Default
Stop-DkvStore -Name OrdersStore | Out-Default"
if command -v pwsh >/dev/null 2>&1; then
  pwsh -NoLogo -NoProfile -Command "$script"
else
  dotnet tool restore >/dev/null
  dotnet pwsh -NoLogo -NoProfile -Command "$script"
fi
echo
echo "The reference manager's request log:"
grep -E 'GET|POST|PUT' "$work/manager.log" | head -40
