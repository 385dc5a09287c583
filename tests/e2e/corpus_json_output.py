#!/usr/bin/env python3
"""Every corpus case through the policyc binary, checking the output, not the answer:

    policyc eval --format json [--v0-compatible] -d m0.rego ... [-d data.json] [-i input.json] QUERY

usage: corpus_json_output.py <policyc> <corpus dir>

The conformance runners judge the answers in-process; this checks what a user's tooling reads:
the process ends by itself (no signal), stdout is one JSON document, and the exit code agrees
with it (0 with no "errors" member, 2 with one). A half-written value (`[null,]`) or a crash
on any case fails. Cases that need what `eval` cannot be given from files (`input_term`) are
counted as skipped. Prints each failure and closes with "N passed, N failed, N skipped".
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import yaml

SUITES = ["opa", "oracle/given", "rego-cpp", "fuzz/v1", "fuzz/v0"]


def command(policyc, case, v0, workdir):
    cmd = [policyc, "eval", "--format", "json"]
    if v0 or case.get("v0_compatible"):
        cmd.append("--v0-compatible")
    for i, module in enumerate(case.get("modules") or []):
        path = os.path.join(workdir, "m%d.rego" % i)
        with open(path, "w", encoding="utf-8") as f:
            f.write(module)
        cmd += ["-d", path]
    for key, flag in (("data", "-d"), ("input", "-i")):
        if case.get(key) is not None:
            path = os.path.join(workdir, key + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(case[key], f)
            cmd += [flag, path]
    cmd.append(case["query"])
    return cmd


def check(policyc, case, v0):
    """Returns None when the output is sound, else what is wrong with it."""
    with tempfile.TemporaryDirectory() as workdir:
        proc = subprocess.run(command(policyc, case, v0, workdir), capture_output=True,
                              timeout=60)
    if proc.returncode < 0:
        return "killed by signal %d" % -proc.returncode
    try:
        out = json.loads(proc.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return "stdout is not JSON (%s): %r" % (e, proc.stdout[:300])
    want = 2 if isinstance(out, dict) and "errors" in out else 0
    if proc.returncode != want:
        return "exit %d with %s" % (proc.returncode, "errors" if want else "no errors")
    return None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    policyc, root = sys.argv[1], sys.argv[2]
    passed = failed = skipped = 0
    for suite in SUITES:
        for path in sorted(glob.glob(os.path.join(root, suite, "**", "*.yaml"), recursive=True)):
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
            if not isinstance(doc, dict):
                continue
            for case in doc.get("cases") or []:
                if "query" not in case or "input_term" in case:
                    skipped += 1
                    continue
                try:
                    problem = check(policyc, case, suite == "fuzz/v0")
                except TypeError:  # data JSON cannot hold (keys that are not strings)
                    skipped += 1
                    continue
                if problem:
                    failed += 1
                    print("FAIL %s [%s]: %s" % (path, case.get("note", "?"), problem))
                else:
                    passed += 1
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
