/* XML to JSON for the Query protocol's answers (SNS, STS): enough XML for
 * what AWS sends (elements, text, the five entities and numeric character
 * references, declarations and comments skipped, attributes ignored), not a
 * general parser. The shape rules are in aws_call.h (sd_aws_xml_parse). */
#include "integrations/aws_call.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"

struct xp {
  const char *p, *end;
  int depth;
};

static void skip_ws(struct xp *x) {
  while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r' || *x->p == '\n'))
    x->p++;
}

/* Skips <?...?>, <!--...-->, <!...> at the cursor; false when none. */
static bool skip_misc(struct xp *x) {
  if (x->end - x->p < 2 || x->p[0] != '<')
    return false;
  const char *close = NULL;
  if (x->p[1] == '?')
    close = "?>";
  else if (x->end - x->p >= 4 && strncmp(x->p, "<!--", 4) == 0)
    close = "-->";
  else if (x->p[1] == '!')
    close = ">";
  if (close == NULL)
    return false;
  size_t n = strlen(close);
  for (const char *q = x->p + 2; q + n <= x->end; q++) {
    if (strncmp(q, close, n) == 0) {
      x->p = q + n;
      return true;
    }
  }
  x->p = x->end;
  return true;
}

static void put_utf8(struct sd_buf *b, unsigned long cp) {
  char u[4];
  if (cp < 0x80) {
    sd_buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    sd_buf_add(b, u, 2);
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    sd_buf_add(b, u, 3);
  } else if (cp < 0x110000) {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    sd_buf_add(b, u, 4);
  }
}

/* Text up to the next '<', entities decoded, appended to b. */
static bool text(struct xp *x, struct sd_buf *b) {
  static const struct {
    const char *name;
    char c;
  } ents[] = { { "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' } };
  while (x->p < x->end && *x->p != '<') {
    if (*x->p != '&') {
      sd_buf_putc(b, *x->p++);
      continue;
    }
    x->p++;
    bool found = false;
    for (size_t i = 0; i < sizeof ents / sizeof ents[0] && !found; i++) {
      size_t n = strlen(ents[i].name);
      if ((size_t)(x->end - x->p) >= n && strncmp(x->p, ents[i].name, n) == 0) {
        sd_buf_putc(b, ents[i].c);
        x->p += n;
        found = true;
      }
    }
    if (!found && x->p < x->end && *x->p == '#') {
      char *stop;
      bool hex = x->p + 1 < x->end && x->p[1] == 'x';
      unsigned long cp = strtoul(x->p + (hex ? 2 : 1), &stop, hex ? 16 : 10);
      if (stop >= x->end || *stop != ';')
        return false;
      put_utf8(b, cp);
      x->p = stop + 1;
      found = true;
    }
    if (!found)
      return false;
  }
  return true;
}

static void add_child(json_t *obj, const char *name, json_t *v /* stolen */) {
  json_t *old = json_object_get(obj, name);
  if (old == NULL) {
    json_object_set_new(obj, name, strcmp(name, "member") == 0 ? json_pack("[o]", v) : v);
  } else if (json_is_array(old)) {
    json_array_append_new(old, v);
  } else {
    json_object_set_new(obj, name, json_pack("[O, o]", old, v));
  }
}

/* An element at the cursor ('<' of its start tag); its name goes to *name. */
static json_t *element(struct xp *x, char **name) {
  if (++x->depth > 64 || x->p >= x->end || *x->p != '<')
    return NULL;
  const char *n0 = ++x->p;
  while (x->p < x->end && !strchr(" \t\r\n/>", *x->p))
    x->p++;
  *name = sd_xstrndup(n0, (size_t)(x->p - n0));
  while (x->p < x->end && *x->p != '>')
    x->p++; /* attributes */
  if (x->p >= x->end)
    return NULL;
  bool empty = x->p[-1] == '/';
  x->p++;
  if (empty) {
    x->depth--;
    return json_string("");
  }
  struct sd_buf b = { 0 };
  json_t *obj = NULL;
  for (;;) {
    if (!text(x, &b) || x->p >= x->end)
      break;
    if (skip_misc(x))
      continue;
    if (x->p + 1 < x->end && x->p[1] == '/') {
      const char *close = memchr(x->p, '>', (size_t)(x->end - x->p));
      if (close == NULL)
        break;
      x->p = close + 1;
      x->depth--;
      json_t *v = obj ? obj : json_string(b.data ? b.data : "");
      sd_buf_free(&b);
      return v;
    }
    char *cname = NULL;
    json_t *child = element(x, &cname);
    if (child == NULL) {
      free(cname);
      break;
    }
    if (obj == NULL)
      obj = json_object();
    add_child(obj, cname, child);
    free(cname);
  }
  sd_buf_free(&b);
  json_decref(obj);
  return NULL;
}

json_t *sd_aws_xml_parse(const char *text_, size_t len) {
  struct xp x = { text_, text_ + len, 0 };
  for (;;) {
    skip_ws(&x);
    if (!skip_misc(&x))
      break;
  }
  char *name = NULL;
  json_t *root = element(&x, &name);
  json_t *doc = NULL;
  if (root != NULL)
    doc = json_pack("{s:o}", name, root);
  free(name);
  return doc;
}
