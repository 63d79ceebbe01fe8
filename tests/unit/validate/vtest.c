/* See vtest.h. */
#include "vtest.h"

#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/validate.h"

char *vt_quote(const char *text) {
  struct sd_buf b = { 0 };
  for (const char *p = text; *p; p++) {
    if (p[0] == '\\' && p[1] == '\'') {
      sd_buf_putc(&b, '\'');
      p++;
    } else {
      sd_buf_putc(&b, *p == '\'' ? '"' : *p);
    }
  }
  return sd_buf_steal(&b);
}

json_t *vt_validate(const char *text, const char *type) {
  char *q = vt_quote(text);
  struct sd_validate_opts opts = { .type = type };
  json_t *r = sd_validate_text(q, strlen(q), &opts);
  free(q);
  return r;
}

char *vt_lines(json_t *result) {
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, json_string_value(json_object_get(result, "result")));
  size_t i;
  json_t *d;
  json_array_foreach(json_object_get(result, "diagnostics"), i, d) {
    const char *loc = json_string_value(json_object_get(d, "location"));
    sd_buf_printf(&b, "\n%s %s %s: %s", json_string_value(json_object_get(d, "severity")),
                  json_string_value(json_object_get(d, "code")), loc ? loc : "-",
                  json_string_value(json_object_get(d, "message")));
  }
  return sd_buf_steal(&b);
}

char *vt_check(const char *text, const char *type) {
  json_t *r = vt_validate(text, type);
  char *s = vt_lines(r);
  json_decref(r);
  return s;
}
