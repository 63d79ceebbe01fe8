/* Evaluation of a compiled intrinsic call and the table of the 18 functions
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).
 * Arguments are evaluated left to right, then the function checks their
 * types and bounds. A failure is a States.Runtime error: AWS's error-handling
 * page reserves States.IntrinsicFailure and reports intrinsic processing
 * errors as States.Runtime (which States.ALL does not catch). The caller
 * (payload template, Fail state ...) prefixes the state context. Not for:
 * parsing (intrinsic_parse.c) or text conversions (intrinsic_text.c). */
#include "engine/intrinsic_priv.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/hash.h"
#include "engine/path.h"

/* AWS's documented bounds, enforced when env->limits is set. */
#define ARRAY_RANGE_MAX 1000  /* items States.ArrayRange may produce */
#define TEXT_INPUT_MAX  10000 /* characters for Base64Encode/Base64Decode/Hash */

/* Even without AWS's limits a range must fit in memory: past this (1.6 GB
 * of JSON values) the allocator would abort the whole process. */
#define ARRAY_RANGE_HARD_MAX 100000000

static json_t *fail(const struct sd_intrinsic_node *call, struct sd_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Every argument error reads "Invalid arguments in States.Xxx: <why>". */
static json_t *fail(const struct sd_intrinsic_node *call, struct sd_err *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *why = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_err_set(err, SD_E_RUNTIME, "Invalid arguments in %s: %s", call->fn->name, why);
  free(why);
  return NULL;
}

static const char *type_name(json_t *v) {
  switch (json_typeof(v)) {
    case JSON_OBJECT:
      return "an object";
    case JSON_ARRAY:
      return "an array";
    case JSON_STRING:
      return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
      return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
      return "a boolean";
    case JSON_NULL:
      break;
  }
  return "null";
}

/* Reads a number where AWS wants an integer. AWS documents that it rounds
 * non-integers to the nearest integer, and rounds as Java's Math.round does:
 * halves go up (2.5 -> 3, -2.5 -> -2), unlike C's round(). */
static bool get_int(json_t *v, long long *out) {
  if (json_is_integer(v)) {
    *out = json_integer_value(v);
    return true;
  }
  if (!json_is_real(v))
    return false;
  double d = json_real_value(v), r = floor(d);
  if (d - r >= 0.5)
    r += 1;
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
    return false;
  *out = (long long)r;
  return true;
}

/* An integer argument, rounded as above; on failure sets err. `what` names
 * it in the message ("the chunk size", "argument 2"). */
static bool int_arg(const struct sd_intrinsic_node *call, struct sd_err *err, json_t *v, const char *what,
                    long long *out) {
  if (!json_is_number(v)) {
    fail(call, err, "%s must be a number, not %s", what, type_name(v));
    return false;
  }
  if (!get_int(v, out)) {
    fail(call, err, "%s is out of range", what);
    return false;
  }
  return true;
}

/* The buffer as a JSON string (the buffer is emptied). Our inputs are valid
 * UTF-8 and we only cut them between characters, so Jansson's check should
 * never fail; if it does, report it rather than return NULL without err. */
static json_t *take_buf(const struct sd_intrinsic_node *call, struct sd_err *err, struct sd_buf *b) {
  json_t *s = json_stringn(b->data ? b->data : "", b->len); /* new */
  sd_buf_free(b);
  if (s == NULL)
    return fail(call, err, "the result is not valid UTF-8");
  return s;
}

/* ---- generic --------------------------------------------------------- */

/* Offsets of "{}" in a template that came from a path or a nested call: such
 * text has no escapes, every "{}" is a placeholder. */
static size_t scan_holes(const char *s, size_t n, size_t **holes) {
  size_t count = 0;
  *holes = NULL;
  for (size_t i = 0; i + 1 < n; i++) {
    if (s[i] == '{' && s[i + 1] == '}') {
      *holes = sd_xrealloc(*holes, (count + 1) * sizeof **holes);
      (*holes)[count++] = i++;
    }
  }
  return count;
}

static json_t *fn_format(const struct sd_intrinsic_node *call, json_t **argv, const struct sd_eval_env *env,
                         struct sd_err *err) {
  if (!json_is_string(argv[0]))
    return fail(call, err, "the format string must be a string, not %s", type_name(argv[0]));
  const char *s = json_string_value(argv[0]);
  size_t n = json_string_length(argv[0]);
  const struct sd_intrinsic_node *t = call->args[0];
  size_t *scanned = NULL, nholes;
  const size_t *holes;
  if (t->kind == SD_INTRINSIC_LIT) {
    holes = t->holes;
    nholes = t->nholes;
  } else {
    nholes = scan_holes(s, n, &scanned);
    holes = scanned;
  }
  if (nholes != call->nargs - 1) {
    free(scanned);
    return fail(call, err, "the format string has %zu placeholder%s but %zu value%s given", nholes,
                nholes == 1 ? "" : "s", call->nargs - 1, call->nargs == 2 ? " was" : "s were");
  }
  struct sd_buf b = { 0 };
  size_t prev = 0;
  for (size_t k = 0; k < nholes; k++) {
    sd_buf_add(&b, s + prev, holes[k] - prev);
    sd_intrinsic_put_text(&b, argv[k + 1]);
    prev = holes[k] + 2;
  }
  sd_buf_add(&b, s + prev, n - prev);
  free(scanned);
  return take_buf(call, err, &b);
}

/* ---- JSON ------------------------------------------------------------ */

static json_t *fn_string_to_json(const struct sd_intrinsic_node *call, json_t **argv,
                                 const struct sd_eval_env *env, struct sd_err *err) {
  if (!json_is_string(argv[0]))
    return fail(call, err, "the argument must be a string, not %s", type_name(argv[0]));
  const char *s = json_string_value(argv[0]);
  size_t n = json_string_length(argv[0]), i = 0;
  /* AWS returns null for an empty or blank string (Jackson reads no value). */
  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
    i++;
  if (i == n)
    return json_null();
  json_error_t jerr;
  json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr); /* new */
  if (v == NULL)
    return fail(call, err, "the string is not valid JSON: %s", jerr.text);
  return v;
}

