/* Error values (see err.h). Causes are heap strings: causes that AWS builds
 * embed the state's input, so they have no useful bound. */
#include "engine/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

#define SD_ERR_DEFINE(id, str) const char SD_E_##id[] = str;
SD_ERR_MAP(SD_ERR_DEFINE)
#undef SD_ERR_DEFINE

const char SD_E_INVALID_DEFINITION[] = "InvalidDefinition";
const char SD_E_INVALID_INPUT[] = "InvalidExecutionInput";
const char SD_E_USAGE[] = "Usage";

static const char *const predefined[] = {
#define SD_ERR_NAME(id, str) str,
  SD_ERR_MAP(SD_ERR_NAME)
#undef SD_ERR_NAME
};

int sd_err_setv(struct sd_err *err, const char *name, const char *fmt, va_list ap) {
  if (err == NULL)
    return -1;
  char *cause = fmt ? sd_vasprintf(fmt, ap) : NULL;
  char *nm = sd_xstrdup(name);
  sd_err_clear(err);
  err->name = nm;
  err->cause = cause;
  return -1;
}

int sd_err_set(struct sd_err *err, const char *name, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_err_setv(err, name, fmt, ap);
  va_end(ap);
  return -1;
}

int sd_err_set_raw(struct sd_err *err, const char *name, const char *cause) {
  if (err == NULL)
    return -1;
  char *nm = sd_xstrdup(name);
  char *c = cause ? sd_xstrdup(cause) : NULL;
  sd_err_clear(err);
  err->name = nm;
  err->cause = c;
  return -1;
}

void sd_err_set_where(struct sd_err *err, const char *fmt, ...) {
  if (err == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *w = sd_vasprintf(fmt, ap);
  va_end(ap);
  free(err->where);
  err->where = w;
}

void sd_err_set_cause(struct sd_err *err, const char *fmt, ...) {
  if (err == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  char *c = sd_vasprintf(fmt, ap);
  va_end(ap);
  free(err->cause);
  err->cause = c;
}

void sd_err_move(struct sd_err *dst, struct sd_err *src) {
  if (dst == src)
    return;
  if (dst == NULL) {
    sd_err_clear(src);
    return;
  }
  sd_err_clear(dst);
  *dst = *src;
  src->name = src->cause = src->where = NULL;
}

void sd_err_clear(struct sd_err *err) {
  if (err == NULL)
    return;
  free(err->name);
  free(err->cause);
  free(err->where);
  err->name = err->cause = err->where = NULL;
}

int sd_err_is_predefined(const char *name) {
  for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++)
    if (strcmp(predefined[i], name) == 0)
      return 1;
  return 0;
}
