#!/usr/bin/env python3
"""Every Gatekeeper library case through the policyc binary, as a user runs it:

    policyc eval --format json -d template.yaml -i <case>.input.json [-d <case>.data.json] \\
        data.<package>.violation

usage: run_cli.py <policyc> <gatekeeper corpus dir>
Assertions follow the corpus README: per expectation, the number of violations whose msg
matches message_regex (all when absent) is exactly N, at least one ("yes") or none ("no").
Prints each failure and closes with "N passed, N failed"; exits 1 on any failure.
"""
import json
import os
import re
import subprocess
import sys


def package_of(template_path):
    with open(template_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*package\s+([\w.]+)", line)
            if m:
                return m.group(1)
    raise ValueError("no package in " + template_path)


def violations(policyc, policy_dir, case):
    input_path = os.path.join(policy_dir, case["input"])
    cmd = [policyc, "eval", "--format", "json", "-d", os.path.join(policy_dir, "template.yaml"),
           "-i", input_path]
    data_path = input_path.replace(".input.json", ".data.json")
    if os.path.exists(data_path):
        cmd += ["-d", data_path]
    cmd.append("data.%s.violation" % package_of(os.path.join(policy_dir, "template.yaml")))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise RuntimeError("exit %d: %s%s" % (proc.returncode, proc.stdout[:500], proc.stderr[:500]))
    out = json.loads(proc.stdout)
    if "result" not in out:
        return []
    return out["result"][0]["expressions"][0]["value"]


def holds(expectation, found):
    regex = expectation.get("message_regex")
    matching = [v for v in found if regex is None or re.search(regex, v.get("msg", ""))]
    want = expectation.get("violations")
    if want == "yes":
        return len(matching) > 0, "at least one"
    if want == "no":
        return len(matching) == 0, "none"
    return len(matching) == int(want), str(want)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    policyc, root = sys.argv[1], sys.argv[2]
    passed = failed = 0
    for policy in sorted(os.listdir(root)):
        expected_path = os.path.join(root, policy, "expected.json")
        if not os.path.exists(expected_path):
            continue
        with open(expected_path, encoding="utf-8") as f:
            cases = json.load(f)
        for case in cases:
            name = "%s/%s/%s" % (case["policy"], case["test"], case["case"])
            try:
                found = violations(policyc, os.path.join(root, policy), case)
                problems = []
                for expectation in case["expected"]:
                    ok, want = holds(expectation, found)
                    if not ok:
                        problems.append("expected %s matching %r, got %d violation(s)" %
                                        (want, expectation.get("message_regex"), len(found)))
            except Exception as e:  # noqa: BLE001 - report any failure of the case
                problems = [str(e)]
            if problems:
                failed += 1
                print("FAIL %s\n    %s" % (name, "\n    ".join(problems)))
            else:
                passed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