static json_t *fn_json_to_string(const struct sd_intrinsic_node *call, json_t **argv,
                                 const struct sd_eval_env *env, struct sd_err *err) {
  struct sd_buf b = { 0 };
  sd_intrinsic_put_json(&b, argv[0]);
  return take_buf(call, err, &b);
}

static json_t *fn_json_merge(const struct sd_intrinsic_node *call, json_t **argv,
                             const struct sd_eval_env *env, struct sd_err *err) {
  for (int i = 0; i < 2; i++) {
    if (!json_is_object(argv[i]))
      return fail(call, err, "argument %d must be an object, not %s", i + 1, type_name(argv[i]));
  }
  if (!json_is_boolean(argv[2]))
    return fail(call, err, "the deep merge flag must be a boolean, not %s", type_name(argv[2]));
  if (json_is_true(argv[2]))
    return fail(call, err, "deep merging is not supported; set the third argument to false");
  /* Shallow: keys of the second object replace those of the first (in
   * place, keeping the first object's key order), nested objects are not
   * merged. */
  json_t *out = json_copy(argv[0]); /* new */
  json_object_update(out, argv[1]);
  return out;
}

/* ---- arrays ---------------------------------------------------------- */

static json_t *fn_array(const struct sd_intrinsic_node *call, json_t **argv, const struct sd_eval_env *env,
                        struct sd_err *err) {
  json_t *a = json_array(); /* new */
  for (size_t i = 0; i < call->nargs; i++)
    json_array_append(a, argv[i]);
  return a;
}

static json_t *fn_array_partition(const struct sd_intrinsic_node *call, json_t **argv,
                                  const struct sd_eval_env *env, struct sd_err *err) {
  long long size;
  if (!json_is_array(argv[0]))
    return fail(call, err, "the first argument must be an array, not %s", type_name(argv[0]));
  if (!int_arg(call, err, argv[1], "the chunk size", &size))
    return NULL;
  if (size <= 0)
    return fail(call, err, "the chunk size must be a positive integer, not %lld", size);
  json_t *out = json_array(), *chunk = NULL; /* new */
  size_t i;
  json_t *e;
  json_array_foreach(argv[0], i, e) {
    if (i % (size_t)size == 0) {
      chunk = json_array();
      json_array_append_new(out, chunk);
    }
    json_array_append(chunk, e);
  }
  return out;
}

