/* Interning spans of compiled expressions: between sd_intern_begin and
 * sd_intern_end, on the calling thread, compiling the same text (with the
 * same flags) again returns what the first compile made, shared by
 * reference. Compiled paths and intrinsic calls are immutable, and a
 * definition repeats the same few of them in hundreds of states
 * ("$.Payload", "States.Format('{}', $.x)"): sd_asl_compile makes one span
 * per definition. Spans nest; the outermost end closes the span and drops
 * its references (each holder still frees its own). Not for: compiling
 * (path.c, intrinsic_parse.c), which asks the span first. */
#ifndef SD_ENGINE_INTERN_H
#define SD_ENGINE_INTERN_H

#include <stddef.h>

void sd_intern_begin(void);
void sd_intern_end(void);

/* What was compiled; part of the key with the text and the flags. */
enum sd_intern_kind { SD_INTERN_PATH, SD_INTERN_INTRINSIC };

/* The object compiled from exactly `text` (len bytes) of that kind with
 * `flags` in the current span, or NULL (also outside a span). Borrowed. */
void *sd_intern_find(enum sd_intern_kind kind, const char *text, size_t len, unsigned flags);

/* Records obj as the result for its text (borrowed from obj, which must
 * keep it unchanged) and flags. The span takes the reference the caller
 * hands it, dropped with `release` when the span closes; outside a span
 * nothing is recorded and release is called at once. */
void sd_intern_add(enum sd_intern_kind kind, void *obj, const char *text, size_t len, unsigned flags,
                   void (*release)(void *obj));

#endif
