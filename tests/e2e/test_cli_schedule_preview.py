"""End-to-end tests of `stepd schedule preview`: fire times on stdout, one
ISO 8601 UTC time a line; an invalid expression exits 2 naming where."""
import unittest

from stepd_test import StepdTestCase


class Preview(StepdTestCase):
    def preview(self, *args):
        return self.stepd("schedule", "preview", *args)

    def test_nightly_in_new_york_across_spring_forward(self):
        r = self.preview("cron(30 2 * * ? *)", "--timezone", "America/New_York",
                         "--from", "2026-03-06T00:00:00Z", "--count", "3")
        self.assertEqual(r.code, 0, r.stderr)
        # 02:30 does not exist on 2026-03-08 in New York: skipped.
        self.assertEqual(r.stdout.split(), ["2026-03-06T07:30:00Z", "2026-03-07T07:30:00Z",
                                            "2026-03-09T06:30:00Z"])

    def test_default_count_is_ten(self):
        r = self.preview("rate(5 minutes)", "--from", "2026-01-01T00:00:00Z")
        self.assertEqual(r.code, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 10)
        self.assertEqual(lines[0], "2026-01-01T00:00:00Z")
        self.assertEqual(lines[9], "2026-01-01T00:45:00Z")

    def test_from_defaults_to_now(self):
        r = self.preview("rate(1 day)", "--count", "2")
        self.assertEqual(r.code, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 2)

    def test_one_time_schedule_lists_one(self):
        r = self.preview("at(2030-01-01T00:00:00)", "--timezone", "Europe/London",
                         "--from", "2026-01-01T00:00:00Z")
        self.assertEqual(r.stdout.split(), ["2030-01-01T00:00:00Z"])

    def test_invalid_expression_exits_2_with_place(self):
        r = self.preview("cron(0 2 * * * *)")
        self.assertEqual(r.code, 2)
        self.assertEqual(r.stdout, "")
        self.assertIn("Invalid Schedule Expression cron(0 2 * * * *).", r.stderr)
        self.assertIn("day-of-week at column 14", r.stderr)
        r = self.preview("rate(1 hours)")
        self.assertEqual(r.code, 2)
        self.assertIn("rate unit at column 8: use 'hour'", r.stderr)

    def test_bad_options_exit_2(self):
        self.assertEqual(self.preview("rate(1 day)", "--timezone", "Nowhere/Special").code, 2)
        self.assertEqual(self.preview("rate(1 day)", "--from", "yesterday").code, 2)
        self.assertEqual(self.preview("rate(1 day)", "--count", "0").code, 2)
        self.assertEqual(self.preview().code, 2)


if __name__ == "__main__":
    unittest.main()
