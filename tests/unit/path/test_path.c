/* sd_path_compile / sd_path_get: every syntax form, AWS's causes, the
 * definite/indefinite split and reference-path rejection. */
#include "path_test.h"

#include "engine/path.h"

static const char *const store = "{\"store\": {\"book\": ["
                                 "{\"title\": \"A\", \"price\": 8.95, \"tags\": [\"x\"]},"
                                 "{\"title\": \"B\", \"price\": 12.99, \"isbn\": \"1\"},"
                                 "{\"title\": \"C\", \"price\": 22, \"isbn\": \"2\"}],"
                                 "\"bicycle\": {\"color\": \"red\", \"price\": 19.95}}, \"limit\": 10}";

TEST(path_accessors) {
  struct sd_err err = { 0 };
  struct sd_path *p = sd_path_compile("$.a.b", 0, &err);
  ASSERT(p != NULL);
  ASSERT_STR_EQ(sd_path_text(p), "$.a.b");
  ASSERT(!sd_path_is_context(p) && !sd_path_is_root(p) && sd_path_is_definite(p));
  sd_path_free(p);
  p = sd_path_compile("$$", 0, &err);
  ASSERT(sd_path_is_context(p) && sd_path_is_root(p) && sd_path_is_definite(p));
  sd_path_free(p);
  p = sd_path_compile("$", SD_PATH_REF, &err);
  ASSERT(!sd_path_is_context(p) && sd_path_is_root(p));
  sd_path_free(p);
  const char *indefinite[] = { "$[*]", "$.*", "$..a", "$[0,1]", "$[1:]", "$[?(@.a)]", "$['a','b'].c" };
  for (size_t i = 0; i < sizeof indefinite / sizeof indefinite[0]; i++) {
    p = sd_path_compile(indefinite[i], 0, &err);
    ASSERT(p != NULL && !sd_path_is_definite(p));
    sd_path_free(p);
  }
  const char *definite[] = { "$[0]", "$['a']", "$['a','b']", "$.a.length()", "$[-1]" };
  for (size_t i = 0; i < sizeof definite / sizeof definite[0]; i++) {
    p = sd_path_compile(definite[i], 0, &err);
    ASSERT(p != NULL && sd_path_is_definite(p));
    sd_path_free(p);
  }
  ASSERT(err.name == NULL);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_root_returns_the_document_itself) {
  json_t *doc = sd_test_json("{\"a\": [1, 2]}");
  struct sd_path *p = sd_path_compile("$", 0, NULL);
  json_t *out = sd_path_get(p, doc, NULL, NULL);
  ASSERT(out == doc);
  json_decref(out);
  sd_path_free(p);
  p = sd_path_compile("$.a", 0, NULL);
  out = sd_path_get(p, doc, NULL, NULL);
  ASSERT(out == json_object_get(doc, "a"));
  json_decref(out);
  sd_path_free(p);
  json_decref(doc);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_names_dot_and_bracket) {
  ASSERT_PATH("$.a.b", "{\"a\": {\"b\": 1}}", "1");
  ASSERT_PATH("$['a']['b']", "{\"a\": {\"b\": 2}}", "2");
  ASSERT_PATH("$[\"a\"][\"b\"]", "{\"a\": {\"b\": 3}}", "3");
  ASSERT_PATH("$.a['b c'].d", "{\"a\": {\"b c\": {\"d\": 4}}}", "4");
  ASSERT_PATH("$.abc.['def ghi']", "{\"abc\": {\"def ghi\": 5}}", "5");
  ASSERT_PATH("$.delivery-partner", "{\"delivery-partner\": \"UQS\"}", "\"UQS\"");
  ASSERT_PATH("$.a:b$c", "{\"a:b$c\": true}", "true");
  ASSERT_PATH("$['a.b']", "{\"a.b\": null, \"a\": {\"b\": 1}}", "null");
  ASSERT_PATH("$['']", "{\"\": 7}", "7");
  ASSERT_PATH("$[ 'a' ]", "{\"a\": 8}", "8");
  ASSERT_PATH("$.a ", "{\"a\": 9}", "9"); /* trailing blanks are trimmed */
  ASSERT_PATH("$.\xc3\xa9t\xc3\xa9", "{\"\xc3\xa9t\xc3\xa9\": 1}", "1");
  ASSERT_NO_LEAKS();
  return 0;
}

