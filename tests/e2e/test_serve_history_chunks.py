"""`stepd serve` reading back histories kept in chunks (schema version 8,
docs/storage.md): two executions writing ~450 kB of history each in the same
loop turns, so that writes hold events of both and cut chunks past 64 KiB,
read whole and by pages of 7 both ways, after a restart, through the view
`events`, and against `stepd run --history` on the same definition.

Skips (exit 77) when boto3 is not importable."""
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import unittest
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_harness import ROLE, STEPD, Server, boto3, history, history_pages, wait_done  # noqa: E402

ITEMS = 150
PAD = "p" * 1000
PAST = json.dumps({"at": "2020-01-01T00:00:00Z"})
CHUNK_BYTES = 64 << 10  # engine/store_sqlite_history.c
# Each iteration carries PAD through three events' input or output: ~3 kB an
# item, ~450 kB an execution, in the few loop turns the Map takes.
BIG = {
    "StartAt": "Sync",
    "States": {
        # Both executions wait for the same instant, so their timers fire in
        # one loop turn and their Maps append to the same batches.
        "Sync": {"Type": "Wait", "TimestampPath": "$.at", "Next": "Items"},
        "Items": {"Type": "Pass", "Parameters": {"items.$": "States.ArrayRange(1, %d, 1)" % ITEMS}, "Next": "Fan"},
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"i.$": "$$.Map.Item.Value", "pad": PAD},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Carry",
                "States": {
                    "Carry": {"Type": "Pass", "Next": "Drop"},
                    "Drop": {"Type": "Pass", "Parameters": {"i.$": "$.i"}, "End": True},
                },
            },
            "ResultPath": "$.out",
            "End": True,
        },
    },
}


def details(event):
    """An API event's details object, or None."""
    keys = [k for k in event if k.endswith("EventDetails")]
    return event[keys[0]] if keys else None


