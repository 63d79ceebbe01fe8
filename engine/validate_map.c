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
#define SD_VD_MAX_LABEL 40

void sd_vd_parallel(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql) {
  json_t *br = json_object_get(st, "Branches");
  json_t *args = json_object_get(st, "Arguments");
  if (ql == SD_VD_JSONATA && args != NULL && !json_is_object(args) &&
      !(json_is_string(args) && sd_vd_is_jsonata(json_string_value(args))))
    sd_vd_err_at(c, "Arguments", "Value must be an object or a JSONata expression.");
  if (br == NULL) {
    sd_vd_err(c, "The field 'Branches' is required but was missing");
    return;
  }
  /* AWS's wording (recorded through TestState) for the empty case. */
  if (!json_is_array(br) || json_array_size(br) == 0) {
    sd_vd_err_at(c, "Branches", "%s",
                 json_is_array(br) ? "Value cannot be empty" : "Value must be a non-empty array.");
    return;
  }
  size_t mark = sd_vd_push(c, "Branches"), i;
  json_t *b;
  json_array_foreach(br, i, b) {
    size_t m2 = sd_vd_push_index(c, i);
    sd_vd_machine(c, b, SD_VD_BRANCH);
    sd_vd_pop(c, m2);
  }
  sd_vd_pop(c, mark);
}

static void processor(struct sd_vd_ctx *c, const char *field, json_t *p, enum sd_vd_kind kind) {
  static const char *const both[] = { "Mode", "ExecutionType", NULL };
  static const char *const modes[] = { "INLINE", "DISTRIBUTED", NULL };
  static const char *const exec_types[] = { "STANDARD", "EXPRESS", NULL };
  size_t mark = sd_vd_push(c, field);
  json_t *pc = json_object_get(p, "ProcessorConfig");
  if (pc != NULL && sd_vd_object(c, "ProcessorConfig", pc)) {
    size_t m2 = sd_vd_push(c, "ProcessorConfig");
    sd_vd_fields(c, pc, both, NULL, NULL, SD_VD_JSONPATH);
    json_t *v;
    if ((v = json_object_get(pc, "Mode")) != NULL)
      sd_vd_enum(c, "Mode", v, modes);
    if ((v = json_object_get(pc, "ExecutionType")) != NULL)
      sd_vd_enum(c, "ExecutionType", v, exec_types);
    sd_vd_pop(c, m2);
  }
  sd_vd_machine(c, p, kind);
  sd_vd_pop(c, mark);
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

static void label(struct sd_vd_ctx *c, json_t *v) {
  if (!sd_vd_string(c, "Label", v))
    return;
  size_t mark = sd_vd_push(c, "Label");
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
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_BAD_LABEL, sd_vd_loc(c), "Label cannot be empty");
  else if (n > SD_VD_MAX_LABEL)
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_BAD_LABEL, sd_vd_loc(c), "Label cannot exceed %d characters",
               SD_VD_MAX_LABEL);
  else if (found_bad && bad > 0x20 && bad < 0x7F)
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_BAD_LABEL, sd_vd_loc(c), "Label contains invalid character: '%c'",
               (char)bad);
  else if (found_bad)
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_BAD_LABEL, sd_vd_loc(c), "Label contains invalid character: U+%04X",
               (unsigned)bad);
  else if (json_object_get(c->labels, s) != NULL)
    sd_vd_diag(c, SD_VD_ERROR, SD_VD_DUP_LABEL, sd_vd_loc(c), "Label '%s' is used by more than one Map state",
               s);
  else
    json_object_set_new(c->labels, s, json_true());
  sd_vd_pop(c, mark);
}

static void item_reader(struct sd_vd_ctx *c, json_t *r, enum sd_vd_ql ql) {
  static const char *const both[] = { "Resource", "ReaderConfig", NULL };
  static const char *const path_only[] = { "Parameters", NULL };
  static const char *const ata_only[] = { "Arguments", NULL };
  if (!sd_vd_object(c, "ItemReader", r))
    return;
  size_t mark = sd_vd_push(c, "ItemReader");
  sd_vd_fields(c, r, both, path_only, ata_only, ql);
  json_t *v = json_object_get(r, "Resource");
  if (v == NULL)
    sd_vd_err(c, "The field 'Resource' is required but was missing");
  else if (sd_vd_string(c, "Resource", v))
    sd_vd_io_resource(c, "Resource", json_string_value(v), false);
  if ((v = json_object_get(r, "ReaderConfig")) != NULL)
    sd_vd_object(c, "ReaderConfig", v);
  if ((v = json_object_get(r, "Parameters")) != NULL && ql == SD_VD_JSONPATH)
    sd_vd_template(c, "Parameters", v);
  sd_vd_pop(c, mark);
}

