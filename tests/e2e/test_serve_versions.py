"""`stepd serve`: state machine versions and aliases, driven by boto3
(PublishStateMachineVersion, ListStateMachineVersions,
DeleteStateMachineVersion, the alias actions, StartExecution on version and
alias ARNs), and their survival across a restart.

Skips (exit 77) when boto3 is missing, and the tests that need the version
API when botocore predates it (Debian's 1.29 does), saying so."""
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve_api import PASS, PASS2, ROLE, WAIT_LONG, boto3  # noqa: E402
from serve_harness import ServeCase, Server  # noqa: E402

if boto3 is not None:
    import botocore
    import botocore.exceptions


def definition(comment):
    return json.dumps({"Comment": comment, "StartAt": "P",
                       "States": {"P": {"Type": "Pass", "Result": comment, "End": True}}})


def has_versions(client):
    return "PublishStateMachineVersion" in client.meta.service_model.operation_names


class VersionsTestCase(ServeCase):
    db = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(db=cls.db)
        cls.sfn = cls.server.client()
        if not has_versions(cls.sfn):
            cls.server.stop()
            cls.server.cleanup()
            raise unittest.SkipTest("botocore %s has no state machine versions (added in 1.29.150)"
                                    % botocore.__version__)

    def error(self, fn, **kw):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]