/* From the conformance corpus: a backslash inside quotes only protects the
 * next character; the name keeps it. */
TEST(path_bracket_name_keeps_backslashes) {
  ASSERT_PATH("$['Test\\\"\"Name\"']", "{\"Test\\\\\\\"\\\"Name\\\"\": \"Value\\\"\\\\\"}",
              "\"Value\\\"\\\\\"");
  ASSERT_PATH("$['it\\'s']", "{\"it\\\\'s\": 1}", "1");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_indexes) {
  ASSERT_PATH("$[0]", "[\"a\", \"b\"]", "\"a\"");
  ASSERT_PATH("$.a[1]", "{\"a\": [1, 2, 3]}", "2");
  ASSERT_PATH("$.a[-1]", "{\"a\": [1, 2, 3]}", "3");
  ASSERT_PATH("$.a[-3]", "{\"a\": [1, 2, 3]}", "1");
  ASSERT_PATH("$.a[ 1 ]", "{\"a\": [1, 2, 3]}", "2");
  ASSERT_PATH("$[0][1]", "[[1, 2]]", "2");
  ASSERT_PATH("$.items[0]", "{\"items\": [{\"item_key\": 0}, {\"item_key\": 1}]}", "{\"item_key\": 0}");
  ASSERT_PATH("$.a[0,2]", "{\"a\": [1, 2, 3]}", "[1, 3]");
  ASSERT_PATH("$.a[2,0,9,-1]", "{\"a\": [1, 2, 3]}", "[3, 1, 3]");
  ASSERT_PATH_FAILS("$.a[3]", "{\"a\": [1, 2, 3]}", "Invalid path '$.a[3]' : No results for path: $['a'][3]");
  ASSERT_PATH_FAILS("$.a[-4]", "{\"a\": [1, 2, 3]}",
                    "Invalid path '$.a[-4]' : No results for path: $['a'][-4]");
  ASSERT_PATH_FAILS("$.a[5].b", "{\"a\": []}",
                    "Invalid path '$.a[5].b' : No results for path: $['a'][5]['b']");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_wildcards) {
  ASSERT_PATH("$[*]", "[1, [2], {\"a\": 3}]", "[1, [2], {\"a\": 3}]");
  ASSERT_PATH("$.*", "{\"b\": 1, \"a\": 2}", "[1, 2]");
  ASSERT_PATH("$[*]", "{\"b\": 1, \"a\": 2}", "[1, 2]");
  ASSERT_PATH("$.store.book[*].title", store, "[\"A\", \"B\", \"C\"]");
  ASSERT_PATH("$.store.book[*].isbn", store, "[\"1\", \"2\"]");
  ASSERT_PATH("$.store.*.price", store, "[19.95]");
  ASSERT_PATH("$[*][*]", "[[1, 2], [3], 4]", "[1, 2, 3]"); /* AWS's "flatten" idiom */
  ASSERT_PATH("$[*]", "\"text\"", "[]");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_deep_scan) {
  ASSERT_PATH("$..price", store, "[8.95, 12.99, 22, 19.95]");
  ASSERT_PATH("$..book[0].title", store, "[\"A\"]");
  ASSERT_PATH("$..['color','limit']", store, "[]"); /* no object holds both */
  ASSERT_PATH("$..['title','isbn']", store,
              "[{\"title\": \"B\", \"isbn\": \"1\"}, {\"title\": \"C\", \"isbn\": \"2\"}]");
  ASSERT_PATH("$..*", "{\"a\": {\"b\": 1}, \"c\": [2]}", "[{\"b\": 1}, [2], 1, 2]");
  ASSERT_PATH("$..[1]", "{\"a\": [1, 2], \"b\": {\"c\": [3, 4, 5]}}", "[2, 4]");
  ASSERT_PATH("$..[?(@.price > 20)].title", store, "[\"C\"]");
  ASSERT_PATH("$..x", "{\"x\": 1, \"y\": [{\"x\": 2}, {\"z\": {\"x\": 3}}]}", "[1, 2, 3]");
  /* Jayway's quirk: on an array, a non-final step after ".." is skipped
   * and the next one applied to every element. */
  ASSERT_PATH("$..[0].v", "{\"a\": [{\"v\": 1}, {\"v\": 2}]}", "[1, 2]");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_slices) {
  const char *a = "{\"a\": [0, 1, 2, 3, 4]}";
  ASSERT_PATH("$.a[1:3]", a, "[1, 2]");
  ASSERT_PATH("$.a[3:]", a, "[3, 4]");
  ASSERT_PATH("$.a[:2]", a, "[0, 1]");
  ASSERT_PATH("$.a[-2:]", a, "[3, 4]");
  ASSERT_PATH("$.a[:-3]", a, "[0, 1]");
  ASSERT_PATH("$.a[2:99]", a, "[2, 3, 4]");
  ASSERT_PATH("$.a[3:1]", a, "[]");
  ASSERT_PATH("$.a[1:4:2]", a, "[1, 2, 3]"); /* a step is ignored, as in Jayway */
  ASSERT_PATH("$.a[-2:-1]", a, "[3]");
  ASSERT_PATH("$[-5:2]", "[7, 8, 9]", "[7, 8, 9, 7, 8]");
  ASSERT_PATH("$.a[1:]", "{\"a\": {\"x\": 1}}", "[]");
  ASSERT_NO_LEAKS();
  return 0;
}

