"""End-to-end tests of `stepd validate`."""
import json
import unittest

from stepd_test import StepdTestCase


def task(resource, **extra):
    t = {"Type": "Task", "Resource": resource, "End": True}
    t.update(extra)
    return {"StartAt": "T", "States": {"T": t}}


class Validate(StepdTestCase):
    def validate(self, definition, *args):
        path = self.write("d.asl.json", definition)
        r = self.stepd("validate", path, *args)
        return r, json.loads(r.stdout)

    def test_valid_definition(self):
        r, out = self.validate({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
        self.assertEqual(r.code, 0)
        self.assertEqual(out["result"], "OK")

    def test_syntax_error_has_line_and_column(self):
        r, out = self.validate('{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass" "End": true}}\n}')
        self.assertEqual(r.code, 2)
        self.assertEqual(out["result"], "FAIL")
        self.assertRegex(out["diagnostics"][0]["location"], r"^3:\d+$")

    def test_unknown_field_located_by_pointer(self):
        r, out = self.validate({"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B", "End": True}}})
        self.assertEqual(r.code, 2)
        locs = [d["location"] for d in out["diagnostics"]]
        self.assertTrue(any(l.startswith("/States/A") for l in locs), locs)

    def test_unrecognised_resource_with_hint(self):
        r, out = self.validate(task("arn:aws:states:::glue:startCrawler", Parameters={"CrawlerName": "c"}))
        self.assertEqual(r.code, 2)
        text = json.dumps(out)
        self.assertIn("is not recognized", text)
        self.assertIn("arn:aws:states:::aws-sdk:glue:startCrawler", text)

    def test_known_but_unserved_resource_is_a_warning(self):
        r, out = self.validate(task("arn:aws:states:::aws-sdk:dynamodb:getItem",
                                    Parameters={"TableName": "t", "Key": {"k": {"S": "v"}}}))
        self.assertEqual(r.code, 0)
        codes = [(d["severity"], d["code"]) for d in out["diagnostics"]]
        self.assertIn(("WARNING", "RESOURCE_NOT_SERVED"), codes)

    def test_express_rules(self):
        d = task("arn:aws:states:::states:startExecution.sync", Parameters={"StateMachineArn": "x"})
        self.assertEqual(self.validate(d)[0].code, 0)
        r, out = self.validate(d, "--type", "EXPRESS")
        self.assertEqual(r.code, 2)
        self.assertIn(".sync", json.dumps(out))

    def test_unreachable_state(self):
        r, out = self.validate({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True},
                                                           "B": {"Type": "Pass", "End": True}}})
        self.assertEqual(r.code, 2)
        self.assertIn("/States/B", [d["location"] for d in out["diagnostics"]])


if __name__ == "__main__":
    unittest.main()