class TestVersions(VersionsTestCase):
    def test_publish_on_create_and_describe_version(self):
        r = self.sfn.create_state_machine(name="v-create", definition=definition("r0"), roleArn=ROLE,
                                          publish=True, versionDescription="first")
        arn = r["stateMachineArn"]
        self.assertEqual(r["stateMachineVersionArn"], arn + ":1")
        d = self.sfn.describe_state_machine(stateMachineArn=arn + ":1")
        self.assertEqual(d["stateMachineArn"], arn + ":1")
        self.assertEqual(d["description"], "first")
        self.assertEqual(json.loads(d["definition"])["Comment"], "r0")
        self.assertNotIn("revisionId", d)
        d = self.sfn.describe_state_machine(stateMachineArn=arn)
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertNotIn("description", d)
        # versionDescription needs publish
        code, msg = self.error(self.sfn.create_state_machine, name="v-nopub", definition=definition("x"),
                               roleArn=ROLE, versionDescription="d")
        self.assertEqual((code, msg), ("ValidationException",
                                       "Version description can only be set when publish is true"))
        code, msg = self.error(self.sfn.describe_state_machine, stateMachineArn=arn + ":7")
        self.assertEqual(code, "StateMachineDoesNotExist")
        self.assertEqual(msg, "State Machine Does Not Exist: '%s:7'" % arn)

    def test_update_publish_revisions_and_idempotence(self):
        arn = self.sfn.create_state_machine(name="v-upd", definition=definition("r0"),
                                            roleArn=ROLE)["stateMachineArn"]
        # Nothing changed: no revision id, and publishing twice is one version.
        u = self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("r0"), publish=True)
        self.assertEqual(u["stateMachineVersionArn"], arn + ":1")
        self.assertNotIn("revisionId", u)
        u = self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("r0"), publish=True)
        self.assertEqual(u["stateMachineVersionArn"], arn + ":1")
        u1 = self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("r1"))
        self.assertIn("revisionId", u1)
        p = self.sfn.publish_state_machine_version(stateMachineArn=arn, description="v2")
        self.assertEqual(p["stateMachineVersionArn"], arn + ":2")
        # Same revision again: the same version.
        self.assertEqual(self.sfn.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"],
                         arn + ":2")
        d = self.sfn.describe_state_machine(stateMachineArn=arn + ":2")
        self.assertEqual(d["revisionId"], u1["revisionId"])
        self.assertEqual(json.loads(d["definition"])["Comment"], "r1")
        self.assertEqual(self.sfn.describe_state_machine(stateMachineArn=arn)["revisionId"], u1["revisionId"])
        # revisionId must be the current one.
        u2 = self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("r2"))
        code, msg = self.error(self.sfn.publish_state_machine_version, stateMachineArn=arn,
                               revisionId=u1["revisionId"])
        self.assertEqual(code, "ConflictException")
        self.assertEqual(msg, "Failed to publish the State Machine version for revision %s. The current "
                              "State Machine revision is %s." % (u1["revisionId"], u2["revisionId"]))
        p = self.sfn.publish_state_machine_version(stateMachineArn=arn, revisionId=u2["revisionId"])
        self.assertEqual(p["stateMachineVersionArn"], arn + ":3")
        # Updating a version ARN is updating a machine that does not exist.
        code, _ = self.error(self.sfn.update_state_machine, stateMachineArn=arn + ":3", definition=definition("x"))
        self.assertEqual(code, "StateMachineDoesNotExist")
        code, _ = self.error(self.sfn.publish_state_machine_version, stateMachineArn=arn + "-nope")
        self.assertEqual(code, "StateMachineDoesNotExist")

    def test_initial_revision_id(self):
        arn = self.sfn.create_state_machine(name="v-init", definition=definition("r0"),
                                            roleArn=ROLE)["stateMachineArn"]
        p = self.sfn.publish_state_machine_version(stateMachineArn=arn, revisionId="INITIAL")
        self.assertEqual(p["stateMachineVersionArn"], arn + ":1")

    def test_list_pages_and_delete_never_reuses_numbers(self):
        arn = self.sfn.create_state_machine(name="v-list", definition=definition("r0"),
                                            roleArn=ROLE)["stateMachineArn"]
        for i in range(1, 8):
            u = self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("r%d" % i), publish=True)
            self.assertEqual(u["stateMachineVersionArn"], "%s:%d" % (arn, i))
        seen, token = [], None
        while True:
            kw = {"nextToken": token} if token else {}
            page = self.sfn.list_state_machine_versions(stateMachineArn=arn, maxResults=3, **kw)
            self.assertLessEqual(len(page["stateMachineVersions"]), 3)
            seen += [v["stateMachineVersionArn"] for v in page["stateMachineVersions"]]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(seen, ["%s:%d" % (arn, i) for i in range(7, 0, -1)])
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":7")
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":7")  # gone: still fine
        listed = self.sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
        self.assertEqual(len(listed), 6)
        # The current revision lost its version: a new number, not 7.
        p = self.sfn.publish_state_machine_version(stateMachineArn=arn)
        self.assertEqual(p["stateMachineVersionArn"], arn + ":8")
        code, _ = self.error(self.sfn.list_state_machine_versions, stateMachineArn=arn, nextToken="bogus")
        self.assertEqual(code, "InvalidToken")

    def test_start_on_version_runs_it_and_lists_by_version(self):
        arn = self.sfn.create_state_machine(name="v-start", definition=definition("old"), roleArn=ROLE,
                                            publish=True)["stateMachineArn"]
        self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("new"))
        plain = self.sfn.start_execution(stateMachineArn=arn)["executionArn"]
        on_v1 = self.sfn.start_execution(stateMachineArn=arn + ":1", name="on-v1")["executionArn"]
        self.assertEqual(on_v1, arn.replace(":stateMachine:", ":execution:") + ":on-v1")
        d = self.wait_done(on_v1)
        self.assertEqual(json.loads(d["output"]), "old")
        self.assertEqual(d["stateMachineArn"], arn)
        self.assertEqual(d["stateMachineVersionArn"], arn + ":1")
        self.assertNotIn("stateMachineAliasArn", d)
        d = self.wait_done(plain)
        self.assertEqual(json.loads(d["output"]), "new")
        self.assertNotIn("stateMachineVersionArn", d)
        f = self.sfn.describe_state_machine_for_execution(executionArn=on_v1)
        self.assertEqual(f["stateMachineArn"], arn)
        self.assertEqual(json.loads(f["definition"])["Comment"], "old")
        listed = self.sfn.list_executions(stateMachineArn=arn + ":1")["executions"]
        self.assertEqual([e["executionArn"] for e in listed], [on_v1])
        self.assertEqual(listed[0]["stateMachineVersionArn"], arn + ":1")
        self.assertEqual(listed[0]["stateMachineArn"], arn)
        both = self.sfn.list_executions(stateMachineArn=arn)["executions"]
        self.assertEqual(len(both), 2)
        code, _ = self.error(self.sfn.start_execution, stateMachineArn=arn + ":9")
        self.assertEqual(code, "StateMachineDoesNotExist")

    def test_running_execution_keeps_deleted_version(self):
        wait = json.dumps(WAIT_LONG)
        arn = self.sfn.create_state_machine(name="v-del-run", definition=wait, roleArn=ROLE,
                                            publish=True)["stateMachineArn"]
        ex = self.sfn.start_execution(stateMachineArn=arn + ":1")["executionArn"]
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
        d = self.sfn.describe_execution(executionArn=ex)
        self.assertEqual(d["status"], "RUNNING")
        self.assertEqual(d["stateMachineVersionArn"], arn + ":1")
        code, _ = self.error(self.sfn.start_execution, stateMachineArn=arn + ":1")
        self.assertEqual(code, "StateMachineDoesNotExist")
        self.sfn.stop_execution(executionArn=ex)


