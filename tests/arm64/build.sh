#!/usr/bin/env bash
# Cross-builds libclustron_dkv.so for linux-arm64 (aarch64-unknown-linux-gnu) with Debian's rustc 1.63 into
# target/arm64/; a no-op when it is up to date. Needs what .ci/install.sh installs for it (the arm64 architecture's
# libstd-rust-dev and libssl-dev, gcc-aarch64-linux-gnu). powershell/assemble.sh places the result under
# runtimes/linux-arm64/native. Output goes to stdout/stderr; the exit code is cargo's.
set -uo pipefail
cd "$(dirname "$0")/../.."
# The header is an input here (build.rs would rewrite include/ from src/ffi otherwise). openssl-sys finds the
# arm64 OpenSSL through pkg-config, which refuses a cross build unless told it is one.
DKV_SKIP_HEADER=1 RUSTC=/usr/bin/rustc CARGO_TARGET_DIR="$(pwd)/target/arm64" \
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
  PKG_CONFIG_ALLOW_CROSS=1 PKG_CONFIG_PATH=/usr/lib/aarch64-linux-gnu/pkgconfig \
  exec /usr/bin/cargo build --release --lib --target aarch64-unknown-linux-gnu
