/* Internals shared by path.c and path_intern.c. Not for: anyone else, who
 * sees only path.h. */
#ifndef SD_ENGINE_PATH_INT_H
#define SD_ENGINE_PATH_INT_H

#include <stddef.h>

struct sd_path;

/* The path compiled from exactly `text` (len bytes) with `flags` in the
 * current span, or NULL (also outside a span). Borrowed. */
struct sd_path *sd_path_intern_find(const char *text, size_t len, unsigned flags);

/* Records p (borrowed; the span takes a reference of its own) as the result
 * for its text and flags. Does nothing outside a span. */
void sd_path_intern_add(struct sd_path *p, size_t len, unsigned flags);

/* One more reference to p; returns p. */
struct sd_path *sd_path_ref(struct sd_path *p);

#endif