class TestAliases(VersionsTestCase):
    def machine(self, name, versions=2):
        arn = self.sfn.create_state_machine(name=name, definition=definition("r1"), roleArn=ROLE,
                                            publish=True)["stateMachineArn"]
        for i in range(2, versions + 1):
            self.sfn.update_state_machine(stateMachineArn=arn, definition=definition("r%d" % i), publish=True)
        return arn

    def test_lifecycle(self):
        arn = self.machine("a-life")
        route1 = [{"stateMachineVersionArn": arn + ":1", "weight": 100}]
        r = self.sfn.create_state_machine_alias(name="PROD", routingConfiguration=route1, description="d1")
        alias = r["stateMachineAliasArn"]
        self.assertEqual(alias, arn + ":PROD")
        # Idempotent with the same routing; a conflict with another.
        again = self.sfn.create_state_machine_alias(name="PROD", routingConfiguration=route1, description="d1")
        self.assertEqual(again["stateMachineAliasArn"], alias)
        code, msg = self.error(self.sfn.create_state_machine_alias, name="PROD", description="d1",
                               routingConfiguration=[{"stateMachineVersionArn": arn + ":2", "weight": 100}])
        self.assertEqual(code, "ConflictException")
        self.assertIn("a different routing configuration already exists", msg)
        d = self.sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
        self.assertEqual((d["name"], d["description"], d["routingConfiguration"]), ("PROD", "d1", route1))
        split = [{"stateMachineVersionArn": arn + ":1", "weight": 50},
                 {"stateMachineVersionArn": arn + ":2", "weight": 50}]
        self.sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=split)
        d = self.sfn.describe_state_machine_alias(stateMachineAliasArn=alias)
        self.assertEqual(d["routingConfiguration"], split)
        self.assertEqual(d["description"], "d1")
        self.sfn.create_state_machine_alias(name="BETA", routingConfiguration=route1)
        listed = self.sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]
        self.assertEqual([a["stateMachineAliasArn"] for a in listed], [alias, arn + ":BETA"])
        by_v2 = self.sfn.list_state_machine_aliases(stateMachineArn=arn + ":2")["stateMachineAliases"]
        self.assertEqual([a["stateMachineAliasArn"] for a in by_v2], [alias])
        page = self.sfn.list_state_machine_aliases(stateMachineArn=arn, maxResults=1)
        self.assertEqual(len(page["stateMachineAliases"]), 1)
        page2 = self.sfn.list_state_machine_aliases(stateMachineArn=arn, nextToken=page["nextToken"])
        self.assertEqual([a["stateMachineAliasArn"] for a in page2["stateMachineAliases"]], [arn + ":BETA"])
        # A version an alias routes to cannot be deleted.
        code, msg = self.error(self.sfn.delete_state_machine_version, stateMachineVersionArn=arn + ":1")
        self.assertEqual(code, "ConflictException")
        self.assertEqual(msg, "Version to be deleted must not be referenced by an alias. Current list of "
                              "aliases referencing this version: [PROD, BETA]")
        self.sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":BETA")
        self.sfn.delete_state_machine_alias(stateMachineAliasArn=arn + ":BETA")  # gone: still fine
        self.sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[split[1] | {"weight": 100}])
        self.sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":1")
        code, msg = self.error(self.sfn.describe_state_machine_alias, stateMachineAliasArn=arn + ":BETA")
        self.assertEqual((code, msg), ("ResourceNotFound", "Request references a resource that does not exist."))
        code, _ = self.error(self.sfn.update_state_machine_alias, stateMachineAliasArn=arn + ":BETA",
                             description="x")
        self.assertEqual(code, "ResourceNotFound")

    def test_routing_checks(self):
        arn = self.machine("a-check", versions=3)
        v = lambda n, w: {"stateMachineVersionArn": "%s:%d" % (arn, n), "weight": w}  # noqa: E731
        cases = [
            ([v(1, 70), v(2, 29)], "Sum of routing configuration weights must equal 100. Received: [70, 29]"),
            ([v(1, 50), v(1, 50)], "Routing configuration must contain distinct state machine version ARNs. "
                                   "Received: [%s:1, %s:1]" % (arn, arn)),
            ([{"stateMachineVersionArn": arn, "weight": 100}],
             "Routing configuration must contain state machine version ARNs. Received: [%s]" % arn),
            ([v(1, 101)], "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' "
                          "failed to satisfy constraint: Member must have value less than or equal to 100"),
        ]
        for routing, message in cases:
            code, msg = self.error(self.sfn.create_state_machine_alias, name="X", routingConfiguration=routing)
            self.assertEqual((code, msg), ("ValidationException", message))
        code, msg = self.error(self.sfn.create_state_machine_alias, name="X",
                               routingConfiguration=[v(1, 50), v(2, 30), v(3, 20)])
        self.assertEqual(code, "ValidationException")
        self.assertIn("Member must have length less than or equal to 2", msg)
        for bad in ("123", "has space", "ALIAS@"):
            code, msg = self.error(self.sfn.create_state_machine_alias, name=bad, routingConfiguration=[v(1, 100)])
            self.assertEqual(code, "ValidationException")
            self.assertIn("Value '%s' at 'name' failed to satisfy constraint" % bad, msg)
        code, _ = self.error(self.sfn.create_state_machine_alias, name="X", routingConfiguration=[v(9, 100)])
        self.assertEqual(code, "ResourceNotFound")

    def test_start_through_alias_routes_by_weight(self):
        arn = self.machine("a-route")
        alias = self.sfn.create_state_machine_alias(
            name="LIVE", routingConfiguration=[{"stateMachineVersionArn": arn + ":1", "weight": 70},
                                               {"stateMachineVersionArn": arn + ":2", "weight": 30}],
        )["stateMachineAliasArn"]
        runs = [self.sfn.start_execution(stateMachineArn=alias)["executionArn"] for _ in range(200)]
        outputs = {"r1": 0, "r2": 0}
        for ex in runs:
            d = self.wait_done(ex)
            outputs[json.loads(d["output"])] += 1
            self.assertEqual(d["stateMachineAliasArn"], alias)
            self.assertEqual(d["stateMachineVersionArn"], arn + (":1" if json.loads(d["output"]) == "r1" else ":2"))
        # 200 draws at 70/30: both routes taken, the heavier one more often.
        self.assertGreater(outputs["r1"], outputs["r2"])
        self.assertGreater(outputs["r2"], 0)
        listed = []
        token = None
        while True:
            kw = {"nextToken": token} if token else {}
            page = self.sfn.list_executions(stateMachineArn=alias, maxResults=100, **kw)
            listed += page["executions"]
            token = page.get("nextToken")
            if not token:
                break
        self.assertEqual(len(listed), 200)
        self.assertTrue(all(e["stateMachineAliasArn"] == alias for e in listed))
        self.assertEqual(len(self.sfn.list_executions(stateMachineArn=arn + ":2")["executions"]), outputs["r2"])
        code, _ = self.error(self.sfn.start_execution, stateMachineArn=arn + ":NOPE")
        self.assertEqual(code, "StateMachineDoesNotExist")

    def test_express_machine_is_not_listed(self):
        arn = self.sfn.create_state_machine(name="a-express", definition=json.dumps(PASS2), roleArn=ROLE,
                                            type="EXPRESS")["stateMachineArn"]
        self.sfn.start_execution(stateMachineArn=arn)
        code, msg = self.error(self.sfn.list_executions, stateMachineArn=arn)
        self.assertEqual((code, msg), ("StateMachineTypeNotSupported",
                                       "This operation is not supported by this type of state machine"))


