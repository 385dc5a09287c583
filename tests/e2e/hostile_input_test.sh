#!/usr/bin/env bash
# Hostile input, as a pull request or a policy author could hand it to policyc in CI: each case
# must end with a clear error (exit 2, naming the file) or a correct result, never a crash, a
# hang, a file read from outside the directory given, or output left half written.
#   hostile_input_test.sh POLICYC REPO
set -uo pipefail
policyc=$1
repo=$2
source "$(dirname "$0")/lib.sh"
example=$repo/examples/notifications
service=services/notifications/infrastructure-blueprint.yaml

# expect_error NAME PATTERN -- command...: exit 2 within two minutes, PATTERN in its output.
expect_error() {
  local name=$1 pattern=$2
  shift 3
  timeout 120 "$@" >"$scratch/out" 2>"$scratch/err"
  local status=$?
  [[ $status -eq 2 ]] || fail "$name: exit $status, expected 2 ($(head -c 300 "$scratch/err"))"
  grep -q -- "$pattern" "$scratch/err" "$scratch/out" ||
    fail "$name: '$pattern' not in the output: $(head -c 300 "$scratch/err")"
}

# expect_verdict NAME -- command...: a check's verdict (exit 0 or 1), no crash or error.
expect_verdict() {
  local name=$1
  shift 2
  timeout 120 "$@" >"$scratch/out" 2>"$scratch/err"
  local status=$?
  [[ $status -le 1 ]] || fail "$name: exit $status, expected 0 or 1 ($(head -c 300 "$scratch/err"))"
}

# A copy of the example system to spoil.
fresh() {
  rm -rf "$scratch/sys"
  cp -r "$example" "$scratch/sys"
}

# --- YAML and JSON structure
fresh
{
  echo "anchors:"
  echo "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"
  for i in $(seq 1 9); do
    echo "  a$i: &a$i [*a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1))]"
  done
} >>"$scratch/sys/$service"
expect_error "alias bomb" "alias bomb" -- "$policyc" check "$scratch/sys"

