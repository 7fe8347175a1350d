#!/usr/bin/env bash
# Assembles dist/Clustron.Dkv/ from the module sources and already-built native libraries. Builds nothing:
# run `cargo build --release` (and any cross builds, e.g. --target x86_64-pc-windows-gnu) first.
#
#   powershell/assemble.sh [--release|--debug]
#
# Native libraries land in NuGet's runtimes/{rid}/native/ layout, which the module's loader reads:
#   target/<profile>/libclustron_dkv.so                  -> runtimes/linux-<host arch>/native/
#   target/<triple>/<profile>/libclustron_dkv.so         -> runtimes/linux-{x64,arm64}/native/
#   target/<triple>/<profile>/clustron_dkv.dll           -> runtimes/win-{x64,arm64}/native/
#   target/<triple>/<profile>/libclustron_dkv.dylib      -> runtimes/osx-{x64,arm64}/native/
#   target/<dir>/<triple>/<profile>/...                   (a nested CARGO_TARGET_DIR, e.g. target/windows) likewise
set -euo pipefail

profile=release
case "${1:-}" in
    "" | --release) profile=release ;;
    --debug) profile=debug ;;
    -h | --help)
        sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "assemble.sh: unknown argument '$1'; use --release or --debug" >&2
        exit 2
        ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source_dir="$repo/powershell/Clustron.Dkv"
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
dist_parent="$repo/dist"
staging="$dist_parent/.Clustron.Dkv.$$"
final="$dist_parent/Clustron.Dkv"

cleanup() { rm -rf "$staging"; }
trap cleanup EXIT

# One root module: the region of Clustron.Dkv.psm1 that dot-sources Private/*.ps1 and Public/*.ps1 is replaced by
# their text, in the order it would load them (ordinal file names, Private first). One script parses and compiles
# much faster than fourteen dot-sourced ones; the sources keep one function per file.
inline_sources() { # inline_sources <source psm1> > <assembled psm1>
    local line in_region=0 folder file found=0
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ $line == '#region DkvSources' ]]; then
            in_region=1 found=1
            for folder in Private Public; do
                while IFS= read -r file; do
                    printf '# ---- %s/%s\n' "$folder" "$(basename "$file")"
                    cat "$file"
                    printf '\n'
                done < <(find "$source_dir/$folder" -maxdepth 1 -name '*.ps1' -type f | LC_ALL=C sort)
            done
            continue
        fi
        if [[ $in_region -eq 1 ]]; then
            [[ $line == '#endregion DkvSources' ]] && in_region=0
            continue
        fi
        printf '%s\n' "$line"
    done < "$1"
    if [[ $found -eq 0 || $in_region -eq 1 ]]; then
        echo "assemble.sh: $1 has no complete '#region DkvSources' ... '#endregion DkvSources'" >&2
        return 1
    fi
}

mkdir -p "$staging"
cp "$source_dir/Clustron.Dkv.psd1" "$source_dir/Clustron.Dkv.Format.ps1xml" "$staging/"
inline_sources "$source_dir/Clustron.Dkv.psm1" > "$staging/Clustron.Dkv.psm1"
for optional in README.md CHANGELOG.md; do
    if [[ -f "$source_dir/$optional" ]]; then cp "$source_dir/$optional" "$staging/"; fi
done
if [[ -d "$source_dir/en-US" ]]; then cp -R "$source_dir/en-US" "$staging/en-US"; fi

copied=0
place() { # place <file> <rid>
    local destination="$staging/runtimes/$2/native"
    if [[ ! -d "$destination" || -z "$(ls -A "$destination")" ]]; then copied=$((copied + 1)); fi
    mkdir -p "$destination"
    cp "$1" "$destination/"
    echo "  $2: ${1#"$repo"/}"
}

rid_arch() { # the architecture part of a rid for a Rust target triple, or nothing for unsupported ones
    case "$1" in
        x86_64-*) echo x64 ;;
        aarch64-*) echo arm64 ;;
    esac
}

echo "Assembling $final ($profile)"
cross_build() { # cross_build <triple dir>: place its library, if it has one for this profile
    local triple_dir=$1 triple arch file os
    triple=$(basename "$triple_dir")
    [[ -d "$triple_dir/$profile" ]] || return 0
    arch=$(rid_arch "$triple")
    [[ -n "$arch" ]] || return 0
    case "$triple" in
        *-windows-*) file="clustron_dkv.dll" os=win ;;
        *-apple-darwin) file="libclustron_dkv.dylib" os=osx ;;
        *-linux-*) file="libclustron_dkv.so" os=linux ;;
        *) return 0 ;;
    esac
    if [[ -f "$triple_dir/$profile/$file" ]]; then place "$triple_dir/$profile/$file" "$os-$arch"; fi
}
# Cross builds first, so a native build of the host (target/<profile>/) wins for the host's own rid. Target dirs
# nested one level (e.g. CARGO_TARGET_DIR=target/windows for the Wine build) count too; target/<triple>/ wins
# over them, being placed last.
if [[ -d "$target_dir" ]]; then
    for nested in "$target_dir"/*/*-*-*/; do
        [[ -d "$nested" ]] && cross_build "${nested%/}"
    done
    for triple_dir in "$target_dir"/*-*-*/; do
        [[ -d "$triple_dir" ]] && cross_build "${triple_dir%/}"
    done
fi

host_arch=$(rid_arch "$(uname -m)-")
host_os=
case "$(uname -s)" in
    Linux) host_os=linux host_file=libclustron_dkv.so ;;
    Darwin) host_os=osx host_file=libclustron_dkv.dylib ;;
    MINGW* | MSYS* | CYGWIN*) host_os=win host_file=clustron_dkv.dll ;;
esac
if [[ -n "$host_os" && -n "$host_arch" && -f "$target_dir/$profile/$host_file" ]]; then
    place "$target_dir/$profile/$host_file" "$host_os-$host_arch"
fi

if [[ $copied -eq 0 ]]; then
    echo "assemble.sh: no native library found under $target_dir for the $profile profile." >&2
    echo "Build it first, e.g.: cargo build --$profile" | sed 's/--debug//' >&2
    exit 1
fi

# Swap in the new folder in one rename, so an importer never sees a half-copied module.
rm -rf "$final.old"
if [[ -d "$final" ]]; then mv "$final" "$final.old"; fi
mv "$staging" "$final"
rm -rf "$final.old"
echo "Done: native libraries for $copied runtime(s); Import-Module ./dist/Clustron.Dkv"
