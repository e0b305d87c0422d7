#!/usr/bin/env python3
"""judol-score.py — precision and recall of the judol and deface detectors
on ronda's own fixtures.

Runs `ronda scan --json` over tests/fixtures/judol (malicious),
tests/fixtures/deface (malicious) and tests/fixtures/judol-benign (benign),
and counts a file as flagged when it has a judol.* or deface.* finding at
severity low or above.

    tests/judol-score.py [--ronda build/ronda] [--source .]
"""
import argparse
import json
import os
import subprocess
import sys

SEV = ["info", "low", "medium", "high", "critical"]


def scan(ronda, root):
    p = subprocess.run([ronda, "scan", "--json", root], capture_output=True)
    flagged = {}
    for ln in p.stdout.decode("utf-8", "replace").splitlines():
        if not ln.startswith("{"):
            continue
        try:
            o = json.loads(ln)
        except ValueError:
            continue
        rule = o.get("rule", "")
        if not rule.startswith(("judol.", "deface.")):
            continue
        if SEV.index(o.get("severity", "info")) < 1:
            continue
        path = os.path.relpath(o.get("path", ""), root)
        flagged.setdefault(path, set()).add(rule)
    return flagged


def files(root):
    out = []
    for d, _, fs in os.walk(root):
        for f in fs:
            out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ronda", default="build/ronda")
    ap.add_argument("--source", default=".")
    a = ap.parse_args()
    fx = os.path.join(a.source, "tests", "fixtures")
    tp = fn = fp = tn = 0
    for area, malicious in (("judol", True), ("deface", True),
                            ("judol-benign", False)):
        root = os.path.join(fx, area)
        flagged = scan(a.ronda, root)
        for f in files(root):
            hit = f in flagged
            rules = ",".join(sorted(flagged.get(f, [])))
            if malicious and hit:
                tp += 1
            elif malicious:
                fn += 1
                print(f"missed      {area}/{f}")
            elif hit:
                fp += 1
                print(f"false alarm {area}/{f}: {rules}")
            else:
                tn += 1
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    print(f"malicious files {tp + fn}, benign files {fp + tn}")
    print(f"true positives {tp}, false negatives {fn}, false positives {fp}, true negatives {tn}")
    print(f"precision {prec:.3f}  recall {rec:.3f}")
    return 0 if fn == 0 and fp == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
