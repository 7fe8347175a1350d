#!/usr/bin/env bash
# Builds what the benchmarks need (release) and runs them all; ends with every ratio measured in this run.
#
#   bench/run.sh            full run (about 3 minutes on 2 cores; the sequential 64-manager stops take most)
#   bench/run.sh --quick    smaller sizes and fewer repetitions, to check that everything works
#
# Logs: $CARGO_TARGET_DIR/bench/ (default target/bench/). Only loopback addresses are used. Not part of the
# test suite: timings depend on the machine and on whatever else runs on it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$(pwd)
target="${CARGO_TARGET_DIR:-$repo/target}"
logs="$target/bench"
mkdir -p "$logs"

quick=0
case "${1:-}" in
    "") ;;
    --quick) quick=1 ;;
    -h | --help)
        sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "run.sh: unknown argument '$1'; use --quick or nothing" >&2
        exit 2
        ;;
esac

if [[ ! -f .cargo/config.toml ]]; then
    echo "run.sh: note: no .cargo/config.toml; if crates.io is unreachable, run .ci/cargo-source.sh first" >&2
fi

echo "== building (release)"
cargo build --release --lib --example dkv-bench
cargo build --release -p dkv-refmanager
powershell/assemble.sh --release
module_bench=""
if command -v dotnet >/dev/null 2>&1; then
    dotnet build bench/module -c Release -o "$logs/module-bin" -nologo -v q
    module_bench="$logs/module-bin/DkvModuleBench"
    # Microsoft.PowerShell.Archive, the yardstick for Import-Module, ships with pwsh (the pinned .NET tool), not
    # with the SDK the bench hosts.
    dotnet tool restore >/dev/null
    archive=$(dotnet pwsh -NoProfile -NonInteractive -Command \
        '(Get-Module -ListAvailable Microsoft.PowerShell.Archive | Select-Object -First 1).Path')
else
    echo "run.sh: dotnet not found: scenario 4 (the module) is skipped" >&2
fi

{
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), \
$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), \
$(. /etc/os-release && echo "$PRETTY_NAME"), $(rustc --version), $(date -u '+%Y-%m-%d %H:%M UTC')"
} | tee "$logs/machine.txt"

bench=("$target/release/examples/dkv-bench" --model graceful,forced --scale-model graceful,forced)
module=(--imports 10 --iterations 300 --parallel-reps 5)
if [[ $quick -eq 1 ]]; then
    bench+=(--managers 40 --reps 1 --sizes 50,100 --iterations 100 --warmup 10)
    module=(--imports 4 --iterations 30 --warmup 3 --parallel-reps 1)
fi

echo "== dkv-bench ${bench[*]:1}"
"${bench[@]}" | tee "$logs/dkv-bench.log"
if [[ -n $module_bench ]]; then
    echo
    echo "== DkvModuleBench ${module[*]}"
    "$module_bench" --module "$repo/dist/Clustron.Dkv" --refmanager "$target/release/dkv-refmanager" \
        --archive "$archive" "${module[@]}" | tee "$logs/module.log"
fi

echo
echo "==================== summary ($(cat "$logs/machine.txt"))"
sed -n '/^== Ratios measured in this run/,$p' "$logs/dkv-bench.log"
if [[ -n $module_bench ]]; then
    sed -n '/^== Ratios measured in this run/,$p' "$logs/module.log"
fi
