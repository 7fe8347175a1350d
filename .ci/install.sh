#!/usr/bin/env bash
# Installs what the build and every test suite need on a fresh Debian machine (idempotent; root, as CI runs).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=(
  # crates, from Debian when crates.io cannot be reached (.ci/cargo-source.sh decides)
  librust-ureq-dev librust-serde-json-dev librust-serde-derive-dev librust-rayon-dev librust-libc-dev
  librust-once-cell-dev librust-cbindgen-dev librust-tiny-http-dev librust-proptest-dev
  # https through the platform's TLS: OpenSSL here, SChannel (winapi) in the Windows DLL
  librust-native-tls-dev librust-schannel-dev librust-winapi-dev librust-winapi-x86-64-pc-windows-gnu-dev
  libssl-dev pkg-config
  # Debian's rustc 1.63 + cargo: the MSRV check and the Windows build use them
  rustc cargo libstd-rust-dev-windows gcc-mingw-w64-x86-64-posix
  # the C harness and its leak check
  gcc g++ valgrind clang-tidy cppcheck
  # running the Windows build of the library, and pwsh on Windows .NET under it
  wine64
  # the module's terminal tests (a real prompt for -Confirm, Ctrl+C) and a pty for Wine's console
  tmux bsdutils
  curl ca-certificates openssl
  # the linux-arm64 library: cross linker, Rust's std and OpenSSL for arm64 (multiarch, added below), and qemu
  # user mode to run the C harness against it (tests/arm64/run.sh) and pwsh for linux-arm64, which needs arm64's
  # libstdc++ and ICU (tests/arm64/pwsh.sh)
  gcc-aarch64-linux-gnu libstd-rust-dev:arm64 libssl-dev:arm64 qemu-user libstdc++6:arm64 libicu72:arm64
)
# The arm64 packages above come from Debian's arm64 architecture, which dpkg must know before apt can see them.
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "no cargo on PATH: using Debian's" >&2
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET SDK (dotnet) is missing: this machine kind ships it; install dotnet-sdk-10.0" >&2
  exit 1
fi
bash "$(dirname "$0")/cargo-source.sh"
