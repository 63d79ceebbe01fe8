/* Parallel and Map: the states that hold machines (Branches, ItemProcessor or
 * its older name Iterator), and the Map's own fields: items, concurrency,
 * tolerated failures, Label and the Distributed Map's ItemReader, ItemBatcher
 * and ResultWriter. Field sets follow the AWS Developer Guide pages "Parallel
 * workflow state" and "Map workflow state". The Distributed-only fields are
 * accepted on any Map (AWS does too: ToleratedFailure* on an inline Map
 * validates). Not for: the states inside (validate.c walks them). */
#include "engine/validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/validate_impl.h"

/* A Map Label: at most 40 characters, none of the characters AWS refuses in
 * names (white space, brackets, wildcards, special and control characters). */
#define VD_MAX_LABEL 40

void vd_parallel(struct vd_ctx *c, json_t *st, enum vd_ql ql) {
  json_t *br = json_object_get(st, "Branches");
  json_t *args = json_object_get(st, "Arguments");
  if (ql == VD_JSONATA && args != NULL && !json_is_object(args) &&
      !(json_is_string(args) && vd_is_jsonata(json_string_value(args))))
    vd_err_at(c, "Arguments", "Value must be an object or a JSONata expression.");
  if (br == NULL) {
    vd_err(c, "The field 'Branches' is required but was missing");
    return;
  }
  if (!json_is_array(br) || json_array_size(br) == 0) {
    vd_err_at(c, "Branches", "Value must be a non-empty array.");
    return;
  }
  size_t mark = vd_push(c, "Branches"), i;
  json_t *b;
  json_array_foreach(br, i, b) {
    size_t m2 = vd_push_index(c, i);
    vd_machine(c, b, VD_BRANCH);
    vd_pop(c, m2);
  }
  vd_pop(c, mark);
}

static void processor(struct vd_ctx *c, const char *field, json_t *p, enum vd_kind kind) {
  static const char *const both[] = { "Mode", "ExecutionType", NULL };
  static const char *const modes[] = { "INLINE", "DISTRIBUTED", NULL };
  static const char *const exec_types[] = { "STANDARD", "EXPRESS", NULL };
  size_t mark = vd_push(c, field);
  json_t *pc = json_object_get(p, "ProcessorConfig");
  if (pc != NULL && vd_object(c, "ProcessorConfig", pc)) {
    size_t m2 = vd_push(c, "ProcessorConfig");
    vd_fields(c, pc, both, NULL, NULL, VD_JSONPATH);
    json_t *v;
    if ((v = json_object_get(pc, "Mode")) != NULL)
      vd_enum(c, "Mode", v, modes);
    if ((v = json_object_get(pc, "ExecutionType")) != NULL)
      vd_enum(c, "ExecutionType", v, exec_types);
    vd_pop(c, m2);
  }
  vd_machine(c, p, kind);
  vd_pop(c, mark);
}

/* Decodes one UTF-8 character at *s (valid UTF-8: Jansson checked it). */
static uint32_t next_char(const unsigned char **s) {
  const unsigned char *p = *s;
  uint32_t cp;
  int extra;
  if (p[0] < 0x80) {
    cp = p[0];
    extra = 0;
  } else if ((p[0] & 0xE0) == 0xC0) {
    cp = p[0] & 0x1F;
    extra = 1;
  } else if ((p[0] & 0xF0) == 0xE0) {
    cp = p[0] & 0x0F;
    extra = 2;
  } else {
    cp = p[0] & 0x07;
    extra = 3;
  }
  p++;
  for (int i = 0; i < extra && (*p & 0xC0) == 0x80; i++)
    cp = (cp << 6) | (*p++ & 0x3F);
  *s = p;
  return cp;
}

static bool label_char_ok(uint32_t cp) {
  if (cp <= 0x20 || (cp >= 0x7F && cp <= 0x9F))
    return false;
  return cp > 0x7F || strchr("<>{}[]?*\"#%\\^|~`$&,;:/", (int)cp) == NULL;
}

