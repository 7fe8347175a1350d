#!/usr/bin/env bash
# Cross-builds clustron_dkv.dll (x86_64-pc-windows-gnu, Debian's rustc 1.63, TLS through SChannel) into
# target/windows/; a no-op when it is up to date. Used by run.sh (which then tests it) and pwsh.sh (which must never
# run the module's Pester suite against a DLL older than src/). Output goes to stdout/stderr; the exit code is cargo's.
set -uo pipefail
cd "$(dirname "$0")/../.."
# The header is an input here (build.rs would rewrite include/ from src/ffi otherwise).
# TLS on (native-tls -> schannel -> winapi). Debian's winapi-x86_64-pc-windows-gnu ships without its bundled import
# libraries; WINAPI_NO_BUNDLED_LIBRARIES makes winapi link mingw-w64's own (libsecur32.a, libcrypt32.a, ...).
WINAPI_NO_BUNDLED_LIBRARIES=1 DKV_SKIP_HEADER=1 RUSTC=/usr/bin/rustc CARGO_TARGET_DIR="$(pwd)/target/windows" \
  exec /usr/bin/cargo build --release --target x86_64-pc-windows-gnu
