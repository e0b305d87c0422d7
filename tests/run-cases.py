#!/usr/bin/env python3
"""run-cases.py — runner for ronda's declarative CLI cases.

A case file (tests/cases/**/*.case) is a list of directives, executed in
order in a fresh temporary directory ($T, also the working directory):

    # comment
    name: what the case shows
    fixture: webshell/eval-post      copy tests/fixtures/<path> to $T/site
    fixture: judol/a.html -> site/x  copy to a chosen place under $T
    setup: |                         bash -e script run in $T
      mkdir -p site && printf 'x' > site/a.php
    run: ronda scan --json site      bash command line; `ronda` is on PATH
    stdin: text                      (before run) given to the next run
    exit: 1                          expected exit status of the last run
    has-rule: webshell.input-to-exec a JSON finding with this rule exists
    lacks-rule: judol.cloak.ua       no JSON finding with this rule
    rule-count: webshell.x 2         exactly n findings of that rule
    finding: {"rule": "x", "layer": "~base64"}
                                     some finding contains these keys;
                                     "~s" means "contains s", "re:s" regex
    summary: {"files": 3}            the JSON summary object contains these
    no-finding-at-or-above: high     no finding with severity >= this
    stdout-has: text / stdout-lacks: text / stderr-has: text / stderr-lacks
    stderr-lines: 1                  stderr has exactly this many lines
    file-exists: path / file-absent: path / file-equals: path | content

Multi-line values use "key: |" followed by lines indented by two spaces.
Exits non-zero on the first failed expectation, printing why.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SEV = ["info", "low", "medium", "high", "critical"]


def parse(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if ":" not in line:
            raise SystemExit(f"{path}:{i}: expected 'key: value'")
        key, val = line.split(":", 1)
        key, val = key.strip(), val.strip()
        if val == "|":
            block = []
            while i < len(lines) and (lines[i].startswith("  ") or not lines[i].strip()):
                block.append(lines[i][2:])
                i += 1
            val = "\n".join(block).rstrip("\n") + "\n"
        out.append((key, val, i))
    return out


def match_value(want, got):
    if isinstance(want, str) and isinstance(got, str):
        if want.startswith("~"):
            return want[1:] in got
        if want.startswith("re:"):
            return re.search(want[3:], got) is not None
    if isinstance(want, dict) and isinstance(got, dict):
        return all(k in got and match_value(v, got[k]) for k, v in want.items())
    return want == got


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout.decode("utf-8", "surrogateescape")
        self.err = proc.stderr.decode("utf-8", "surrogateescape")
        self.findings, self.summary = [], None
        for ln in self.out.splitlines():
            ln = ln.strip()
            if not ln.startswith("{"):
                continue
            try:
                obj = json.loads(ln)
            except ValueError:
                continue
            if obj.get("type") == "summary":
                self.summary = obj
            elif "rule" in obj:
                self.findings.append(obj)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ronda", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("cases", nargs="+")
    a = ap.parse_args()
    failed = 0
    for case in a.cases:
        err = run_case(a, case)
        if err:
            failed += 1
            print(f"FAIL {case}: {err}")
        else:
            print(f"ok   {case}")
    print(f"{len(a.cases) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def run_case(a, case):
    directives = parse(case)
    tmp = tempfile.mkdtemp(prefix="ronda-case-")
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(a.ronda)) + os.pathsep + env["PATH"]
    env["T"] = tmp
    env["SRC"] = a.source
    env["FIXTURES"] = os.path.join(a.source, "tests", "fixtures")
    env["NO_COLOR"] = "1"
    env["LC_ALL"] = "C.UTF-8"
    env.pop("LANGUAGE", None)  # expected output is English (po/ would apply)
    env["XDG_DATA_HOME"] = os.path.join(tmp, ".xdg")
    run, stdin = None, None
    try:
        for key, val, lineno in directives:
            where = f"line {lineno} ({key})"
            if key == "name":
                continue
            if key == "fixture":
                src, _, dst = val.partition("->")
                src = os.path.join(a.source, "tests", "fixtures", src.strip())
                dst = os.path.join(tmp, dst.strip() or "site")
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                if os.path.isdir(src):
                    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
                else:
                    if os.path.isdir(dst) or dst.endswith("/site"):
                        os.makedirs(dst, exist_ok=True)
                        dst = os.path.join(dst, os.path.basename(src))
                    shutil.copy2(src, dst)
                continue
            if key == "setup":
                p = subprocess.run(["bash", "-e", "-c", val], cwd=tmp, env=env,
                                   capture_output=True, timeout=300)
                if p.returncode:
                    return f"{where}: setup failed: {p.stderr.decode(errors='replace')}"
                continue
            if key == "stdin":
                stdin = val.encode()
                continue
            if key == "run":
                p = subprocess.run(["bash", "-c", val], cwd=tmp, env=env,
                                   input=stdin, capture_output=True, timeout=110)
                stdin = None
                run = Run(p)
                continue
            if run is None:
                return f"{where}: expectation before any run"
            msg = check(key, val, run, tmp)
            if msg:
                return (f"{where}: {msg}\n--- exit {run.rc}\n--- stdout\n{run.out[:6000]}"
                        f"\n--- stderr\n{run.err[:3000]}")
        return None
    except subprocess.TimeoutExpired:
        return "timed out"
    finally:
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)


def check(key, val, run, tmp):
    rules = [f.get("rule") for f in run.findings]
    if key == "exit":
        return None if run.rc == int(val) else f"exit {run.rc}, expected {val}"
    if key == "has-rule":
        return None if val in rules else f"no finding {val}; got {sorted(set(rules))}"
    if key == "lacks-rule":
        return None if val not in rules else f"unexpected finding {val}"
    if key == "rule-count":
        r, n = val.split()
        c = rules.count(r)
        return None if c == int(n) else f"{c} findings of {r}, expected {n}"
    if key == "finding":
        want = json.loads(val)
        return None if any(match_value(want, f) for f in run.findings) else \
            f"no finding matches {val}"
    if key == "summary":
        want = json.loads(val)
        return None if run.summary and match_value(want, run.summary) else \
            f"summary {run.summary} does not match {val}"
    if key == "no-finding-at-or-above":
        lim = SEV.index(val)
        bad = [f for f in run.findings if SEV.index(f.get("severity", "info")) >= lim]
        return None if not bad else f"findings at or above {val}: " + \
            ", ".join(f"{f.get('path')}:{f.get('rule')}" for f in bad[:10])
    if key == "stdout-has":
        return None if val.rstrip("\n") in run.out else f"stdout lacks {val!r}"
    if key == "stdout-lacks":
        return None if val.rstrip("\n") not in run.out else f"stdout has {val!r}"
    if key == "stderr-has":
        return None if val.rstrip("\n") in run.err else f"stderr lacks {val!r}"
    if key == "stderr-lacks":
        return None if val.rstrip("\n") not in run.err else f"stderr has {val!r}"
    if key == "stderr-lines":
        n = len(run.err.splitlines())
        return None if n == int(val) else f"stderr has {n} lines, expected {val}"
    if key == "file-exists":
        return None if os.path.lexists(os.path.join(tmp, val)) else f"{val} missing"
    if key == "file-absent":
        return None if not os.path.lexists(os.path.join(tmp, val)) else f"{val} exists"
    if key == "file-equals":
        path, _, content = val.partition("|")
        try:
            got = open(os.path.join(tmp, path.strip()), "rb").read().decode("utf-8", "replace")
        except OSError as e:
            return str(e)
        return None if got == content.strip() else f"{path.strip()} holds {got[:200]!r}"
    return f"unknown directive {key}"


if __name__ == "__main__":
    main()