static json_t *fn_array_contains(const struct sd_intrinsic_node *call, json_t **argv,
                                 const struct sd_eval_env *env, struct sd_err *err) {
  if (!json_is_array(argv[0]))
    return fail(call, err, "the first argument must be an array, not %s", type_name(argv[0]));
  size_t i;
  json_t *e;
  json_array_foreach(argv[0], i, e) {
    if (json_equal(e, argv[1]))
      return json_true();
  }
  return json_false();
}

static json_t *fn_array_range(const struct sd_intrinsic_node *call, json_t **argv,
                              const struct sd_eval_env *env, struct sd_err *err) {
  static const char *const what[] = { "the start", "the end", "the step" };
  long long v[3] = { 0 };
  for (int i = 0; i < 3; i++) {
    if (!int_arg(call, err, argv[i], what[i], &v[i]))
      return NULL;
  }
  long long start = v[0], end = v[1], step = v[2];
  if (step == 0)
    return fail(call, err, "the step must not be 0");
  /* Count first, in unsigned arithmetic (end - start may not fit a long
   * long), so that the limit is checked before anything is allocated. */
  uint64_t steps = 0; /* the count is steps + 1, which may not fit */
  bool empty = (step > 0 && end < start) || (step < 0 && end > start);
  if (step > 0 && !empty)
    steps = ((uint64_t)end - (uint64_t)start) / (uint64_t)step;
  else if (!empty)
    steps = ((uint64_t)start - (uint64_t)end) / (0 - (uint64_t)step);
  uint64_t limit = env->limits ? ARRAY_RANGE_MAX : ARRAY_RANGE_HARD_MAX;
  if (!empty && steps >= limit)
    return fail(call, err, "the range would have more than %llu items", (unsigned long long)limit);
  uint64_t count = empty ? 0 : steps + 1;
  json_t *out = json_array(); /* new */
  uint64_t x = (uint64_t)start;
  for (uint64_t k = 0; k < count; k++, x += (uint64_t)step)
    json_array_append_new(out, json_integer((json_int_t)x));
  return out;
}

static json_t *fn_array_get_item(const struct sd_intrinsic_node *call, json_t **argv,
                                 const struct sd_eval_env *env, struct sd_err *err) {
  long long index;
  if (!json_is_array(argv[0]))
    return fail(call, err, "the first argument must be an array, not %s", type_name(argv[0]));
  if (!int_arg(call, err, argv[1], "the index", &index))
    return NULL;
  size_t n = json_array_size(argv[0]);
  if (index < 0 || (unsigned long long)index >= n)
    return fail(call, err, "the index %lld is out of bounds for an array of %zu item%s", index, n,
                n == 1 ? "" : "s");
  return json_incref(json_array_get(argv[0], (size_t)index));
}

static json_t *fn_array_length(const struct sd_intrinsic_node *call, json_t **argv,
                               const struct sd_eval_env *env, struct sd_err *err) {
  if (!json_is_array(argv[0]))
    return fail(call, err, "the argument must be an array, not %s", type_name(argv[0]));
  return json_integer((json_int_t)json_array_size(argv[0]));
}

struct keyed {
  char *key; /* canonical JSON of the item; owned */
  size_t index;
};

static int keyed_cmp(const void *a, const void *b) {
  const struct keyed *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  if (c != 0)
    return c;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Keeps the first of equal items, in order. Equality is JSON equality as
 * Jackson's JsonNode.equals sees it (1 and 1.0 differ, key order does not
 * matter), found by sorting canonical texts rather than comparing all pairs,
 * which would be quadratic on a 256 KiB array. */
