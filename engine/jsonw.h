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

#include <jansson.h>

struct sd_buf;

/* Appends `v` (borrowed) as compact JSON. With `in_string`, the text is
 * escaped to sit between the quotes of a JSON string. */
void sd_jsonw_value(struct sd_buf *b, json_t *v, bool in_string);
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