static void label(struct vd_ctx *c, json_t *v) {
  if (!vd_string(c, "Label", v))
    return;
  size_t mark = vd_push(c, "Label");
  const char *s = json_string_value(v);
  size_t n = 0;
  uint32_t bad = 0;
  bool found_bad = false;
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    uint32_t cp = next_char(&p);
    n++;
    if (!found_bad && !label_char_ok(cp)) {
      bad = cp;
      found_bad = true;
    }
  }
  if (n == 0)
    vd_diag(c, VD_ERROR, VD_BAD_LABEL, vd_loc(c), "Label cannot be empty");
  else if (n > VD_MAX_LABEL)
    vd_diag(c, VD_ERROR, VD_BAD_LABEL, vd_loc(c), "Label cannot exceed %d characters", VD_MAX_LABEL);
  else if (found_bad && bad > 0x20 && bad < 0x7F)
    vd_diag(c, VD_ERROR, VD_BAD_LABEL, vd_loc(c), "Label contains invalid character: '%c'", (char)bad);
  else if (found_bad)
    vd_diag(c, VD_ERROR, VD_BAD_LABEL, vd_loc(c), "Label contains invalid character: U+%04X", (unsigned)bad);
  else if (json_object_get(c->labels, s) != NULL)
    vd_diag(c, VD_ERROR, VD_DUP_LABEL, vd_loc(c), "Label '%s' is used by more than one Map state", s);
  else
    json_object_set_new(c->labels, s, json_true());
  vd_pop(c, mark);
}

static void item_reader(struct vd_ctx *c, json_t *r, enum vd_ql ql) {
  static const char *const both[] = { "Resource", "ReaderConfig", NULL };
  static const char *const path_only[] = { "Parameters", NULL };
  static const char *const ata_only[] = { "Arguments", NULL };
  if (!vd_object(c, "ItemReader", r))
    return;
  size_t mark = vd_push(c, "ItemReader");
  vd_fields(c, r, both, path_only, ata_only, ql);
  json_t *v = json_object_get(r, "Resource");
  if (v == NULL)
    vd_err(c, "The field 'Resource' is required but was missing");
  else if (vd_string(c, "Resource", v))
    vd_io_resource(c, "Resource", json_string_value(v), false);
  if ((v = json_object_get(r, "ReaderConfig")) != NULL)
    vd_object(c, "ReaderConfig", v);
  if ((v = json_object_get(r, "Parameters")) != NULL && ql == VD_JSONPATH)
    vd_template(c, "Parameters", v);
  vd_pop(c, mark);
}

static void item_batcher(struct vd_ctx *c, json_t *b, enum vd_ql ql) {
  static const char *const both[] = { "MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput", NULL };
  static const char *const path_only[] = { "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath", NULL };
  if (!vd_object(c, "ItemBatcher", b))
    return;
  size_t mark = vd_push(c, "ItemBatcher");
  vd_fields(c, b, both, path_only, NULL, ql);
  bool ata = ql == VD_JSONATA;
  json_t *v;
  if ((v = json_object_get(b, "MaxItemsPerBatch")) != NULL)
    vd_int(c, "MaxItemsPerBatch", v, 0, INT32_MAX, ata);
  if ((v = json_object_get(b, "MaxInputBytesPerBatch")) != NULL)
    vd_int(c, "MaxInputBytesPerBatch", v, 0, INT32_MAX, ata);
  for (int i = 0; i < 2 && !ata; i++)
    if ((v = json_object_get(b, path_only[i])) != NULL)
      vd_path(c, path_only[i], v, VD_PATH_REF | VD_PATH_VARS);
  if ((v = json_object_get(b, "BatchInput")) != NULL && vd_object(c, "BatchInput", v) && !ata)
    vd_template(c, "BatchInput", v);
  vd_pop(c, mark);
}