static json_t *fn_array_unique(const struct sd_intrinsic_node *call, json_t **argv,
                               const struct sd_eval_env *env, struct sd_err *err) {
  if (!json_is_array(argv[0]))
    return fail(call, err, "the argument must be an array, not %s", type_name(argv[0]));
  size_t n = json_array_size(argv[0]);
  struct keyed *items = sd_xcalloc(n ? n : 1, sizeof *items);
  bool *keep = sd_xcalloc(n ? n : 1, sizeof *keep);
  for (size_t i = 0; i < n; i++) {
    items[i].key = json_dumps(json_array_get(argv[0], i), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    items[i].index = i;
  }
  qsort(items, n, sizeof *items, keyed_cmp);
  for (size_t i = 0; i < n; i++)
    keep[items[i].index] = i == 0 || strcmp(items[i].key, items[i - 1].key) != 0;
  json_t *out = json_array(); /* new */
  for (size_t i = 0; i < n; i++) {
    free(items[i].key);
    if (keep[i])
      json_array_append(out, json_array_get(argv[0], i));
  }
  free(items);
  free(keep);
  return out;
}

/* ---- encoding and hashing -------------------------------------------- */

/* The string argument argv[i] of a function with AWS's 10,000-character
 * input bound; checked before any work is done. */
static bool get_text_input(const struct sd_intrinsic_node *call, json_t **argv, int i,
                           const struct sd_eval_env *env, struct sd_err *err) {
  if (!json_is_string(argv[i])) {
    fail(call, err, "the input must be a string, not %s", type_name(argv[i]));
    return false;
  }
  size_t units = sd_intrinsic_utf16_len(json_string_value(argv[i]), json_string_length(argv[i]));
  if (env->limits && units > TEXT_INPUT_MAX) {
    fail(call, err, "the input has %zu characters; the limit is %d", units, TEXT_INPUT_MAX);
    return false;
  }
  return true;
}

static json_t *fn_base64_encode(const struct sd_intrinsic_node *call, json_t **argv,
                                const struct sd_eval_env *env, struct sd_err *err) {
  if (!get_text_input(call, argv, 0, env, err))
    return NULL;
  struct sd_buf b = { 0 };
  sd_intrinsic_base64_encode(&b, (const unsigned char *)json_string_value(argv[0]),
                             json_string_length(argv[0]));
  return take_buf(call, err, &b);
}

static json_t *fn_base64_decode(const struct sd_intrinsic_node *call, json_t **argv,
                                const struct sd_eval_env *env, struct sd_err *err) {
  if (!get_text_input(call, argv, 0, env, err))
    return NULL;
  struct sd_buf raw = { 0 }, b = { 0 };
  if (sd_intrinsic_base64_decode(&raw, json_string_value(argv[0]), json_string_length(argv[0])) != 0) {
    sd_buf_free(&raw);
    return fail(call, err, "the input is not valid base64");
  }
  sd_intrinsic_put_utf8_lossy(&b, (const unsigned char *)raw.data, raw.len);
  sd_buf_free(&raw);
  return take_buf(call, err, &b);
}

static json_t *fn_hash(const struct sd_intrinsic_node *call, json_t **argv, const struct sd_eval_env *env,
                       struct sd_err *err) {
  enum sd_hash_alg alg;
  if (!get_text_input(call, argv, 0, env, err))
    return NULL;
  if (!json_is_string(argv[1]) || sd_hash_lookup(json_string_value(argv[1]), &alg) != 0)
    return fail(call, err, "the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512");
  char hex[2 * SD_HASH_MAX_SIZE + 1];
  sd_hash_hex(alg, json_string_value(argv[0]), json_string_length(argv[0]), hex);
  return json_string(hex);
}

/* ---- math and random ------------------------------------------------- */

static uint64_t process_rng; /* used when env->rng is NULL; the loop thread is the only caller */

/* Seeds a zero xorshift state from the OS (or, failing that, the clock and
 * pid): UUIDs must differ across restarts. */
static void rng_seed(uint64_t *s) {
  FILE *f = fopen("/dev/urandom", "rb");
  if (f != NULL) {
    if (fread(s, sizeof *s, 1, f) != 1)
      *s = 0;
    fclose(f);
  }
  if (*s == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    *s = ((uint64_t)ts.tv_sec * 1000000007ULL) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
  }
  if (*s == 0)
    *s = 0x9e3779b97f4a7c15ULL;
}

/* xorshift64*: fast, and good enough for MathRandom and v4 UUIDs, which
 * AWS does not promise to be cryptographic. */
static uint64_t rng_next(const struct sd_eval_env *env) {
  uint64_t *s = env->rng ? env->rng : &process_rng;
  if (*s == 0)
    rng_seed(s);
  uint64_t x = *s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, bound), bound > 0, without modulo bias. */
static uint64_t rng_below(const struct sd_eval_env *env, uint64_t bound) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound, x;
  do
    x = rng_next(env);
  while (x >= limit);
  return x % bound;
}

