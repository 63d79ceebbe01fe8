/* Helpers the commands share: reading files, printing errors. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/alloc.h"
#include "engine/err.h"

/* Definitions and inputs bigger than this are refused before reading:
 * AWS's own limits are 1 MiB for a definition and 256 KiB for an input. */
#define MAX_FILE (256u * 1024 * 1024)

/* Reads fd to its end into b; -1 on a read error. */
static int read_all(int fd, struct sd_buf *b, const char *path) {
  for (;;) {
    if (b->cap - b->len < 65536 + 1) {
      /* Grow by hand: sd_buf_add would copy through a chunk. */
      size_t cap = b->cap ? 2 * b->cap : 65536 + 1;
      b->data = sd_xrealloc(b->data, cap);
      b->cap = cap;
      b->data[b->len] = '\0';
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    if (b->len > MAX_FILE) {
      sd_cli_errorf("%s is larger than %u bytes", path, MAX_FILE);
      errno = 0;
      return -1;
    }
  }
}

char *sd_cli_read_file(const char *path, size_t *len) {
  bool is_stdin = strcmp(path, "-") == 0;
  int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
  if (fd < 0) {
    sd_cli_errorf("cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  /* A regular file is read into a buffer of its size in one call: the
   * definitions the benchmark reads are 100-700 KB, and growing a buffer
   * by doubling touches (and page-faults) about twice that. */
  struct sd_buf b = { 0 };
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 && (uintmax_t)st.st_size <= MAX_FILE) {
    b.cap = (size_t)st.st_size + 65536 + 1; /* room to see the end (or growth) without a copy */
    b.data = sd_xmalloc(b.cap);
    b.data[0] = '\0';
  }
  int rc = read_all(fd, &b, path);
  int saved = errno;
  if (!is_stdin)
    close(fd);
  if (rc != 0) {
    if (saved != 0)
      sd_cli_errorf("cannot read %s: %s", path, strerror(saved));
    sd_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return sd_buf_steal(&b);
}

/* Why map: `stepd run` reads its definition and input once, front to back,
 * and a 232 KB definition read into a fresh buffer costs ~60 page faults
 * (2-3 us each on these VMs) plus the copy; mapped, the page cache's own
 * pages are used, and Linux maps 16 of them a fault. */
int sd_cli_text_open(struct sd_cli_text *t, const char *path) {
  *t = (struct sd_cli_text){ 0 };
  int fd = strcmp(path, "-") == 0 ? -1 : open(path, O_RDONLY);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      (uintmax_t)st.st_size <= MAX_FILE) {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      close(fd);
      t->map = p;
      t->data = p;
      t->len = (size_t)st.st_size;
      return 0;
    }
  }
  if (fd >= 0)
    close(fd);
  t->owned = sd_cli_read_file(path, &t->len);
  t->data = t->owned;
  return t->owned != NULL ? 0 : -1;
}

void sd_cli_text_close(struct sd_cli_text *t) {
  if (t->map != NULL)
    munmap(t->map, t->len);
  free(t->owned);
  *t = (struct sd_cli_text){ 0 };
}

void sd_cli_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("stepd: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void sd_cli_print_error_line(const struct sd_err *e) {
  json_t *o = json_object(); /* new */
  json_object_set_new(o, "error", e->name && e->name[0] ? json_string(e->name) : json_null());
  json_object_set_new(o, "cause", e->cause ? json_string(e->cause) : json_null());
  char *s = json_dumps(o, JSON_COMPACT);
  fprintf(stderr, "%s\n", s);
  free(s);
  json_decref(o);
}
