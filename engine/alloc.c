/* See alloc.h. The one place below cli/ allowed to abort: on exhaustion. */
#include "engine/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n) {
  fprintf(stderr, "stepd: out of memory allocating %zu bytes\n", n);
  abort();
}

void *sd_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    oom(n);
  return p;
}

void *sd_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL)
    oom(n * size);
  return p;
}

void *sd_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (q == NULL)
    oom(n);
  return q;
}

char *sd_xstrdup(const char *s) {
  return sd_xstrndup(s, strlen(s));
}

char *sd_xstrndup(const char *s, size_t n) {
  char *d = sd_xmalloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

char *sd_xstrcat3(const char *a, const char *b, const char *c) {
  size_t na = strlen(a), nb = strlen(b), nc = c ? strlen(c) : 0;
  char *d = sd_xmalloc(na + nb + nc + 1);
  memcpy(d, a, na);
  memcpy(d + na, b, nb);
  if (nc)
    memcpy(d + na + nb, c, nc);
  d[na + nb + nc] = '\0';
  return d;
}

char *sd_vasprintf(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return sd_xstrdup("");
  char *s = sd_xmalloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *sd_asprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = sd_vasprintf(fmt, ap);
  va_end(ap);
  return s;
}

void sd_buf_reserve(struct sd_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1)
    cap *= 2;
  b->data = sd_xrealloc(b->data, cap);
  b->cap = cap;
}

void sd_buf_add(struct sd_buf *b, const char *s, size_t n) {
  sd_buf_reserve(b, n);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void sd_buf_puts(struct sd_buf *b, const char *s) {
  sd_buf_add(b, s, strlen(s));
}

void sd_buf_putc(struct sd_buf *b, char c) {
  sd_buf_add(b, &c, 1);
}

void sd_buf_printf(struct sd_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = sd_vasprintf(fmt, ap);
  va_end(ap);
  sd_buf_puts(b, s);
  free(s);
}

char *sd_buf_steal(struct sd_buf *b) {
  char *s = b->data ? b->data : sd_xstrdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

void sd_buf_free(struct sd_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