/* java.util.Random, so that a seeded States.MathRandom is reproducible the
 * way it is on the JVM: a 48-bit LCG, nextInt(bound) with its rejection
 * loop. */
static uint64_t jrand_next(uint64_t *seed, int bits) {
  *seed = (*seed * 0x5deece66dULL + 0xbULL) & ((1ULL << 48) - 1);
  return *seed >> (48 - bits);
}

static uint64_t jrand_below(int64_t seed_arg, uint64_t bound) {
  uint64_t seed = ((uint64_t)seed_arg ^ 0x5deece66dULL) & ((1ULL << 48) - 1);
  if (bound > INT32_MAX) /* beyond nextInt: take 63 bits, as nextLong-based code would */
    return ((jrand_next(&seed, 32) << 32 | jrand_next(&seed, 32)) & INT64_MAX) % bound;
  uint32_t b = (uint32_t)bound, m = b - 1, r = (uint32_t)jrand_next(&seed, 31);
  if ((b & m) == 0)
    return (uint64_t)(((uint64_t)b * r) >> 31);
  /* Java: for (u = r; u - (r = u % bound) + m < 0; u = next(31)); in 32-bit
   * two's complement, i.e. retry while the sum has its sign bit set. */
  for (uint32_t u = r; ((u - (r = u % b) + m) & 0x80000000u) != 0; u = (uint32_t)jrand_next(&seed, 31))
    ;
  return r;
}

static json_t *fn_math_random(const struct sd_intrinsic_node *call, json_t **argv,
                              const struct sd_eval_env *env, struct sd_err *err) {
  static const char *const what[] = { "the start", "the end", "the seed" };
  long long v[3] = { 0 };
  for (size_t i = 0; i < call->nargs; i++) {
    if (!int_arg(call, err, argv[i], what[i], &v[i]))
      return NULL;
  }
  if (v[1] <= v[0])
    return fail(call, err, "the end (%lld) must be greater than the start (%lld)", v[1], v[0]);
  uint64_t bound = (uint64_t)v[1] - (uint64_t)v[0];
  uint64_t r = call->nargs == 3 ? jrand_below(v[2], bound) : rng_below(env, bound);
  return json_integer((json_int_t)((uint64_t)v[0] + r));
}

static json_t *fn_math_add(const struct sd_intrinsic_node *call, json_t **argv, const struct sd_eval_env *env,
                           struct sd_err *err) {
  static const char *const what[] = { "argument 1", "argument 2" };
  long long v[2] = { 0 };
  for (int i = 0; i < 2; i++) {
    if (!int_arg(call, err, argv[i], what[i], &v[i]))
      return NULL;
    /* AWS documents the range of a Java int for both operands. */
    if (v[i] < INT32_MIN || v[i] > INT32_MAX)
      return fail(call, err, "argument %d (%lld) is outside the range -2147483648 to 2147483647", i + 1,
                  v[i]);
  }
  return json_integer(v[0] + v[1]);
}

static json_t *fn_uuid(const struct sd_intrinsic_node *call, json_t **argv, const struct sd_eval_env *env,
                       struct sd_err *err) {
  unsigned char u[16];
  uint64_t hi = rng_next(env), lo = rng_next(env);
  for (int i = 0; i < 8; i++) {
    u[i] = (unsigned char)(hi >> (8 * i));
    u[8 + i] = (unsigned char)(lo >> (8 * i));
  }
  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* version 4 */
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  char s[37];
  snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
           u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return json_string(s);
}

/* ---- strings --------------------------------------------------------- */

