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

    Returns its wall time (spawn to reap), its ru_maxrss in KiB and its exit
    status. posix_spawn + wait4 keep the harness's own cost out of the wall
    time (no shell, no wrapper, no pipe to drain). The ru_maxrss is NOT the
    child's own peak: Linux folds the memory the process had before exec
    into it, and a child spawned from Python starts as Python (~30 MiB);
    peak_rss() gives the real figure."""
    # A fresh file for each run, not the last one truncated: on ext4, a file
    # truncated and written again is flushed to disk when it is closed
    # (auto_da_alloc), inside the child's exit and so inside its wall time.
    # It cost parallel-fanout's 3.7 ms run 0.8-1.5 ms on these VMs.
    for path in (out_path, err_path):
        if os.path.isfile(path):
            os.unlink(path)
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


GNU_TIME = "/usr/bin/time"


def peak_rss(argv, out_path, err_path, rss_path):
    """Peak RSS in KiB of argv, measured by GNU time's %M, and the exit
    status; (None, status) without GNU time. Its own fork is ~1 MiB, which
    is the floor of the figure (Linux counts the pre-exec image)."""
    if not os.access(GNU_TIME, os.X_OK):
        return None, spawn_measure(argv, out_path, err_path).status
    r = spawn_measure([GNU_TIME, "-f", "%M", "-o", rss_path] + argv, out_path, err_path)
    try:
        with open(rss_path) as f:
            kib = int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        kib = None
    return kib, r.status
