/* States.Base64Encode, States.Base64Decode and States.Hash, with the
 * results AWS recorded (test_base_64_*, test_hash) and the 10,000-character
 * input limits. */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "engine/err.h"
#include "helpers.h"

static int eq(const char *expr, const char *input, const char *expected) {
  struct sd_err err = { 0 };
  json_t *out = intr_run(expr, input, &err);
  if (out == NULL)
    fprintf(stderr, "%s on %s: %s: %s\n", expr, input, err.name, err.cause);
  int rc = sd_test_json_eq(out, expected, __FILE__, __LINE__);
  json_decref(out);
  sd_err_clear(&err);
  return rc;
}

/* {"s": "<n copies of unit>"} */
static char *repeat_input(const char *unit, size_t n) {
  size_t u = strlen(unit);
  char *s = malloc(n * u + 16);
  strcpy(s, "{\"s\": \"");
  for (size_t i = 0; i < n; i++)
    memcpy(s + 7 + i * u, unit, u);
  strcpy(s + 7 + n * u, "\"}");
  return s;
}

TEST(base64_aws_cases) {
  ASSERT(eq("States.Base64Encode($.FunctionInput)", "{\"FunctionInput\": \"\"}", "\"\"") == 0);
  ASSERT(eq("States.Base64Encode($.FunctionInput)", "{\"FunctionInput\": \"Data to encode\"}",
            "\"RGF0YSB0byBlbmNvZGU=\"") == 0);
  ASSERT(eq("States.Base64Decode($.FunctionInput)", "{\"FunctionInput\": \"\"}", "\"\"") == 0);
  ASSERT(eq("States.Base64Decode($.FunctionInput)", "{\"FunctionInput\": \"RGF0YSB0byBlbmNvZGU=\"}",
            "\"Data to encode\"") == 0);
  ASSERT(eq("States.Base64Encode('Hello World')", "{}", "\"SGVsbG8gV29ybGQ=\"") == 0);
  return 0;
}

TEST(base64_padding_and_utf8) {
  ASSERT(eq("States.Array(States.Base64Encode('a'), States.Base64Encode('ab'), States.Base64Encode('abc'))",
            "{}", "[\"YQ==\", \"YWI=\", \"YWJj\"]") == 0);
  ASSERT(eq("States.Base64Encode('caf\xc3\xa9')", "{}", "\"Y2Fmw6k=\"") == 0);
  ASSERT(eq("States.Base64Decode('Y2Fmw6k=')", "{}", "\"caf\\u00e9\"") == 0);
  /* Padding is optional, as in java.util.Base64. */
  ASSERT(eq("States.Base64Decode('YQ')", "{}", "\"a\"") == 0);
  ASSERT(eq("States.Base64Decode('YWI')", "{}", "\"ab\"") == 0);
  /* Bytes that are not UTF-8 become U+FFFD. */
  ASSERT(eq("States.Base64Decode('/w==')", "{}", "\"\\ufffd\"") == 0);
  ASSERT(eq("States.Base64Decode('YeKC')", "{}", "\"a\\ufffd\"") == 0);
  struct sd_err err = { 0 };
  json_t *nul = intr_run("States.Base64Decode('AGE=')", "{}", &err); /* NUL, 'a' */
  ASSERT(nul != NULL && json_string_length(nul) == 2 && memcmp(json_string_value(nul), "\0a", 2) == 0);
  json_decref(nul);
  return 0;
}