class TestAwsCli(unittest.TestCase):
    """The same actions through the aws CLI (skipped when its botocore
    predates them: Debian's aws 2.9 does)."""

    def aws(self, server, *args):
        proc = subprocess.run([shutil.which("aws"), "stepfunctions", *args, "--endpoint-url", server.url,
                               "--output", "json"], capture_output=True, text=True, timeout=60)
        if "Invalid choice" in proc.stderr or "Unknown options: --publish" in proc.stderr:
            self.skipTest("this aws CLI (%s) predates state machine versions" % args[0])
        return proc

    def test_cli_versions_and_aliases(self):
        if shutil.which("aws") is None:
            self.skipTest("no aws CLI on PATH")
        server = Server()
        try:
            r = self.aws(server, "create-state-machine", "--name", "cli-v", "--role-arn", ROLE,
                         "--definition", definition("r1"), "--publish", "--version-description", "one")
            self.assertEqual(r.returncode, 0, r.stderr)
            arn = json.loads(r.stdout)["stateMachineArn"]
            self.assertEqual(json.loads(r.stdout)["stateMachineVersionArn"], arn + ":1")
            r = self.aws(server, "update-state-machine", "--state-machine-arn", arn, "--definition",
                         definition("r2"))
            self.assertEqual(r.returncode, 0, r.stderr)
            r = self.aws(server, "publish-state-machine-version", "--state-machine-arn", arn)
            self.assertEqual(json.loads(r.stdout)["stateMachineVersionArn"], arn + ":2")
            r = self.aws(server, "list-state-machine-versions", "--state-machine-arn", arn)
            self.assertEqual([v["stateMachineVersionArn"] for v in json.loads(r.stdout)["stateMachineVersions"]],
                             [arn + ":2", arn + ":1"])
            routing = json.dumps([{"stateMachineVersionArn": arn + ":1", "weight": 100}])
            r = self.aws(server, "create-state-machine-alias", "--name", "PROD", "--routing-configuration", routing)
            self.assertEqual(r.returncode, 0, r.stderr)
            alias = json.loads(r.stdout)["stateMachineAliasArn"]
            r = self.aws(server, "start-execution", "--state-machine-arn", alias, "--name", "cli-run")
            ex = json.loads(r.stdout)["executionArn"]
            deadline = time.time() + 30
            while True:
                d = json.loads(self.aws(server, "describe-execution", "--execution-arn", ex).stdout)
                if d["status"] != "RUNNING":
                    break
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            self.assertEqual((d["stateMachineAliasArn"], d["stateMachineVersionArn"], json.loads(d["output"])),
                             (alias, arn + ":1", "r1"))
            r = self.aws(server, "delete-state-machine-version", "--state-machine-version-arn", arn + ":1")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("ConflictException", r.stderr)
            r = self.aws(server, "delete-state-machine-alias", "--state-machine-alias-arn", alias)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = self.aws(server, "list-state-machine-aliases", "--state-machine-arn", arn)
            self.assertEqual(json.loads(r.stdout)["stateMachineAliases"], [])
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()


