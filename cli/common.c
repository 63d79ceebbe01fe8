/* Helpers the commands share: reading files, printing errors. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

/* Definitions and inputs bigger than this are refused before reading:
 * AWS's own limits are 1 MiB for a definition and 256 KiB for an input. */
#define MAX_FILE (256u * 1024 * 1024)

char *sd_cli_read_file(const char *path, size_t *len) {
  FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (fp == NULL) {
    sd_cli_errorf("cannot read %s: %s", path, strerror(errno));
    return NULL;
  }
  struct sd_buf b = { 0 };
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
    if (b.len + n > MAX_FILE) {
      sd_cli_errorf("%s is larger than %u bytes", path, MAX_FILE);
      sd_buf_free(&b);
      if (fp != stdin)
        fclose(fp);
      return NULL;
    }
    sd_buf_add(&b, chunk, n);
  }
  int bad = ferror(fp);
  if (fp != stdin)
    fclose(fp);
  if (bad) {
    sd_cli_errorf("cannot read %s", path);
    sd_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return sd_buf_steal(&b);
}

void sd_cli_errorf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("stepd: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}