/* Length of the UTF-8 character at s (valid UTF-8, at least one byte). */
static size_t char_len(const char *s) {
  unsigned char c = (unsigned char)*s;
  return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

static bool is_delim(const char *c, size_t clen, const char *delims, size_t dn) {
  for (size_t i = 0; i < dn; i += char_len(delims + i)) {
    if (char_len(delims + i) == clen && memcmp(delims + i, c, clen) == 0)
      return true;
  }
  return false;
}

/* Splits as Java's StringTokenizer does (which is what AWS's results show):
 * every character of the second argument is a delimiter, and empty tokens
 * are dropped, so ",,a,,b," split on "," gives ["a","b"]. */
static json_t *fn_string_split(const struct sd_intrinsic_node *call, json_t **argv,
                               const struct sd_eval_env *env, struct sd_err *err) {
  if (!json_is_string(argv[0]))
    return fail(call, err, "the first argument must be a string, not %s", type_name(argv[0]));
  if (!json_is_string(argv[1]))
    return fail(call, err, "the delimiter must be a string, not %s", type_name(argv[1]));
  const char *s = json_string_value(argv[0]), *d = json_string_value(argv[1]);
  size_t n = json_string_length(argv[0]), dn = json_string_length(argv[1]), tok = 0;
  json_t *out = json_array(); /* new */
  for (size_t i = 0; i <= n;) {
    size_t clen = i < n ? char_len(s + i) : 0;
    if (i == n || is_delim(s + i, clen, d, dn)) {
      if (i > tok)
        json_array_append_new(out, json_stringn(s + tok, i - tok));
      if (i == n)
        break;
      tok = i + clen;
    }
    i += clen;
  }
  return out;
}

/* ---- the table ------------------------------------------------------- */

static const struct sd_intrinsic_fn fns[] = {
  { "States.Array", 0, -1, fn_array },
  { "States.ArrayContains", 2, 2, fn_array_contains },
  { "States.ArrayGetItem", 2, 2, fn_array_get_item },
  { "States.ArrayLength", 1, 1, fn_array_length },
  { "States.ArrayPartition", 2, 2, fn_array_partition },
  { "States.ArrayRange", 3, 3, fn_array_range },
  { "States.ArrayUnique", 1, 1, fn_array_unique },
  { "States.Base64Decode", 1, 1, fn_base64_decode },
  { "States.Base64Encode", 1, 1, fn_base64_encode },
  { "States.Format", 1, -1, fn_format },
  { "States.Hash", 2, 2, fn_hash },
  { "States.JsonMerge", 3, 3, fn_json_merge },
  { "States.JsonToString", 1, 1, fn_json_to_string },
  { "States.MathAdd", 2, 2, fn_math_add },
  { "States.MathRandom", 2, 3, fn_math_random },
  { "States.StringSplit", 2, 2, fn_string_split },
  { "States.StringToJson", 1, 1, fn_string_to_json },
  { "States.UUID", 0, 0, fn_uuid },
};

const struct sd_intrinsic_fn *sd_intrinsic_fn_find(const char *name, size_t len) {
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    if (strlen(fns[i].name) == len && memcmp(fns[i].name, name, len) == 0)
      return &fns[i];
  }
  return NULL;
}

json_t *sd_intrinsic_node_eval(const struct sd_intrinsic_node *n, json_t *input,
                               const struct sd_eval_env *env, struct sd_err *err) {
  switch (n->kind) {
    case SD_INTRINSIC_LIT:
      return json_incref(n->lit);
    case SD_INTRINSIC_PATH:
      return sd_path_get(n->path, input, env, err);
    case SD_INTRINSIC_CALL:
      break;
  }
  json_t **argv = sd_xcalloc(n->nargs ? n->nargs : 1, sizeof *argv);
  json_t *out = NULL;
  size_t done = 0;
  for (; done < n->nargs; done++) {
    argv[done] = sd_intrinsic_node_eval(n->args[done], input, env, err);
    if (argv[done] == NULL)
      goto out;
  }
  out = n->fn->eval(n, argv, env, err);
out:
  for (size_t i = 0; i < done; i++)
    json_decref(argv[i]);
  free(argv);
  return out;
}
