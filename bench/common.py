"""Helpers shared by bench/run.py and bench/moto_peer.py (stdlib only)."""
import collections
import json
import os
import time

Run = collections.namedtuple("Run", "wall maxrss_kib status")


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def json_equal(a, b):
    """Equality of parsed JSON values, as JSON means it: 1 equals 1.0, but
    true is not 1 (Python's == would say it is), and key order is moot."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def spawn_measure(argv, out_path, err_path):
    """Runs argv[0] (a path) with stdout and stderr sent to files.

    Returns its wall time (spawn to reap), its peak RSS in KiB and its exit
    status. posix_spawn + wait4 keep the harness's own cost out of the
    figure (no shell, no pipe to drain) and give the child's peak RSS from
    the kernel: the same number as GNU time's %M, with no wrapper process."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return Run(wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