class TestHistoryChunks(unittest.TestCase):
    def assertSame(self, got, want, what):
        """Lists of events equal, failing on the first difference: unittest's
        diff of two thousand events would take minutes."""
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                self.fail("%s: item %d differs:\n%.300r\n%.300r" % (what, i, g, w))
        self.assertEqual(len(got), len(want), what)

    def assertStops(self, server):
        """SIGTERM: exit 0 with nothing from the sanitizers in the log."""
        code, log = server.stop(), server.read_log()
        self.assertFalse(code != 0 or "Sanitizer" in log or "runtime error" in log, "exit %s:\n%s" % (code, log))

    def setUp(self):
        self.server = Server()
        self.sfn = self.server.client()

    def tearDown(self):
        self.server.cleanup()

    def check_reads(self, sfn, arn, whole, size):
        """Pages of `size` both ways give `whole` exactly, event for event."""
        forward = history_pages(sfn, arn, size)
        self.assertTrue(all(len(p) == size for p in forward[:-1]), [len(p) for p in forward])
        self.assertTrue(1 <= len(forward[-1]) <= size)
        self.assertSame([e for p in forward for e in p], whole, "pages of %d" % size)
        backward = history_pages(sfn, arn, size, reverse=True)
        self.assertTrue(all(len(p) == size for p in backward[:-1]), [len(p) for p in backward])
        self.assertSame([e for p in backward for e in p], whole[::-1], "reversed pages of %d" % size)

    def test_big_histories_page_and_survive_restart(self):
        machine = self.sfn.create_state_machine(name="big", definition=json.dumps(BIG), roleArn=ROLE)[
            "stateMachineArn"
        ]
        at = datetime.datetime.fromtimestamp(int(time.time()) + 2, datetime.timezone.utc)
        inp = json.dumps({"at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
        arns = [self.sfn.start_execution(stateMachineArn=machine, name=n, input=inp)["executionArn"] for n in "ab"]
        for arn in arns:
            self.assertEqual(wait_done(self, self.sfn, arn)["status"], "SUCCEEDED")

        wholes = {}
        for arn in arns:
            whole = history(self.sfn, arn)
            n = len(whole)
            self.assertGreater(n, 6 * ITEMS)
            self.assertSame([e["id"] for e in whole], list(range(1, n + 1)), "ids")
            self.assertEqual(whole[0]["type"], "ExecutionStarted")
            self.assertEqual(whole[-1]["type"], "ExecutionSucceeded")
            self.assertNotIn("previousEventId", whole[0])
            self.assertTrue(all(0 < e["previousEventId"] < e["id"] for e in whole[1:]))
            pads = [e for e in whole if PAD in json.dumps(details(e) or {})]
            self.assertGreaterEqual(len(pads), 3 * ITEMS)
            wholes[arn] = whole
        # Alike, though their Maps shared loop turns and interleave their
        # iterations differently, and each holds its own iterations only.
        self.assertEqual(Counter(e["type"] for e in wholes[arns[0]]), Counter(e["type"] for e in wholes[arns[1]]))
        for arn in arns:
            started = [e["mapIterationStartedEventDetails"]["index"] for e in wholes[arn]
                       if e["type"] == "MapIterationStarted"]
            self.assertEqual(sorted(started), list(range(ITEMS)))
        self.check_reads(self.sfn, arns[0], wholes[arns[0]], 7)
        self.check_reads(self.sfn, arns[1], wholes[arns[1]], 97)

        # The file holds several chunks per execution, some cut at their
        # size (what this test is about), and the view one row per event.
        self.assertStops(self.server)
        db = sqlite3.connect(self.server.db)
        try:
            for arn in arns:
                (xid,) = db.execute("SELECT id FROM executions WHERE arn = ?", (arn,)).fetchone()
                chunks = db.execute(
                    "SELECT k & 4294967295, last_id, length(events) FROM history WHERE k >> 32 = ? ORDER BY k",
                    (xid,),
                ).fetchall()
                # Cut past CHUNK_BYTES: none longer by more than an event. How
                # many writes the Map took, and so how many chunks were cut
                # rather than ended by their write, depends on the writer's
                # pace (a sanitized build on a fresh machine cut two where a
                # plain one cut five); ~450 kB in chunks of at most ~67 kB is
                # seven or more either way.
                self.assertTrue(all(size < CHUNK_BYTES + 4096 for _, _, size in chunks), chunks)
                self.assertGreaterEqual(len(chunks), 7, chunks)
                self.assertEqual(chunks[0][0], 1)
                for (_, last, _), (first, _, _) in zip(chunks, chunks[1:]):
                    self.assertEqual(first, last + 1, chunks)
                rows = db.execute(
                    "SELECT id, prev_id, ts_ms, type, details_key, details FROM events WHERE exec_id = ? ORDER BY id",
                    (xid,),
                ).fetchall()
                whole = wholes[arn]
                self.assertSame([(r[0], r[3]) for r in rows], [(e["id"], e["type"]) for e in whole], "view")
                for r, e in zip(rows, whole):
                    self.assertEqual(r[1], e.get("previousEventId", 0))
                    self.assertEqual(r[2], round(e["timestamp"].timestamp() * 1000))
                    self.assertEqual(json.loads(r[5]) if r[5] is not None else None, details(e))
                    if r[4] is not None and r[5] is not None:
                        self.assertIn(r[4], e)
        finally:
            db.close()

        # A server restarted on the file reads back the same.
        again = Server(db=self.server.db)
        try:
            sfn = again.client()
            for arn in arns:
                self.assertSame(history(sfn, arn), wholes[arn], "after the restart")
            self.check_reads(sfn, arns[0], wholes[arns[0]], 7)
            if shutil.which("aws"):
                self.check_aws_cli(again, arns[1], wholes[arns[1]])
            self.assertStops(again)
        finally:
            again.cleanup()
        self.check_run(wholes[arns[0]])

    def check_aws_cli(self, server, arn, whole):
        """The aws CLI, paging by itself, gets the same events both ways."""
        for extra, expect in (([], whole), (["--reverse-order"], whole[::-1])):
            proc = subprocess.run(
                ["aws", "stepfunctions", "get-execution-history", "--execution-arn", arn, "--page-size", "7",
                 "--endpoint-url", server.url, "--output", "json", *extra],
                capture_output=True, text=True, timeout=120,
            )
            self.assertEqual(proc.returncode, 0, proc.stderr)
            got = json.loads(proc.stdout)["events"]
            self.assertSame(
                [(e["id"], e["type"], e.get("previousEventId"), details(e)) for e in got],
                [(e["id"], e["type"], e.get("previousEventId"), details(e)) for e in expect],
                "aws CLI " + " ".join(extra),
            )

    def check_run(self, served):
        """`stepd run --db --history` writes the events a server's execution
        has, and exactly what a server then reads from its file."""
        tmp = self.server.tmp.name
        path = os.path.join(tmp, "big.asl.json")
        with open(path, "w") as f:
            json.dump(BIG, f)
        db, out = os.path.join(tmp, "run.db"), os.path.join(tmp, "run-history.json")
        r = subprocess.run(
            [STEPD, "run", path, "--db", db, "--history", out, "--name", "r1", "--input", PAST],
            capture_output=True, text=True, timeout=60,
        )
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            ran = json.load(f)["events"]
        # Iterations interleave as group commits happen to end, differently
        # from run to run: the same events, not in the same order.
        self.assertEqual(Counter(e["type"] for e in ran), Counter(e["type"] for e in served))
        con = sqlite3.connect(db)
        try:
            (arn,) = con.execute("SELECT arn FROM executions").fetchone()
        finally:
            con.close()
        server = Server(db=db)
        try:
            sfn = server.client()
            stored = history(sfn, arn)
            self.assertEqual(len(stored), len(ran))
            for s, e in zip(stored, ran):
                self.assertEqual(
                    (s["id"], s["type"], s.get("previousEventId"), details(s)),
                    (e["id"], e["type"], e.get("previousEventId"), details(e)),
                )
                self.assertEqual(round(s["timestamp"].timestamp() * 1000), round(e["timestamp"] * 1000))
            self.assertStops(server)
        finally:
            server.cleanup()


if __name__ == "__main__":
    if boto3 is None:
        print("skipping: boto3 is not importable", file=sys.stderr)
        raise SystemExit(77)
    unittest.main()
