# Shared by the end-to-end scripts: failure counting, running a command with an expected exit
# status, and comparing output with an expected file. Sourced after `policyc` is set.
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# expect_status WANT DESCRIPTION -- command...: runs it, keeping stdout in $out.
expect_status() {
  local want=$1 what=$2
  shift 3
  out=$("$@" 2>"$scratch/stderr")
  local status=$?
  [[ $status -eq $want ]] || fail "$what: exit $status, expected $want ($(head -3 "$scratch/stderr"))"
}

# compare_expected ACTUAL_TEXT EXPECTED_FILE (UPDATE_EXPECTED=1 rewrites the file instead).
compare_expected() {
  if [[ ${UPDATE_EXPECTED:-0} == 1 ]]; then
    printf '%s\n' "$1" >"$2"
    return
  fi
  if ! diff -q <(printf '%s\n' "$1") "$2" >/dev/null 2>&1; then
    fail "output differs from $2"
    diff <(printf '%s\n' "$1") "$2" | head -15 | sed 's/^/  | /'
  fi
}

# finish NAME: the verdict, and the exit status ctest reads.
finish() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures failure(s)"
    exit 1
  fi
  echo "$1: all checks passed"
}