static void item_batcher(struct sd_vd_ctx *c, json_t *b, enum sd_vd_ql ql) {
  static const char *const both[] = { "MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput", NULL };
  static const char *const path_only[] = { "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath", NULL };
  if (!sd_vd_object(c, "ItemBatcher", b))
    return;
  size_t mark = sd_vd_push(c, "ItemBatcher");
  sd_vd_fields(c, b, both, path_only, NULL, ql);
  bool ata = ql == SD_VD_JSONATA;
  json_t *v;
  if ((v = json_object_get(b, "MaxItemsPerBatch")) != NULL)
    sd_vd_int(c, "MaxItemsPerBatch", v, 0, INT32_MAX, ata);
  if ((v = json_object_get(b, "MaxInputBytesPerBatch")) != NULL)
    sd_vd_int(c, "MaxInputBytesPerBatch", v, 0, INT32_MAX, ata);
  for (int i = 0; i < 2 && !ata; i++)
    if ((v = json_object_get(b, path_only[i])) != NULL)
      sd_vd_path(c, path_only[i], v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
  if ((v = json_object_get(b, "BatchInput")) != NULL && sd_vd_object(c, "BatchInput", v) && !ata)
    sd_vd_template(c, "BatchInput", v);
  sd_vd_pop(c, mark);
}

static void result_writer(struct sd_vd_ctx *c, json_t *w, enum sd_vd_ql ql) {
  static const char *const both[] = { "Resource", "WriterConfig", NULL };
  static const char *const path_only[] = { "Parameters", NULL };
  static const char *const ata_only[] = { "Arguments", NULL };
  if (!sd_vd_object(c, "ResultWriter", w))
    return;
  size_t mark = sd_vd_push(c, "ResultWriter");
  sd_vd_fields(c, w, both, path_only, ata_only, ql);
  json_t *v;
  if ((v = json_object_get(w, "Resource")) != NULL && sd_vd_string(c, "Resource", v))
    sd_vd_io_resource(c, "Resource", json_string_value(v), true);
  if ((v = json_object_get(w, "WriterConfig")) != NULL)
    sd_vd_object(c, "WriterConfig", v);
  if ((v = json_object_get(w, "Parameters")) != NULL && ql == SD_VD_JSONPATH)
    sd_vd_template(c, "Parameters", v);
  sd_vd_pop(c, mark);
}

/* MaxConcurrency and the tolerated failures: a number or its ...Path. */
static void limits(struct sd_vd_ctx *c, json_t *st, bool ata) {
  static const char *const paths[] = { "MaxConcurrencyPath", "ToleratedFailurePercentagePath",
                                       "ToleratedFailureCountPath" };
  json_t *v;
  sd_vd_exclusive(c, st, "MaxConcurrency", "MaxConcurrencyPath");
  sd_vd_exclusive(c, st, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath");
  sd_vd_exclusive(c, st, "ToleratedFailureCount", "ToleratedFailureCountPath");
  if ((v = json_object_get(st, "MaxConcurrency")) != NULL)
    sd_vd_int(c, "MaxConcurrency", v, 0, INT32_MAX, ata);
  if ((v = json_object_get(st, "ToleratedFailurePercentage")) != NULL)
    sd_vd_number(c, "ToleratedFailurePercentage", v, 0, 100, ata);
  if ((v = json_object_get(st, "ToleratedFailureCount")) != NULL)
    sd_vd_int(c, "ToleratedFailureCount", v, 0, INT32_MAX, ata);
  for (int i = 0; i < 3 && !ata; i++)
    if ((v = json_object_get(st, paths[i])) != NULL)
      sd_vd_path(c, paths[i], v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
}

void sd_vd_map(struct sd_vd_ctx *c, json_t *st, enum sd_vd_ql ql) {
  bool ata = ql == SD_VD_JSONATA;
  json_t *ip = json_object_get(st, "ItemProcessor");
  json_t *it = json_object_get(st, "Iterator");
  if (ip != NULL && it != NULL)
    sd_vd_err(c, "Fields 'ItemProcessor' and 'Iterator' are mutually exclusive");
  else if (ip == NULL && it == NULL)
    sd_vd_err(c, "The field 'ItemProcessor' is required but was missing");
  sd_vd_exclusive(c, st, "Parameters", "ItemSelector");
  limits(c, st, ata);
  json_t *v;
  if (!ata && (v = json_object_get(st, "ItemsPath")) != NULL)
    sd_vd_path(c, "ItemsPath", v, SD_VD_PATH_REF | SD_VD_PATH_VARS);
  if (ata && (v = json_object_get(st, "Items")) != NULL && !json_is_array(v) &&
      !(json_is_string(v) && sd_vd_is_jsonata(json_string_value(v))))
    sd_vd_err_at(c, "Items", "Value must be an array or a JSONata expression.");
  if (!ata && (v = json_object_get(st, "ItemSelector")) != NULL)
    sd_vd_template(c, "ItemSelector", v);
  if ((v = json_object_get(st, "Label")) != NULL)
    label(c, v);
  if ((v = json_object_get(st, "ItemReader")) != NULL)
    item_reader(c, v, ql);
  if ((v = json_object_get(st, "ItemBatcher")) != NULL)
    item_batcher(c, v, ql);
  if ((v = json_object_get(st, "ResultWriter")) != NULL)
    result_writer(c, v, ql);
  if (ip != NULL)
    processor(c, "ItemProcessor", ip, SD_VD_PROCESSOR);
  if (it != NULL)
    processor(c, "Iterator", it, SD_VD_ITERATOR);
}
