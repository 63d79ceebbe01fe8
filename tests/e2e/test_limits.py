"""AWS's limits are enforced by default and lifted by --limits none."""
import unittest

from stepd_test import StepdTestCase

LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Result": {"i": 0}, "Next": "Inc"},
        "Inc": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice",
                  "Choices": [{"Variable": "$.i", "NumericLessThan": 7000, "Next": "Inc"}],
                  "Default": "Done"},
        "Done": {"Type": "Succeed"},
    },
}


class Limits(StepdTestCase):
    def test_history_event_limit(self):
        # 7,000 rounds of two states: 28,000 events, over AWS's 25,000.
        r = self.run_def(LOOP, "--wait-scale", "0")
        self.assertEqual(r.code, 1, r.stderr)
        self.assertEqual(r.error["error"], "States.Runtime")
        self.assertIn("25000", r.error["cause"])
        r = self.run_def(LOOP, "--limits", "none")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, {"i": 7000})

    def test_intrinsic_argument_limit(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True,
                                              "Parameters": {"r.$": "States.ArrayRange(1, 2000, 1)"}}}}
        r = self.run_def(d)
        self.assertEqual(r.code, 1, r.stderr)
        self.assertEqual(r.error["error"], "States.Runtime")
        self.assertIn("ArrayRange", r.error["cause"])
        r = self.run_def(d, "--limits", "none")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(r.output["r"]), 2000)

    def test_state_output_limit(self):
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True,
                                              "Parameters": {"big.$": "States.ArrayRange(1, 1000, 1)",
                                                             "s.$": "$.s"}}}}
        big = self.write("big.json", {"s": "x" * (255 * 1024)})
        r = self.run_def(d, "--input-file", big)
        self.assertEqual(r.code, 1, r.stderr)
        self.assertEqual(r.error["error"], "States.DataLimitExceeded")
        r = self.run_def(d, "--limits", "none", "--input-file", big)
        self.assertEqual(r.code, 0, r.stderr)

    def test_state_output_limit_counts_the_text_not_its_escapes(self):
        # 240 KB of JSON text, whose copy escaped into a history event is
        # 400 KB: under the limit, which is on the text.
        d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
        doc = {"a": [""] * 80000}
        big = self.write("escapes.json", doc)
        r = self.run_def(d, "--input-file", big)
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(r.output, doc)


if __name__ == "__main__":
    unittest.main()
