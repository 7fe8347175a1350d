#!/usr/bin/env bash
# Packs dist/Clustron.Dkv/ (made by powershell/assemble.sh) into Clustron.Dkv.<version>.nupkg with PowerShell's own
# publisher (Publish-PSResource into a throw-away file repository), so the package is exactly what
# Install-PSResource and Install-Module expect: the module folder's files at the package root, the nuspec made from
# the manifest (version, prerelease, release notes, tags, description). Builds nothing else.
#
#   powershell/package.sh [--out DIR] [--partial] [--version X.Y.Z] [--prerelease LABEL]
#
#   --out DIR           where the .nupkg goes (default: dist/); a file repository is such a folder
#   --partial           package whatever runtimes dist/ has; without it the package must carry win-x64,
#                       linux-x64 and linux-arm64 (the platforms the manifest's editions are built for)
#   --version X.Y.Z     package under another ModuleVersion (tests: a newer version beside the first)
#   --prerelease LABEL  package as a preview: PSData.Prerelease = LABEL (e.g. preview1), version X.Y.Z-LABEL
# --version and --prerelease change the manifest of a copy, never dist/ or the sources.
#
# Needs the pinned pwsh (`dotnet tool restore`; PSResourceGet ships with it). Prints the package's path and entries.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$repo/dist"
partial=0
version=
prerelease=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --out) out=$2; shift 2 ;;
        --partial) partial=1; shift ;;
        --version) version=$2; shift 2 ;;
        --prerelease) prerelease=$2; shift 2 ;;
        -h | --help)
            sed -n '2,/^set /{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "package.sh: unknown argument '$1' (see --help)" >&2
            exit 2
            ;;
    esac
done
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac # the script works from the repository root below
if [[ -n "$version" && ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "package.sh: --version '$version' is not X.Y.Z (SemVer without a label; the label is --prerelease)" >&2
    exit 2
fi
if [[ -n "$prerelease" && ! "$prerelease" =~ ^[A-Za-z][A-Za-z0-9]*$ ]]; then
    # PowerShellGet 2 (Windows PowerShell 5.1) reads SemVer 1.0 labels only: letters and digits, no dots.
    echo "package.sh: --prerelease '$prerelease' must be letters then letters or digits (e.g. preview1)" >&2
    exit 2
fi

module="$repo/dist/Clustron.Dkv"
if [[ ! -f "$module/Clustron.Dkv.psd1" ]]; then
    echo "package.sh: $module is not assembled: run powershell/assemble.sh first" >&2
    exit 1
fi
if [[ $partial -eq 0 ]]; then
    missing=()
    for file in win-x64/native/clustron_dkv.dll linux-x64/native/libclustron_dkv.so linux-arm64/native/libclustron_dkv.so; do
        [[ -f "$module/runtimes/$file" ]] || missing+=("runtimes/$file")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "package.sh: dist/Clustron.Dkv lacks ${missing[*]}: build them (tests/windows/build-dll.sh," \
            "tests/arm64/build.sh), run powershell/assemble.sh, or pass --partial for a package without them" >&2
        exit 1
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Publish-PSResource takes a folder named as the module; a copy, so --version/--prerelease never touch dist/.
cp -R "$module" "$work/Clustron.Dkv"
mkdir -p "$work/repository" "$work/data" "$out"

cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 POWERSHELL_TELEMETRY_OPTOUT=1
dotnet tool restore >/dev/null
# XDG_DATA_HOME: PSResourceGet keeps its repository list there, so the throw-away repository never reaches the
# user's own list.
cat >"$work/package.ps1" <<'PS1'
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText' # errors read as plain text in logs
$work = $env:DKV_PACKAGE_WORK
$manifest = [System.IO.Path]::Combine($work, 'Clustron.Dkv', 'Clustron.Dkv.psd1')
$text = [System.IO.File]::ReadAllText($manifest)
if ($env:DKV_PACKAGE_VERSION) {
    $text = [regex]::Replace($text, "(?m)^(\s*)ModuleVersion(\s*)=(\s*)'[^']*'", "`$1ModuleVersion`$2=`$3'$env:DKV_PACKAGE_VERSION'")
}
if ($env:DKV_PACKAGE_PRERELEASE) {
    # Keys only (a line that starts with the name), never a comment that mentions one.
    if ($text -match '(?m)^\s*Prerelease\s*=') {
        $text = [regex]::Replace($text, "(?m)^(\s*)Prerelease(\s*)=(\s*)'[^']*'", "`$1Prerelease`$2=`$3'$env:DKV_PACKAGE_PRERELEASE'")
    }
    else {
        $text = [regex]::Replace($text, '(?m)^(\s*)PSData(\s*)=(\s*)@\{', "`$1PSData`$2=`$3@{`n            Prerelease   = '$env:DKV_PACKAGE_PRERELEASE'")
    }
}
[System.IO.File]::WriteAllText($manifest, $text, [System.Text.UTF8Encoding]::new($false))
$info = Test-ModuleManifest -Path $manifest
if ($env:DKV_PACKAGE_VERSION -and [string]$info.Version -ne $env:DKV_PACKAGE_VERSION) { throw "the copy's manifest says version $($info.Version)" }
if ($env:DKV_PACKAGE_PRERELEASE -and $info.PrivateData.PSData.Prerelease -ne $env:DKV_PACKAGE_PRERELEASE) {
    throw "the copy's manifest says prerelease '$($info.PrivateData.PSData.Prerelease)'"
}
Register-PSResourceRepository -Name DkvPackage -Uri ([System.IO.Path]::Combine($work, 'repository')) -Trusted
Publish-PSResource -Path ([System.IO.Path]::Combine($work, 'Clustron.Dkv')) -Repository DkvPackage
PS1
# XDG_DATA_HOME: PSResourceGet keeps its repository list there, so the throw-away repository never reaches the
# user's own list.
XDG_DATA_HOME="$work/data" DKV_PACKAGE_WORK="$work" DKV_PACKAGE_VERSION="$version" \
    DKV_PACKAGE_PRERELEASE="$prerelease" dotnet pwsh -NoProfile -NonInteractive -File "$work/package.ps1"
shopt -s nullglob
packages=("$work"/repository/Clustron.Dkv.*.nupkg)
if [[ ${#packages[@]} -ne 1 ]]; then
    echo "package.sh: Publish-PSResource made ${#packages[@]} packages, expected 1" >&2
    exit 1
fi
name=$(basename "${packages[0]}")
cp "${packages[0]}" "$out/$name"
echo "Package: $out/$name"
unzip -l "$out/$name" | awk 'NR > 3 && $4 != "" && $4 !~ /^(_rels|package)\// && $4 != "[Content_Types].xml" { print "  " $4 }'