class TestRestart(unittest.TestCase):
    def test_versions_and_aliases_survive_a_restart(self):
        first = Server()
        try:
            sfn = first.client()
            if not has_versions(sfn):
                self.skipTest("botocore %s has no state machine versions" % botocore.__version__)
            arn = sfn.create_state_machine(name="keep", definition=definition("r1"), roleArn=ROLE,
                                           publish=True, versionDescription="one")["stateMachineArn"]
            u = sfn.update_state_machine(stateMachineArn=arn, definition=definition("r2"), publish=True)
            sfn.delete_state_machine_version(stateMachineVersionArn=arn + ":2")
            sfn.update_state_machine(stateMachineArn=arn, definition=definition("r3"), publish=True)
            sfn.create_state_machine_alias(name="PROD", description="p",
                                           routingConfiguration=[{"stateMachineVersionArn": arn + ":1",
                                                                  "weight": 100}])
            ex = sfn.start_execution(stateMachineArn=arn + ":PROD", name="via-alias")["executionArn"]
            deadline = time.time() + 30
            while sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            self.assertEqual(first.stop(), 0)
            second = Server(db=first.db)
            try:
                sfn = second.client()
                versions = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
                self.assertEqual([v["stateMachineVersionArn"] for v in versions], [arn + ":3", arn + ":1"])
                d = sfn.describe_state_machine(stateMachineArn=arn + ":1")
                self.assertEqual((json.loads(d["definition"])["Comment"], d["description"]), ("r1", "one"))
                d3 = sfn.describe_state_machine(stateMachineArn=arn + ":3")
                self.assertEqual(json.loads(d3["definition"])["Comment"], "r3")
                self.assertNotEqual(d3["revisionId"], u["revisionId"])
                a = sfn.describe_state_machine_alias(stateMachineAliasArn=arn + ":PROD")
                self.assertEqual(a["description"], "p")
                e = sfn.describe_execution(executionArn=ex)
                self.assertEqual((e["stateMachineAliasArn"], e["stateMachineVersionArn"]),
                                 (arn + ":PROD", arn + ":1"))
                # Numbers go on after the highest ever published.
                sfn.update_state_machine(stateMachineArn=arn, definition=definition("r4"))
                p = sfn.publish_state_machine_version(stateMachineArn=arn)
                self.assertEqual(p["stateMachineVersionArn"], arn + ":4")
                out = sfn.start_execution(stateMachineArn=arn + ":1")["executionArn"]
                deadline = time.time() + 30
                while sfn.describe_execution(executionArn=out)["status"] == "RUNNING":
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.05)
                self.assertEqual(json.loads(sfn.describe_execution(executionArn=out)["output"]), "r1")
                self.assertEqual(second.stop(), 0)
            finally:
                second.cleanup()
        finally:
            first.cleanup()


