/* A fast JSON reader building Jansson values: a drop-in for json_loadb on
 * definitions and inputs. Jansson's reader costs ~150 instructions a byte
 * (callgrind: 36M for a 232 KB definition, 100M for a 677 KB Map input),
 * more than running the workflow; this one reads straight from the buffer.
 * Same results as json_loadb: the same values, the same rejections
 * (invalid UTF-8, \u0000, integers out of range, depth over
 * JSON_PARSER_MAX_DEPTH); on an error Jansson reads the text again, so
 * messages are Jansson's word for word. Flags honoured: JSON_DECODE_ANY,
 * JSON_REJECT_DUPLICATES. */
#ifndef SD_ENGINE_JSONR_H
#define SD_ENGINE_JSONR_H

#include <stddef.h>

#include <jansson.h>

/* Returns a new reference, or NULL with *error filled (error may be NULL). */
json_t *sd_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *error);

/* The fast reader alone, with its own error texts (for tests). */
json_t *sd_jsonr_fast(const char *buf, size_t len, size_t flags, json_error_t *error);

#endif
