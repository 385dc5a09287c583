#!/usr/bin/env python3
"""Writes a fuzz target's starting corpus: the repository's test material and, when present,
the shared corpora, in the form the target reads (see tests/fuzz/fuzz_TARGET.cpp).

    seed_corpus.py TARGET OUT_DIR REPO [SHARED_CORPUS]
"""
import hashlib
import os
import random
import sys

import yaml

MAX_FILES = 4000
MAX_BYTES = 16384


def files_under(root, suffixes):
    if not root or not os.path.isdir(root):
        return
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in ("build", "node_modules", ".git")
                         and not d.startswith("build-"))
        for name in sorted(names):
            if name.endswith(suffixes):
                yield os.path.join(base, name)


def read(path):
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
        return data if len(data) <= MAX_BYTES else None
    except OSError:
        return None


def modules_in_cases(path):
    """Rego modules of a YAML test case file (OPA's conformance format)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except Exception:
        return []
    out = []
    cases = doc.get("cases", []) if isinstance(doc, dict) else []
    for case in cases if isinstance(cases, list) else []:
        if isinstance(case, dict) and isinstance(case.get("modules"), list):
            out += [m.encode() for m in case["modules"] if isinstance(m, str)]
    return out


def main():
    target, out, repo = sys.argv[1], sys.argv[2], sys.argv[3]
    shared = sys.argv[4] if len(sys.argv) > 4 else None
    roots = [os.path.join(repo, d) for d in ("tests", "examples", "policies")] + [shared]
    seeds = []
    if target == "json":
        for root in roots:
            seeds += [read(p) for p in files_under(root, (".json",))]
    elif target == "yaml":
        for root in roots:
            seeds += [b"\0" + d for d in (read(p) for p in files_under(root, (".yaml", ".yml")))
                      if d is not None]
    elif target == "rego":
        for root in roots:
            seeds += [b"\0" + d for d in (read(p) for p in files_under(root, (".rego",)))
                      if d is not None]
            for p in files_under(root, (".yaml", ".yml")):
                v0 = b"\1" if "/v0" in p or "fuzz/v0" in p else b"\0"
                seeds += [v0 + m for m in modules_in_cases(p)]
    elif target == "blueprint":
        for root in (os.path.join(repo, "examples"), os.path.join(repo, "tests")):
            for p in files_under(root, ("infrastructure-blueprint.yaml",)):
                seeds.append(read(p))
    elif target == "eval":
        rng = random.Random(1)
        seeds = [rng.getrandbits(72).to_bytes(9, "little") for _ in range(256)]
    seeds = [s for s in seeds if s]
    random.Random(2).shuffle(seeds)
    os.makedirs(out, exist_ok=True)
    for s in seeds[:MAX_FILES]:
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
    print(f"seed_corpus: {min(len(seeds), MAX_FILES)} {target} inputs in {out}")


if __name__ == "__main__":
    main()