class TestKill(unittest.TestCase):
    def test_execution_on_a_version_resumes_on_it_after_a_kill(self):
        first = Server()
        try:
            sfn = first.client()
            if not has_versions(sfn):
                self.skipTest("botocore %s has no state machine versions" % botocore.__version__)
            wait = lambda out: json.dumps({"StartAt": "W", "States": {  # noqa: E731
                "W": {"Type": "Wait", "Seconds": 2, "Next": "P"},
                "P": {"Type": "Pass", "Result": out, "End": True}}})
            arn = sfn.create_state_machine(name="kill-v", definition=wait("v1"), roleArn=ROLE,
                                           publish=True)["stateMachineArn"]
            sfn.update_state_machine(stateMachineArn=arn, definition=wait("current"))
            sfn.create_state_machine_alias(name="A", routingConfiguration=[
                {"stateMachineVersionArn": arn + ":1", "weight": 100}])
            ex = sfn.start_execution(stateMachineArn=arn + ":A")["executionArn"]
            first.kill()
            second = Server(db=first.db)
            try:
                sfn = second.client()
                d = sfn.describe_execution(executionArn=ex)
                self.assertEqual((d["stateMachineVersionArn"], d["stateMachineAliasArn"]), (arn + ":1", arn + ":A"))
                deadline = time.time() + 30
                while d["status"] == "RUNNING":
                    self.assertLess(time.time(), deadline)
                    time.sleep(0.1)
                    d = sfn.describe_execution(executionArn=ex)
                self.assertEqual((d["status"], json.loads(d["output"])), ("SUCCEEDED", "v1"))
                self.assertEqual(second.stop(), 0)
            finally:
                second.cleanup()
        finally:
            first.cleanup()


if __name__ == "__main__":
    if boto3 is None:
        print("skipped: boto3 is not importable", file=sys.stderr)
        sys.exit(77)
    result = unittest.main(exit=False).result
    if not result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if result.skipped and len(result.skipped) >= result.testsRun else 0)
