#!/bin/sh
# Builds the seed corpora of the fuzz targets at run time (docs/fuzzing.md),
# so that no corpus file lives in the repository:
#   BUILD/seeds/definition  definitions (+ NUL + execution input) from
#                           examples/, a sample of the conformance corpus
#                           per group, its invalid definitions, and
#                           tests/fuzz/seeds/definition
#   BUILD/seeds/expr        paths and intrinsic calls (+ NUL + document) from
#                           tests/cases/paths/*.test, the expressions found
#                           in conformance definitions, and tests/fuzz/seeds/expr
# Usage: tests/fuzz/seed.sh [BUILD_DIR] [CONFORMANCE_DIR] [PER_GROUP]
#   defaults: build-fuzz, ../shared/conformance, 6 definitions per group.
# Files are named by the SHA-1 of their content, as libFuzzer names its own.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-fuzz}
conf=${2:-$root/../shared/conformance}
per_group=${3:-6}
exec python3 - "$root" "$build" "$conf" "$per_group" <<'EOF'
import glob, hashlib, json, os, sys

root, build, conf, per_group = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# Seeds above this size slow every mutation down; the engine's logic does not
# need big documents to be reached.
MAX_SEED = 16 * 1024


def put(dirname, data, counts):
    if len(data) > MAX_SEED:
        counts["skipped (too big)"] = counts.get("skipped (too big)", 0) + 1
        return
    os.makedirs(dirname, exist_ok=True)
    path = os.path.join(dirname, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        counts["written"] = counts.get("written", 0) + 1


def dumps(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False).encode()


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def spaced(items, n):
    """n items spread evenly over the sorted list (all when fewer)."""
    items = sorted(items)
    if len(items) <= n:
        return items
    return [items[i * len(items) // n] for i in range(n)]


def hand_written(kind, out, counts):
    for path in sorted(glob.glob(os.path.join(root, "tests/fuzz/seeds", kind, "*"))):
        with open(path, "rb") as f:
            put(out, f.read(), counts)


def definitions():
    out = os.path.join(build, "seeds/definition")
    counts = {}
    hand_written("definition", out, counts)
    for path in sorted(glob.glob(os.path.join(root, "examples/**/*.asl.json"), recursive=True)):
        with open(path, "rb") as f:
            text = f.read()
        inp = os.path.join(os.path.dirname(path), "input.json")
        put(out, text, counts)
        if os.path.exists(inp):
            with open(inp, "rb") as f:
                put(out, text + b"\0" + f.read(), counts)
    for group in sorted(glob.glob(os.path.join(conf, "cases/*"))):
        for path in spaced(glob.glob(os.path.join(group, "*.json")), per_group):
            case = load(path)
            put(out, dumps(case["definition"]) + b"\0" + dumps(case.get("input", {})), counts)
    for path in sorted(glob.glob(os.path.join(conf, "invalid/*.json"))):
        d = load(path)["definition"]
        put(out, d.encode() if isinstance(d, str) else dumps(d), counts)
    return out, counts


def expressions_in(node, found):
    """Paths and intrinsic calls a definition holds: values of "x.$" keys,
    of "...Path" fields and of Choice's Variable."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, str) and (k.endswith(".$") or k.endswith("Path") or k == "Variable"):
                found.append(v)
            expressions_in(v, found)
    elif isinstance(node, list):
        for v in node:
            expressions_in(v, found)


def expressions():
    out = os.path.join(build, "seeds/expr")
    counts = {}
    hand_written("expr", out, counts)
    # tests/cases/paths/*.test: blocks of "path \n input \n expected ...".
    for path in sorted(glob.glob(os.path.join(root, "tests/cases/paths/*.test"))):
        with open(path, "rb") as f:
            lines = [l for l in f.read().split(b"\n") if not l.startswith(b"#")]
        blocks, cur = [], []
        for l in lines + [b""]:
            if l.strip():
                cur.append(l)
            elif cur:
                blocks.append(cur)
                cur = []
        for b in blocks:
            if len(b) >= 2:
                put(out, b[0] + b"\0" + b[1], counts)
    seen = set()
    for path in sorted(glob.glob(os.path.join(conf, "cases/*/*.json"))):
        case = load(path)
        found = []
        expressions_in(case["definition"], found)
        for e in found:
            if e not in seen:
                seen.add(e)
                put(out, e.encode() + b"\0" + dumps(case.get("input", {})), counts)
    return out, counts


for out, counts in (definitions(), expressions()):
    n = len(os.listdir(out)) if os.path.isdir(out) else 0
    print("%s: %d files (%s)" % (out, n, ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
EOF
