/* Allocation that never returns NULL (the redis zmalloc way): running out of
 * memory aborts, so every NULL elsewhere means bad input, not a path nobody
 * tests. Also the few string helpers every module needs. */
#ifndef SD_ENGINE_ALLOC_H
#define SD_ENGINE_ALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *sd_xmalloc(size_t n);
void *sd_xcalloc(size_t n, size_t size);
void *sd_xrealloc(void *p, size_t n);
char *sd_xstrdup(const char *s);
char *sd_xstrndup(const char *s, size_t n);
/* a, b and c (c may be NULL) joined, without printf's cost: compile builds
 * several such names per state. */
char *sd_xstrcat3(const char *a, const char *b, const char *c);
char *sd_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sd_vasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable byte buffer, always NUL-terminated. */
struct sd_buf {
  char *data; /* owned */
  size_t len;
  size_t cap;
};
void sd_buf_add(struct sd_buf *b, const char *s, size_t n);
/* Counts n more bytes in b and returns where they go, for a caller that
 * writes several pieces after one size check. Inline when there is room:
 * the history batch calls it once an event. */
void sd_buf_reserve(struct sd_buf *b, size_t extra);
static inline char *sd_buf_extend(struct sd_buf *b, size_t n) {
  if (b->len + n + 1 > b->cap)
    sd_buf_reserve(b, n);
  char *o = b->data + b->len;
  b->len += n;
  b->data[b->len] = '\0';
  return o;
}
void sd_buf_puts(struct sd_buf *b, const char *s);
void sd_buf_putc(struct sd_buf *b, char c);
void sd_buf_printf(struct sd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the string and leaves the buffer empty; caller frees. */
char *sd_buf_steal(struct sd_buf *b);
void sd_buf_free(struct sd_buf *b);

#endif
