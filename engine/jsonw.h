/* A compact JSON writer for the hot path: history events embed the state's
 * input and output as JSON text inside a JSON string, once per transition.
 * Jansson's json_dumps costs ~20,000 instructions on a 150-byte object
 * (callgrind, pass-chain-1000); this writes the same text (Jansson's compact
 * format, reals as %.17g) straight into a buffer, and can write it already
 * escaped as the content of a JSON string, so an event is built in one pass
 * without a json_t tree. */
#ifndef SD_ENGINE_JSONW_H
#define SD_ENGINE_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sd_buf;

/* Appends `v` (borrowed) as compact JSON. With `in_string`, the text is
 * escaped to sit between the quotes of a JSON string. */
void sd_jsonw_value(struct sd_buf *b, json_t *v, bool in_string);
/* Where each container value of a written text sits in it, so that a
 * later text holding the same value copies its bytes instead of walking
 * it again: a state's output mostly holds its input's subtrees (ResultPath
 * puts the result beside them, Parameters pick them out, Choice and Wait
 * pass the input on), and walking a Jansson object costs ~250
 * instructions a member against a memcpy.
 *
 * Why a pointer identifies a text: the memo holds a reference on each value
 * it records, so the address cannot be reused by another value while it is
 * recorded, and the engine never changes a value once it is a state's
 * input or output (sd_path_put copies the spine it changes, templates and
 * intrinsics build new values, Map and Parallel fill their result arrays
 * before handing them on). Code that changes a value in place must own
 * its only reference (json_t refcount 1), which a recorded value never
 * is. */
struct sd_jsonw_span {
  json_t *v; /* holds a reference */
  uint32_t off, len;
};
/* Root members whose places a memo keeps, in the memo itself: state data
 * is a handful of members, and recording them must cost next to nothing
 * for texts that never need them. */
#define SD_JSONW_TOP_MAX 16
struct sd_jsonw_memo {
  const char *text; /* the text the spans point into; borrowed, set by the memo's owner */
  int level;        /* 1 = JSON text, 2 = escaped inside a JSON string */
  struct sd_jsonw_span *spans;
  size_t n, cap;
  uint32_t *index; /* open addressing on the value's address: span + 1, 0 = empty */
  size_t index_cap;
  /* Where each member's value of the root object sits, in member order,
   * whatever its type: what sd_jsonw_splice_memo needs. Valid when
   * top_of is the root (an object written member by member, not copied
   * whole); top_of is only compared, never followed. */
  const json_t *top_of;
  struct sd_jsonw_place {
    uint32_t off, len;
  } top[SD_JSONW_TOP_MAX]; /* a root with more members has none (top_of NULL) */
  size_t ntop;
};
/* Spans one text records at most: a huge document is written again
 * rather than indexed whole. */
#define SD_JSONW_MEMO_MAX 65536

/* sd_jsonw_value, copying containers `from` holds (may be NULL; its text
 * must be set) and recording the containers written, with offsets in `b`,
 * into `into` (cleared first; may be NULL). The caller sets into->text
 * once `b` holds the whole text. */
void sd_jsonw_value_memo(struct sd_buf *b, json_t *v, bool in_string, const struct sd_jsonw_memo *from,
                         struct sd_jsonw_memo *into);
/* Writes (in-string) the text of object `root`, which `from` (its text
 * `from_len` bytes long, a string literal: quotes included) held before
 * its member number `index` was given the value `v` in place: the text
 * before and after that member's value is copied and only `v` is written,
 * after the opening quote `b` already holds. Records `into` as
 * sd_jsonw_value_memo does. Returns false, writing nothing, when `from`
 * does not describe root member by member. */
bool sd_jsonw_splice_memo(struct sd_buf *b, json_t *root, size_t index, json_t *v,
                          const struct sd_jsonw_memo *from, size_t from_len, struct sd_jsonw_memo *into);
/* Drops v's span when it is the last one recorded (the root of the text,
 * spans being in post-order), with its reference. */
void sd_jsonw_memo_pop(struct sd_jsonw_memo *m, const json_t *v);
/* Drops the spans and their references; keeps the memory for the next text. */
void sd_jsonw_memo_clear(struct sd_jsonw_memo *m);
void sd_jsonw_memo_free(struct sd_jsonw_memo *m);

/* Appends `v` in decimal. */
void sd_jsonw_int(struct sd_buf *b, json_int_t v);
/* Appends `s` (n bytes of UTF-8) as a quoted JSON string. */
void sd_jsonw_string(struct sd_buf *b, const char *s, size_t n);
/* The compact text of `v` as a new string (caller frees), like
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY). */
char *sd_jsonw_dumps(json_t *v, size_t *len);
/* The same with reals at `precision` significant digits, as
 * json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(precision)) writes them
 * (the API's replies: epoch seconds). */
char *sd_jsonw_dumps_prec(json_t *v, int precision, size_t *len);

#endif