/* From the conformance corpus: indefinite paths on missing data give [],
 * never an error. */
TEST(path_indefinite_never_fails) {
  ASSERT_PATH("$[*]", "{}", "[]");
  ASSERT_PATH("$.items[*]", "{}", "[]");
  ASSERT_PATH("$.items[*].itemValue", "{}", "[]");
  ASSERT_PATH("$.item.items[1:5]", "{}", "[]");
  ASSERT_PATH("$.item.items[1:5].itemValue", "{}", "[]");
  ASSERT_PATH("$.item.items[:1]", "{}", "[]");
  ASSERT_PATH("$.items[1:].itemValue", "{}", "[]");
  ASSERT_PATH("$.a.b[?(@.c)]", "{\"a\": 5}", "[]");
  ASSERT_PATH("$.a[0,1]", "{\"a\": \"s\"}", "[]");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_unions_of_names) {
  ASSERT_PATH("$['a','b']", "{\"a\": 1, \"b\": 2, \"c\": 3}", "{\"a\": 1, \"b\": 2}");
  ASSERT_PATH("$['a', 'zz']", "{\"a\": 1, \"b\": 2}", "{\"a\": 1}");
  ASSERT_PATH("$['a','b'].v", "{\"a\": {\"v\": 1}, \"b\": {\"v\": 2}}", "[1, 2]");
  ASSERT_PATH("$.x[*]['a','b']", "{\"x\": [{\"a\": 1}, {\"b\": 2, \"c\": 3}]}", "[{\"a\": 1}, {\"b\": 2}]");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_filters_compare) {
  const char *users = "{\"users\": [{\"year\": 1997, \"status\": 0}, {\"year\": 1998, \"status\": 1}]}";
  ASSERT_PATH("$.users[?(@.status == 0)]", users, "[{\"year\": 1997, \"status\": 0}]"); /* corpus */
  ASSERT_PATH("$.users[?(@.status != 0)].year", users, "[1998]");
  ASSERT_PATH("$.users[?(@.year < 1998)].year", users, "[1997]");
  ASSERT_PATH("$.users[?(@.year <= 1998)].year", users, "[1997, 1998]");
  ASSERT_PATH("$.users[?(@.year > 1997)].year", users, "[1998]");
  ASSERT_PATH("$.users[?(@.year >= 1999)].year", users, "[]");
  ASSERT_PATH("$.store.book[?(@.price < 10.5)].title", store, "[\"A\"]");
  ASSERT_PATH("$.store.book[?(@.title == 'B')].price", store, "[12.99]");
  ASSERT_PATH("$.store.book[?(@.title == \"C\")].price", store, "[22]");
  ASSERT_PATH("$.store.book[?(@.title > 'A')].title", store, "[\"B\", \"C\"]");
  ASSERT_PATH("$.store.book[?(@.price == 22.0)].title", store, "[\"C\"]");
  ASSERT_PATH("$.store.book[?(@.price <= $.limit)].title", store, "[\"A\"]");
  ASSERT_PATH("$[?(@.v == true)].n", "[{\"v\": true, \"n\": 1}, {\"v\": \"true\", \"n\": 2}]", "[1]");
  ASSERT_PATH("$[?(@.v == null)].n", "[{\"v\": null, \"n\": 1}, {\"n\": 2}, {\"v\": 0, \"n\": 3}]", "[1]");
  ASSERT_PATH("$[?(@.v != null)].n", "[{\"v\": null, \"n\": 1}, {\"n\": 2}, {\"v\": 0, \"n\": 3}]", "[2, 3]");
  ASSERT_PATH("$[?(@.v == 1)].n", "[{\"v\": \"1\", \"n\": 1}, {\"v\": \"x\", \"n\": 2}]", "[1]");
  ASSERT_PATH("$[?(@.v < 2)].n", "[{\"v\": \"1\", \"n\": 1}, {\"v\": 1, \"n\": 2}]", "[2]");
  ASSERT_PATH("$[?(@.v == [1,2])].n", "[{\"v\": [1, 2], \"n\": 1}, {\"v\": [2], \"n\": 2}]", "[1]");
  ASSERT_PATH("$[?(@ > 1)]", "[1, 2, 3]", "[2, 3]");
  ASSERT_PATH("$[?(@.a == -1.5e1)].a", "[{\"a\": -15}, {\"a\": 15}]", "[-15]");
  ASSERT_PATH("$[?(@.s == 'a\\'b')].s", "[{\"s\": \"a'b\"}, {\"s\": \"ab\"}]", "[\"a'b\"]");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_filters_logic_and_existence) {
  ASSERT_PATH("$.store.book[?(@.isbn)].title", store, "[\"B\", \"C\"]");
  ASSERT_PATH("$.store.book[?(!@.isbn)].title", store, "[\"A\"]");
  ASSERT_PATH("$.store.book[?(@.isbn && @.price > 20)].title", store, "[\"C\"]");
  ASSERT_PATH("$.store.book[?(@.price < 9 || @.price > 20)].title", store, "[\"A\", \"C\"]");
  ASSERT_PATH("$.store.book[?((@.price < 9 || @.price > 20) && !(@.title == 'C'))].title", store, "[\"A\"]");
  ASSERT_PATH("$.store.book[?(@.tags[0] == 'x')].title", store, "[\"A\"]");
  ASSERT_PATH("$.store.book[?(@.tags[?(@ == 'x')])].title", store, "[\"A\"]");
  ASSERT_PATH("$[?(@.v)].n", "[{\"v\": null, \"n\": 1}, {\"v\": false, \"n\": 2}, {\"n\": 3}]", "[1, 2]");
  /* On an object the filter tests the object itself. */
  ASSERT_PATH("$.store.bicycle[?(@.color == 'red')].price", store, "[19.95]");
  ASSERT_PATH("$.store.bicycle[?(@.color == 'blue')]", store, "[]");
  ASSERT_PATH("$[?(@.a)]", "[1, \"s\", null, {\"a\": 0}]", "[{\"a\": 0}]");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_length) {
  ASSERT_PATH("$.a.length()", "{\"a\": [1, 2, 3]}", "3");
  ASSERT_PATH("$.length()", "{\"a\": 1, \"b\": 2}", "2");
  ASSERT_PATH("$.s.length()", "{\"s\": \"abc\"}", "null"); /* Jayway answers null for strings */
  ASSERT_PATH("$.a[*].length()", "{\"a\": [[1], [], {\"x\": 1}]}", "[1, 0, 1]");
  ASSERT_PATH_FAILS("$.a.length()", "{}", "Invalid path '$.a.length()' : Missing property in path $['a']");
  ASSERT_NO_LEAKS();
  return 0;
}

