# Sourced by the shell test drivers that count one pass or fail per check (tests/c/run.sh, tests/arm64/run.sh,
# tests/arm64/pwsh.sh, tests/windows/run.sh). Set TALLY_LABEL first; finish prints "<label>: N passed, N failed"
# (the line tests/run-all.sh reads) and exits non-zero unless something passed and nothing failed.
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
  echo "$TALLY_LABEL: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit
}