TEST(base64_decode_rejects_malformed) {
  const char *bad[] = { "States.Base64Decode('Y')",     "States.Base64Decode('YQ=')",
                        "States.Base64Decode('YQ==x')", "States.Base64Decode('Y===')",
                        "States.Base64Decode('====')",  "States.Base64Decode('YQ ==')",
                        "States.Base64Decode('@@@@')",  "States.Base64Decode('YWJj\n')" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT_STR_EQ(intr_fail(bad[i], "{}"),
                  "Invalid arguments in States.Base64Decode: the input is not valid base64");
  ASSERT_STR_EQ(intr_fail("States.Base64Encode($.n)", "{\"n\": 1}"),
                "Invalid arguments in States.Base64Encode: the input must be a string, not a number");
  return 0;
}

/* 10,000 characters as Java counts them: UTF-16 code units, so an emoji
 * outside the BMP counts twice. */
TEST(text_input_limit) {
  const char *fns[] = { "States.Base64Encode($.s)", "States.Base64Decode($.s)", "States.Hash($.s, 'MD5')" };
  const char *names[] = { "States.Base64Encode", "States.Base64Decode", "States.Hash" };
  char *ok = repeat_input("AAAA", 2500), *over = repeat_input("AAAA", 2501);
  char *emoji_ok = repeat_input("\xf0\x9f\x98\x80", 5000),
       *emoji_over = repeat_input("\xf0\x9f\x98\x80", 5001);
  for (int i = 0; i < 3; i++) {
    ASSERT_STR_EQ(intr_fail(fns[i], ok), "");
    char want[160];
    snprintf(want, sizeof want, "Invalid arguments in %s: the input has 10004 characters; the limit is 10000",
             names[i]);
    ASSERT_STR_EQ(intr_fail(fns[i], over), want);
    struct sd_err err = { 0 };
    json_t *out = intr_run_env(fns[i], over, NULL, false, NULL, &err); /* no limits */
    ASSERT(out != NULL);
    json_decref(out);
  }
  ASSERT_STR_EQ(intr_fail("States.Hash($.s, 'SHA-1')", emoji_ok), "");
  ASSERT_STR_EQ(intr_fail("States.Hash($.s, 'SHA-1')", emoji_over),
                "Invalid arguments in States.Hash: the input has 10002 characters; the limit is 10000");
  free(ok);
  free(over);
  free(emoji_ok);
  free(emoji_over);
  return 0;
}

TEST(hash_aws_cases) {
  const char *e = "States.Hash($.FunctionInput.fst, $.FunctionInput.snd)";
  ASSERT(eq(e, "{\"FunctionInput\": {\"fst\": \"input data\", \"snd\": \"MD5\"}}",
            "\"812f45842bc6d66ee14572ce20db8e86\"") == 0);
  ASSERT(eq(e, "{\"FunctionInput\": {\"fst\": \"input data\", \"snd\": \"SHA-1\"}}",
            "\"aaff4a450a104cd177d28d18d74485e8cae074b7\"") == 0);
  ASSERT(eq(e, "{\"FunctionInput\": {\"fst\": \"input data\", \"snd\": \"SHA-256\"}}",
            "\"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3\"") == 0);
  ASSERT(eq(e, "{\"FunctionInput\": {\"fst\": \"input data\", \"snd\": \"SHA-384\"}}",
            "\"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a155"
            "62\"") == 0);
  ASSERT(eq(e, "{\"FunctionInput\": {\"fst\": \"input data\", \"snd\": \"SHA-512\"}}",
            "\"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc5028373"
            "1a533d30d4"
            "25402d4f91316d871303aac4\"") == 0);
  return 0;
}

TEST(hash_checks) {
  ASSERT_STR_EQ(
      intr_fail("States.Hash('a', 'SHA-224')", "{}"),
      "Invalid arguments in States.Hash: the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  ASSERT_STR_EQ(
      intr_fail("States.Hash('a', 'sha-256')", "{}"),
      "Invalid arguments in States.Hash: the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  ASSERT_STR_EQ(
      intr_fail("States.Hash('a', 1)", "{}"),
      "Invalid arguments in States.Hash: the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  ASSERT_STR_EQ(intr_fail("States.Hash($.a, 'MD5')", "{\"a\": {}}"),
                "Invalid arguments in States.Hash: the input must be a string, not an object");
  return 0;
}