/* The causes AWS gives (conformance corpus), then Jayway's for the rest. */
TEST(path_definite_errors) {
  ASSERT_PATH_FAILS("$.NoSuchInputPath", "{\"int-literal\": 0}",
                    "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']");
  ASSERT_PATH_FAILS("$.no.such.result.path", "{}",
                    "Invalid path '$.no.such.result.path' : Missing property in path $['no']");
  ASSERT_PATH_FAILS("$.a.b.c", "{\"a\": {}}",
                    "Invalid path '$.a.b.c' : Missing property in path $['a']['b']");
  ASSERT_PATH_FAILS("$.a.b", "{\"a\": {\"c\": 1}}",
                    "Invalid path '$.a.b' : No results for path: $['a']['b']");
  ASSERT_PATH_FAILS(
      "$['a']['b']", "{\"a\": 5}",
      "Invalid path '$['a']['b']' : Expected to find an object with property ['b'] in path $['a'] "
      "but found 'java.lang.Integer'. This is not a json object according to the JsonProvider: "
      "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
  ASSERT_PATH_FAILS(
      "$.a.b", "{\"a\": null}",
      "Invalid path '$.a.b' : Expected to find an object with property ['b'] in path $['a'] but "
      "found 'null'. This is not a json object according to the JsonProvider: "
      "'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.");
  ASSERT_PATH_FAILS(
      "$.a[0].b", "{\"a\": {\"x\": 1}}",
      "Invalid path '$.a[0].b' : Filter: [0]['b'] can only be applied to arrays. Current context "
      "is: {\"x\":1}");
  ASSERT_PATH_FAILS("$.a[0]", "{\"a\": null}", "Invalid path '$.a[0]' : The path $['a'] is null");
  ASSERT_PATH_FAILS("$.a", "null", "Unable to apply Path transformation to null or empty input.");
  ASSERT_PATH_FAILS("$", "null", "Unable to apply Path transformation to null or empty input.");
  ASSERT_PATH_FAILS("$[*]", "null", "Unable to apply Path transformation to null or empty input.");
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_errors_without_err_are_quiet) {
  struct sd_path *p = sd_path_compile("$.a.b", 0, NULL);
  json_t *doc = sd_test_json("{\"a\": 1}");
  ASSERT(sd_path_get(p, doc, NULL, NULL) == NULL);
  json_decref(doc);
  sd_path_free(p);
  ASSERT(sd_path_compile("$.a b", 0, NULL) == NULL);
  ASSERT_NO_LEAKS();
  return 0;
}

static json_t *ctx_calls_get(void *data) {
  int *calls = data;
  static json_t *ctx;
  (*calls)++;
  if (ctx == NULL)
    ctx = sd_test_json("{\"Execution\": {\"Input\": {\"k\": \"v\"}}}");
  return ctx;
}

TEST(path_context_object) {
  const char *ctx = "{\"Execution\": {\"Id\": \"arn:x\", \"Input\": {\"k\": [1, 2]}}, \"Map\": {\"Item\": "
                    "{\"Index\": 3}}}";
  struct sd_err err = { 0 };
  json_t *v = eval_path("$$.Execution.Input.k[1]", "{\"k\": \"state input\"}", ctx, &err);
  ASSERT_JSON_EQ(v, "2");
  json_decref(v);
  v = eval_path("$$.Map.Item.Index", "{}", ctx, &err);
  ASSERT_JSON_EQ(v, "3");
  json_decref(v);
  v = eval_path("$$", "{}", ctx, &err);
  ASSERT_JSON_EQ(v, ctx);
  json_decref(v);
  v = eval_path("$$['Execution']['Id']", "{}", ctx, &err);
  ASSERT_JSON_EQ(v, "\"arn:x\"");
  json_decref(v);
  v = eval_path("$$..Index", "null", ctx, &err); /* the state input does not matter */
  ASSERT_JSON_EQ(v, "[3]");
  json_decref(v);
  v = eval_path("$$", "{}", NULL, &err); /* no context object reads as {} */
  ASSERT_JSON_EQ(v, "{}");
  json_decref(v);
  v = eval_path("$$.Execution.Input.no_such_jsonpath", "{}", ctx, &err);
  ASSERT(v == NULL);
  ASSERT_STR_EQ(err.cause, "Invalid path '$$.Execution.Input.no_such_jsonpath' : No results for path: "
                           "$['Execution']['Input']['no_such_jsonpath']");
  sd_err_clear(&err);

  /* The engine builds the context object lazily, through ctx_get. */
  int calls = 0;
  struct sd_eval_env env = { .ctx_get = ctx_calls_get, .ctx_data = &calls };
  struct sd_path *p = sd_path_compile("$$.Execution.Input.k", 0, &err);
  v = sd_path_get(p, NULL, &env, &err);
  ASSERT_JSON_EQ(v, "\"v\"");
  ASSERT_INT_EQ(calls, 1);
  json_decref(v);
  sd_path_free(p);
  p = sd_path_compile("$.a", 0, &err);
  json_t *doc = sd_test_json("{\"a\": 1}");
  v = sd_path_get(p, doc, &env, &err);
  ASSERT_INT_EQ(calls, 1); /* "$" paths never build it */
  json_decref(v);
  json_decref(doc);
  sd_path_free(p);
  return 0;
}

TEST(path_compile_errors) {
  const char *bad[] = { "",
                        "a.b",
                        "$a",
                        "$.",
                        "$..",
                        "$.a.",
                        "$.a b",
                        "$[",
                        "$['a'",
                        "$['a]",
                        "$['a' 'b']",
                        "$['a',]",
                        "$[1",
                        "$[x]",
                        "$[1:x]",
                        "$[:]",
                        "$[1 2]",
                        "$[*",
                        "$[?(@.a]",
                        "$[?(@.a =~ /x/)]",
                        "$[?(@.a in [1])]",
                        "$[?(1)]",
                        "$.a.sum()",
                        "$.length().a",
                        "$.length(1)",
                        "$...a",
                        "$ .a",
                        "$[99999999999]",
                        "$[?(@.a == 'x)]",
                        "$[?(@.a == )]",
                        "$$$",
                        "@.a",
                        "$[?(@.a == 1 1)]",
                        "$[?(@.a &&)]",
                        "$['a', \"b\"]" /* the first quote delimits every name */ };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT_COMPILE_FAILS(bad[i], 0);
  struct sd_err err = { 0 };
  ASSERT(sd_path_compile("$.a b", 0, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Use bracket notation ['my prop'] if your property contains blank characters at "
                           "position 3");
  ASSERT(sd_path_compile("$x", 0, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Illegal character 'x', expected '.' or '[' at position 1");
  ASSERT(sd_path_compile("$[?(@.d == /x/)]", 0, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Regular expressions are not supported in filters at position 11");
  ASSERT(sd_path_compile("$.a[?(@.b == 1)].c[?(@.d =~ 'x')]", 0, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "Unsupported filter operator at position 25");
  ASSERT(sd_path_compile("$.x[?(@.a. == 1)]", 0, &err) == NULL); /* positions inside sub-paths */
  ASSERT_STR_EQ(err.cause, "Path must not end with a '.' or '..' at position 9");
  sd_err_clear(&err);
  ASSERT_NO_LEAKS();
  return 0;
}

TEST(path_reference_paths) {
  const char *ok[] = { "$", "$.a", "$['a']", "$[0]", "$.a[1].b['c d'][-1]", "$$.Execution.Input", "$$" };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    struct sd_err err = { 0 };
    struct sd_path *p = sd_path_compile(ok[i], SD_PATH_REF, &err);
    ASSERT(p != NULL);
    ASSERT(sd_path_is_definite(p));
    sd_path_free(p);
  }
  const char *bad[] = { "$.a[*]",   "$.*",        "$..a",         "$.a[1:2]",
                        "$.a[0,1]", "$['a','b']", "$.a.length()", "$.a[?(@.b)]" };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_COMPILE_FAILS(bad[i], SD_PATH_REF);
    struct sd_path *p = sd_path_compile(bad[i], 0, NULL); /* fine as a plain path */
    ASSERT(p != NULL);
    sd_path_free(p);
  }
  struct sd_err err = { 0 };
  ASSERT(sd_path_compile("$.a[*]", SD_PATH_REF, &err) == NULL);
  ASSERT_STR_EQ(err.cause, "A Reference Path can not contain a wildcard at position 3");
  sd_err_clear(&err);
  ASSERT_NO_LEAKS();
  return 0;
}

/* Jansson allocations on a definite path: none but the caller's reference
 * (which is an incref, not an allocation). */
static size_t allocs;
static void *counting_malloc(size_t n) {
  allocs++;
  return malloc(n);
}

TEST(path_definite_evaluation_allocates_nothing) {
  json_t *doc = sd_test_json("{\"a\": {\"b\": [{\"c\": 1}, {\"c\": {\"d\": \"x\"}}]}}");
  struct sd_path *p = sd_path_compile("$.a.b[1].c['d']", 0, NULL);
  struct sd_eval_env env = { 0 };
  json_set_alloc_funcs(counting_malloc, free);
  allocs = 0;
  for (int i = 0; i < 1000; i++) {
    json_t *v = sd_path_get(p, doc, &env, NULL);
    if (v == NULL || !json_is_string(v))
      return 1;
    json_decref(v);
  }
  size_t n = allocs;
  json_set_alloc_funcs(malloc, free);
  ASSERT_INT_EQ(n, 0);
  sd_path_free(p);
  json_decref(doc);
  return 0;
}