static void result_writer(struct vd_ctx *c, json_t *w, enum vd_ql ql) {
  static const char *const both[] = { "Resource", "WriterConfig", NULL };
  static const char *const path_only[] = { "Parameters", NULL };
  static const char *const ata_only[] = { "Arguments", NULL };
  if (!vd_object(c, "ResultWriter", w))
    return;
  size_t mark = vd_push(c, "ResultWriter");
  vd_fields(c, w, both, path_only, ata_only, ql);
  json_t *v;
  if ((v = json_object_get(w, "Resource")) != NULL && vd_string(c, "Resource", v))
    vd_io_resource(c, "Resource", json_string_value(v), true);
  if ((v = json_object_get(w, "WriterConfig")) != NULL)
    vd_object(c, "WriterConfig", v);
  if ((v = json_object_get(w, "Parameters")) != NULL && ql == VD_JSONPATH)
    vd_template(c, "Parameters", v);
  vd_pop(c, mark);
}

/* MaxConcurrency and the tolerated failures: a number or its ...Path. */
static void limits(struct vd_ctx *c, json_t *st, bool ata) {
  static const char *const paths[] = { "MaxConcurrencyPath", "ToleratedFailurePercentagePath",
                                       "ToleratedFailureCountPath" };
  json_t *v;
  vd_exclusive(c, st, "MaxConcurrency", "MaxConcurrencyPath");
  vd_exclusive(c, st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
  vd_exclusive(c, st, "ToleratedFailureCount", "ToleratedFailureCountPath");
  if ((v = json_object_get(st, "MaxConcurrency")) != NULL)
    vd_int(c, "MaxConcurrency", v, 0, INT32_MAX, ata);
  if ((v = json_object_get(st, "ToleratedFailurePercentage")) != NULL)
    vd_number(c, "ToleratedFailurePercentage", v, 0, 100, ata);
  if ((v = json_object_get(st, "ToleratedFailureCount")) != NULL)
    vd_int(c, "ToleratedFailureCount", v, 0, INT32_MAX, ata);
  for (int i = 0; i < 3 && !ata; i++)
    if ((v = json_object_get(st, paths[i])) != NULL)
      vd_path(c, paths[i], v, VD_PATH_REF | VD_PATH_VARS);
}

void vd_map(struct vd_ctx *c, json_t *st, enum vd_ql ql) {
  bool ata = ql == VD_JSONATA;
  json_t *ip = json_object_get(st, "ItemProcessor");
  json_t *it = json_object_get(st, "Iterator");
  if (ip != NULL && it != NULL)
    vd_err(c, "Fields 'ItemProcessor' and 'Iterator' are mutually exclusive");
  else if (ip == NULL && it == NULL)
    vd_err(c, "The field 'ItemProcessor' is required but was missing");
  vd_exclusive(c, st, "Parameters", "ItemSelector");
  limits(c, st, ata);
  json_t *v;
  if (!ata && (v = json_object_get(st, "ItemsPath")) != NULL)
    vd_path(c, "ItemsPath", v, VD_PATH_REF | VD_PATH_VARS);
  if (ata && (v = json_object_get(st, "Items")) != NULL && !json_is_array(v) &&
      !(json_is_string(v) && vd_is_jsonata(json_string_value(v))))
    vd_err_at(c, "Items", "Value must be an array or a JSONata expression.");
  if (!ata && (v = json_object_get(st, "ItemSelector")) != NULL)
    vd_template(c, "ItemSelector", v);
  if ((v = json_object_get(st, "Label")) != NULL)
    label(c, v);
  if ((v = json_object_get(st, "ItemReader")) != NULL)
    item_reader(c, v, ql);
  if ((v = json_object_get(st, "ItemBatcher")) != NULL)
    item_batcher(c, v, ql);
  if ((v = json_object_get(st, "ResultWriter")) != NULL)
    result_writer(c, v, ql);
  if (ip != NULL)
    processor(c, "ItemProcessor", ip, VD_PROCESSOR);
  if (it != NULL)
    processor(c, "Iterator", it, VD_ITERATOR);
}