fresh
python3 -c "print('x-deep: ' + '[' * 100000 + ']' * 100000)" >>"$scratch/sys/$service"
expect_error "blueprint nested 100,000 deep" "infrastructure-blueprint.yaml:" -- "$policyc" check "$scratch/sys"
python3 -c "print('[' * 100000 + ']' * 100000)" >"$scratch/deep.json"
expect_error "JSON nested 100,000 deep" "deep.json:1:" -- "$policyc" eval -i "$scratch/deep.json" input -f pretty
python3 -c "print('a: ' + '[' * 100000 + ']' * 100000)" >"$scratch/deep.yaml"
expect_error "YAML input nested 100,000 deep" "deep.yaml:" -- "$policyc" eval -i "$scratch/deep.yaml" input -f pretty
for shape in "[|]" "(|)" "{\"a\": |}" "not |" "-|" "[x | x := |]"; do
  open=${shape%%|*}
  close=${shape#*|}
  python3 - "$scratch/deep.rego" "$open" "$close" <<'EOF'
import sys
path, open_, close = sys.argv[1:]
inner = open_ * 100000 + "1" + close * 100000
body = "p if { " + inner + " }" if open_.startswith("not") else "p := " + inner
with open(path, "w") as f:
    f.write("package deep\n\n" + body + "\n")
EOF
  expect_error "Rego nested 100,000 deep ($open)" "deep.rego:3:" -- "$policyc" eval -d "$scratch/deep.rego" data.deep.p -f pretty
done

# Long rather than deep: each expression of a body, non-constant term of a collection or call,
# and rule or function a value depends on is a level of the evaluator's recursion. Where the
# stack would run out, evaluation stops with an error at the expression (before, a crash);
# references take no level, so an array of 50,000 of them evaluates.
python3 - "$scratch" <<'EOF'
import sys
n = 50000
def module(name, text):
    with open(f"{sys.argv[1]}/{name}.rego", "w") as f:
        f.write(f"package {name}\n\nimport rego.v1\n\n{text}")
module("refs", "p := [" + ", ".join(["input.x"] * n) + "]\n")
module("calls", "p := [" + ", ".join(['upper("a")'] * n) + "]\n")
module("body", "p if {\n" + "\tinput.x == 1\n" * n + "}\n")
module("rules", "r0 := 0\n" + "".join(f"r{i} := r{i - 1} + 1\n" for i in range(1, 20000)))
module("funcs", "f0(x) := x\n" + "".join(f"f{i}(x) := f{i - 1}(x) + 1\n" for i in range(1, 20000)))
EOF
echo '{"x": 1}' >"$scratch/x.json"
timeout 120 "$policyc" eval -d "$scratch/refs.rego" -i "$scratch/x.json" "count(data.refs.p)" \
  -f values >"$scratch/out" 2>&1
[[ $(cat "$scratch/out") == 50000 ]] || fail "an array of 50,000 references: $(head -c 300 "$scratch/out")"
expect_error "an array of 50,000 calls" "calls.rego:5:.*eval_recursion_error" -- \
  "$policyc" eval -d "$scratch/calls.rego" "count(data.calls.p)" -f pretty
expect_error "a body of 50,000 expressions" "body.rego:6:.*eval_recursion_error" -- \
  "$policyc" eval -d "$scratch/body.rego" -i "$scratch/x.json" data.body.p -f pretty
expect_error "20,000 rules in a chain" "rules.rego:.*eval_recursion_error" -- \
  "$policyc" eval -d "$scratch/rules.rego" data.rules.r19999 -f pretty
expect_error "20,000 functions in a chain" "funcs.rego:.*eval_recursion_error" -- \
  "$policyc" eval -d "$scratch/funcs.rego" "data.funcs.f19999(1)" -f pretty

# A huge scalar: 20 MB is loaded (and judged); past 64 MiB a blueprint file is refused.
fresh
python3 -c "print('x-notes: \"' + 'a' * 20000000 + '\"')" >>"$scratch/sys/$service"
expect_verdict "a 20 MB scalar" -- "$policyc" check "$scratch/sys"
fresh
truncate -s 1G "$scratch/sys/$service"
expect_error "a 1 GB blueprint file" "larger than 64 MiB" -- "$policyc" check "$scratch/sys"
truncate -s 1G "$scratch/huge.json"
expect_error "a 1 GB input file" "huge.json:1:1" -- "$policyc" eval -i "$scratch/huge.json" input -f pretty

# --- Encoding
fresh
printf 'description: "bad \xff\xfe bytes"\n' >>"$scratch/sys/$service"
expect_error "blueprint not UTF-8" "$service:[0-9]*:[0-9]*: .*UTF-8" -- "$policyc" check "$scratch/sys"
[[ $(cat "$scratch/err") != *$'\xff'* ]] || fail "blueprint not UTF-8: the raw bytes reach the terminal"
fresh
printf 'description: "nul \x00 byte"\n' >>"$scratch/sys/$service"
expect_error "blueprint with a NUL byte" "$service:[0-9]*:[0-9]*: .*control characters" -- "$policyc" check "$scratch/sys"
printf 'package enc\n\np := "\xff"\n' >"$scratch/enc.rego"
expect_error "Rego not UTF-8" "enc.rego:3:7: rego_parse_error: illegal utf-8 character" -- "$policyc" eval -d "$scratch/enc.rego" data.enc.p -f pretty
printf 'package enc\n\np := 1\x00\n' >"$scratch/enc.rego"
expect_error "Rego with a NUL byte" "illegal null character" -- "$policyc" eval -d "$scratch/enc.rego" data.enc.p -f pretty
printf 'package enc\n# a comment \xc0\xaf\np := 1\n' >"$scratch/enc.rego"
expect_error "Rego comment not UTF-8" "enc.rego:2:13: rego_parse_error: illegal utf-8 character" -- "$policyc" eval -d "$scratch/enc.rego" data.enc.p -f pretty
# JSON input that is not UTF-8 reads as Go's decoder (OPA's) reads it: U+FFFD for each bad byte.
printf '{"a": "x\xffy"}' >"$scratch/enc.json"
out=$("$policyc" eval -i "$scratch/enc.json" input.a -f values)
[[ $out == $'"x\xef\xbf\xbdy"' ]] || fail "JSON input not UTF-8: $out"
printf '{"a": 1, "a": 2}' >"$scratch/dup.json"
out=$("$policyc" eval -i "$scratch/dup.json" input.a -f values)
[[ $out == 2 ]] || fail "JSON input with a duplicate key: the last value wins, as in OPA; got $out"
fresh
printf 'metadata:\n  serviceId: notifications\n' >>"$scratch/sys/$service"
expect_error "blueprint with a duplicate key" "duplicate key 'metadata'" -- "$policyc" check "$scratch/sys"

# --- Files and directories
fresh
ln -sf /etc/passwd "$scratch/sys/services/notifications/overlays/dev.yaml"
expect_error "overlay linked to /etc/passwd" "leads outside the blueprint directory" -- "$policyc" check "$scratch/sys" -e dev
grep -q "root:" "$scratch/err" "$scratch/out" && fail "overlay linked to /etc/passwd: its text is printed"
fresh
mv "$scratch/sys/services/email-sender" "$scratch/outside-service"
ln -s "$scratch/outside-service" "$scratch/sys/services/email-sender"
expect_error "service directory linked outside" "leads outside the blueprint directory" -- "$policyc" check "$scratch/sys" -e dev
rm -rf "$scratch/outside-service"
fresh
rm "$scratch/sys/services/notifications/overlays/dev.yaml"
ln -s dev-b.yaml "$scratch/sys/services/notifications/overlays/dev.yaml"
ln -s dev.yaml "$scratch/sys/services/notifications/overlays/dev-b.yaml"
expect_error "overlay symlink loop" "loop" -- "$policyc" check "$scratch/sys" -e dev
fresh
mkdir -p "$scratch/sys/shared"
mv "$scratch/sys/services/notifications/overlays/dev.yaml" "$scratch/sys/shared/dev.yaml"
ln -s ../../../shared/dev.yaml "$scratch/sys/services/notifications/overlays/dev.yaml"
expect_verdict "overlay linked inside the blueprint directory" -- "$policyc" check "$scratch/sys" -e dev
# A file listed, then gone by the time it is read, reads as a link to nothing: a missing
# overlay is no overlay, a missing blueprint file an error naming the service directory.
fresh
rm "$scratch/sys/services/notifications/overlays/dev.yaml"
ln -s gone.yaml "$scratch/sys/services/notifications/overlays/dev.yaml"
expect_verdict "overlay that vanished" -- "$policyc" check "$scratch/sys" -e dev
fresh
rm "$scratch/sys/$service"
ln -s gone.yaml "$scratch/sys/$service"
expect_error "blueprint file that vanished" "services/notifications: .*no infrastructure-blueprint.yaml" -- "$policyc" check "$scratch/sys"
fresh
rm "$scratch/sys/$service"
mkdir "$scratch/sys/$service"
expect_error "blueprint file that is a directory" "cannot read file" -- "$policyc" check "$scratch/sys"
if [[ $(id -u) -ne 0 ]]; then
  fresh
  chmod 000 "$scratch/sys/$service"
  expect_error "unreadable blueprint file" "cannot read file" -- "$policyc" check "$scratch/sys"
  chmod 644 "$scratch/sys/$service"
else
  echo "note: running as root, so an unreadable file cannot be made; that case is skipped"
fi

mkdir -p "$scratch/pol/sub"
printf 'package links\n\np := 1\n' >"$scratch/pol/a.rego"
ln -s /etc "$scratch/pol/etc"
expect_error "policy directory linked to /etc" "leads outside the policy directory" -- "$policyc" eval -d "$scratch/pol" data.links.p
rm "$scratch/pol/etc"
ln -s .. "$scratch/pol/sub/up"
expect_error "policy directory linked to its parent" "already read" -- "$policyc" eval -d "$scratch/pol" data.links.p
rm "$scratch/pol/sub/up"
ln -s l2 "$scratch/pol/l1"
ln -s l1 "$scratch/pol/l2"
expect_error "policy symlink loop" "loop" -- "$policyc" eval -d "$scratch/pol" data.links.p
rm "$scratch/pol/l1" "$scratch/pol/l2"
ln -s ../a.rego "$scratch/pol/sub/b.rego"
out=$("$policyc" eval -d "$scratch/pol" data.links.p -f values) || fail "policy linked inside the directory: exit $?"

# Service names that would escape or break a generated tree.
for name in .. ../../etc a/b CON aux.yaml; do
  rm -rf "$scratch/single.yaml"
  sed "s|serviceId: notifications|serviceId: \"$name\"|" "$example/$service" >"$scratch/single.yaml"
  expect_error "service id '$name'" "service id '$name'" -- "$policyc" check "$scratch/single.yaml"
done
fresh
mv "$scratch/sys/services/email-sender" "$scratch/sys/services/nul"
expect_error "service directory 'nul'" "services/nul" -- "$policyc" check "$scratch/sys"

# --- Limits
cat >"$scratch/runaway.rego" <<'EOF'
package runaway

p := count([n | some n in numbers.range(1, 1000000000000)])

q := count([[a, b] | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)])
EOF
start=$(date +%s)
expect_error "runaway range, --timeout 2s" "runaway.rego:5:.*eval_cancel_error: .*--timeout 2s.*data.runaway.q" -- \
  "$policyc" eval -d "$scratch/runaway.rego" data.runaway.q --timeout 2s -f pretty
(($(date +%s) - start <= 10)) || fail "runaway range, --timeout 2s: took $(($(date +%s) - start)) s"
expect_error "runaway range, --max-memory 512MB" "runaway.rego:3:.*eval_memory_error: .*data.runaway.p" -- \
  "$policyc" eval -d "$scratch/runaway.rego" data.runaway.p --max-memory 512MB -f pretty
# Under AddressSanitizer the process also holds its shadow memory and quarantine: the peak
# is measured on ordinary builds only.
if [[ -x /usr/bin/time ]] && ! ldd "$policyc" 2>/dev/null | grep -q 'lib[at]san'; then
  /usr/bin/time -f %M -o "$scratch/rss" "$policyc" eval -d "$scratch/runaway.rego" data.runaway.q \
    --max-memory 512MB >/dev/null 2>&1
  rss_kb=$(tail -1 "$scratch/rss")
  ((rss_kb < 1024 * 1024)) || fail "runaway product, --max-memory 512MB: peak ${rss_kb} KB"
fi
expect_error "a malformed --timeout" "expected a duration" -- "$policyc" check "$example" --timeout 2x
mkdir -p "$scratch/slow"
cat >"$scratch/slow/slow_test.rego" <<'EOF'
package slow

import rego.v1

test_quick if true

test_slow if count([1 | some a in numbers.range(1, 100000); some b in numbers.range(1, 100000)]) > 0
EOF
expect_error "a test past its --timeout" "ERROR" -- "$policyc" test "$scratch/slow" --timeout 1s

# --- Output written whole or not at all
echo previous >"$scratch/report.txt"
fresh
printf 'bogus: [\n' >>"$scratch/sys/$service"
expect_error "check -o on a broken blueprint" "blueprint_parse_error" -- "$policyc" check "$scratch/sys" -o "$scratch/report.txt"
[[ $(cat "$scratch/report.txt") == previous ]] || fail "check -o: a failed run replaced the previous report"
expect_error "check -o /dev/full" "No space left on device" -- "$policyc" check "$example" -o /dev/full
"$policyc" check "$example" -o "$scratch/report.txt" || fail "check -o: exit $?"
grep -q PASSED "$scratch/report.txt" || fail "check -o: the report is not complete"
ls -a "$scratch" | grep -q '\.report\.txt\.tmp' && fail "check -o: a temporary file is left behind"
"$policyc" generate "$example" -o "$scratch/tree" >/dev/null || fail "generate: exit $?"
files_before=$(find "$scratch/tree" -type f | sort | xargs md5sum)
mkdir -p "$scratch/badtemplates"
printf 'package generate.templates.kubernetes\n\nartifacts := 1 +\n' >"$scratch/badtemplates/t.rego"
expect_error "generate with a broken template" "t.rego:" -- "$policyc" generate "$example" -o "$scratch/tree" --templates "$scratch/badtemplates"
[[ $(find "$scratch/tree" -type f | sort | xargs md5sum) == "$files_before" ]] ||
  fail "generate: a failed run changed the previous tree"
python3 "$repo/bench/blueprint/generate_system.py" "$scratch/big" --services 2000 >/dev/null
echo previous >"$scratch/report.txt"
timeout -s KILL 0.3 "$policyc" check "$scratch/big" -o "$scratch/report.txt" >/dev/null 2>&1
report=$(cat "$scratch/report.txt")
[[ $report == previous || $(tail -1 "$scratch/report.txt") == *"(fail level: error)"* ]] ||
  fail "check -o killed midway: the report is neither the previous one nor complete"

finish "hostile input"
