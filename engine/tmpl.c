/* Payload templates (see tmpl.h): the template JSON is compiled once into a
 * tree that mirrors it, in which every subtree without a ".$" key collapses
 * into one constant. Evaluating a constant is a json_incref; only the spine
 * leading to paths and intrinsic calls is rebuilt per evaluation. Not for:
 * the paths themselves (path.c) or the intrinsic functions (intrinsic_*.c).
 *
 * Constants are shared between every output of the template: like every
 * JSON value the engine hands around, outputs must be treated as immutable. */
#include "engine/tmpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alloc.h"
#include "engine/err.h"
#include "engine/intrinsic.h"
#include "engine/json_arena.h"
#include "engine/path.h"

enum tkind {
  T_CONST,  /* a JSON value without any ".$" key */
  T_PATH,   /* "key.$": "$..." or "$$..." */
  T_FUNC,   /* "key.$": "States.Something(...)" */
  T_OBJECT, /* an object with some dynamic member */
  T_ARRAY,  /* an array with some dynamic element */
};

struct tnode;

struct tfield {
  const char *key; /* output key (the first len bytes); borrowed from the template's def */
  size_t len;
  struct tnode *node; /* points into the parent's nodes array */
};

struct tnode {
  enum tkind kind;
  json_t *value;           /* T_CONST; owned */
  struct sd_path *path;    /* T_PATH; owned */
  struct sd_intrinsic *fn; /* T_FUNC; owned */
  const char *field;       /* T_PATH, T_FUNC: the key as written, for causes; borrowed from def */
  struct tfield *fields;   /* T_OBJECT; one allocation with the child nodes: owned, or the tail of
                              the sd_tmpl itself when in_tmpl */
  struct tnode *items;     /* T_ARRAY; owned */
  size_t n;
  bool in_tmpl;
};

/* The def is kept so that keys and fields can point into it rather than be
 * copied: a definition is never mutated once loaded. A root object's
 * fields and nodes follow the struct in its allocation (one malloc less a
 * template: Parameters is nearly always an object). */
struct sd_tmpl {
  struct tnode root;
  json_t *def; /* owned reference */
};

/* Frees what t owns, not t itself (nodes live in arrays). */
static void node_clear(struct tnode *t) {
  json_decref(t->value);
  sd_path_free(t->path);
  if (t->fn != NULL)
    sd_intrinsic_free(t->fn);
  for (size_t i = 0; t->fields != NULL && i < t->n; i++)
    node_clear(t->fields[i].node);
  for (size_t i = 0; t->items != NULL && i < t->n; i++)
    node_clear(&t->items[i]);
  if (!t->in_tmpl)
    sd_json_arena_free(t->fields);
  sd_json_arena_free(t->items);
  memset(t, 0, sizeof *t);
}

void sd_tmpl_free(struct sd_tmpl *t) {
  if (t == NULL)
    return;
  node_clear(&t->root);
  json_decref(t->def);
  sd_json_arena_free(t);
}

/* Appends a JSON Pointer reference token (RFC 6901: "~" and "/" escaped). */
static char *pointer_join(const char *where, const char *key) {
  struct sd_buf b = { 0 };
  sd_buf_puts(&b, where ? where : "");
  sd_buf_putc(&b, '/');
  for (const char *k = key; *k; k++) {
    if (*k == '~')
      sd_buf_puts(&b, "~0");
    else if (*k == '/')
      sd_buf_puts(&b, "~1");
    else
      sd_buf_putc(&b, *k);
  }
  return sd_buf_steal(&b);
}

static bool ends_with_dollar(const char *key, size_t len) {
  return len >= 2 && key[len - 2] == '.' && key[len - 1] == '$';
}

/* A "key.$" member (`v` borrowed): the value must be a string holding a path or an
 * intrinsic call. AWS reports any other value, or one that does not parse,
 * with one message located at the enclosing object. Fills *t; -1 with err. */
static int compile_dynamic(const char *key, json_t *v, const char *where, struct tnode *t,
                           struct sd_err *err) {
  const char *text = json_is_string(v) ? json_string_value(v) : NULL;
  struct sd_err inner = { 0 };
  if (text != NULL && text[0] == '$') {
    t->path = sd_path_compile(text, 0, &inner);
    t->kind = T_PATH;
  } else if (text != NULL && sd_intrinsic_is_call(text)) {
    t->fn = sd_intrinsic_compile(text, &inner);
    t->kind = T_FUNC;
  }
  if (inner.name != NULL || inner.cause != NULL || inner.where != NULL) /* most compile: no call */
    sd_err_clear(&inner);
  if (t->path == NULL && t->fn == NULL) {
    memset(t, 0, sizeof *t);
    sd_err_set(err, SD_E_INVALID_DEFINITION,
               "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call",
               key);
    sd_err_set_where(err, "%s", where ? where : "");
    return -1;
  }
  t->field = key;
  return 0;
}

static int compile_node(json_t *def, const char *where, struct tnode *t, struct sd_err *err);

static void make_scalar(json_t *def, struct tnode *t) {
  t->kind = T_CONST;
  t->value = json_incref(def); /* scalars are never mutated */
}

/* A container child: its pointer is only needed by nested containers (for
 * their error locations), so scalars skip building it, and compile_node's
 * call (a template's constants are mostly scalars). */
static int compile_child(json_t *v, const char *where, const char *token, struct tnode *t,
                         struct sd_err *err) {
  if (!json_is_object(v) && !json_is_array(v)) {
    make_scalar(v, t);
    return 0;
  }
  char *sub = pointer_join(where, token);
  int rc = compile_node(v, sub, t, err);
  free(sub);
  return rc;
}

/* Collapses a container without dynamic members into one constant. */
static void make_const(json_t *def, struct tnode *t) {
  node_clear(t);
  t->kind = T_CONST;
  t->value = json_deep_copy(def);
}

/* Fields an object's compile makes room for (at least one). */
static size_t fields_count(json_t *def) {
  size_t n = json_object_size(def);
  return n ? n : 1;
}

/* Bytes for `count` fields and their nodes. */
static size_t fields_size(size_t count) {
  return count * (sizeof(struct tfield) + sizeof(struct tnode));
}

/* `block` (zeroed, fields_size(size) bytes) holds the fields when not NULL;
 * size is fields_count(def). */
static int compile_object(json_t *def, const char *where, struct tnode *t, size_t size, void *block,
                          struct sd_err *err) {
  t->kind = T_OBJECT;
  /* Fields and their nodes in one allocation. */
  t->fields = block != NULL ? block : sd_json_arena_calloc(1, fields_size(size));
  t->in_tmpl = block != NULL;
  struct tnode *nodes = (struct tnode *)(void *)(t->fields + size);
  bool dynamic = false;
  /* The iterator itself rather than json_object_keylen_foreach, which
   * finds it again from the key three times a member: 306 instructions
   * a four-member template went to iterating, 103 fewer this way. */
  for (void *it = json_object_iter(def); it != NULL; it = json_object_iter_next(def, it)) {
    const char *key = json_object_iter_key(it);
    size_t klen = json_object_iter_key_len(it);
    json_t *v = json_object_iter_value(it);
    struct tfield *f = &t->fields[t->n];
    f->node = &nodes[t->n];
    int rc;
    if (ends_with_dollar(key, klen)) {
      rc = compile_dynamic(key, v, where, f->node, err);
      f->len = klen - 2;
    } else {
      rc = compile_child(v, where, key, f->node, err);
      f->len = klen;
    }
    if (rc != 0) {
      node_clear(t);
      return -1;
    }
    f->key = key;
    t->n++;
    dynamic |= f->node->kind != T_CONST;
  }
  if (!dynamic)
    make_const(def, t);
  return 0;
}

static int compile_array(json_t *def, const char *where, struct tnode *t, struct sd_err *err) {
  t->kind = T_ARRAY;
  t->items = sd_json_arena_calloc(json_array_size(def) ? json_array_size(def) : 1, sizeof *t->items);
  bool dynamic = false;
  size_t i;
  json_t *v;
  json_array_foreach(def, i, v) {
    char idx[32];
    snprintf(idx, sizeof idx, "%zu", i);
    if (compile_child(v, where, idx, &t->items[t->n], err) != 0) {
      node_clear(t);
      return -1;
    }
    dynamic |= t->items[t->n++].kind != T_CONST;
  }
  if (!dynamic)
    make_const(def, t);
  return 0;
}

/* Fills *t (zeroed) from def (borrowed); -1 with err, *t left empty. */
static int compile_node(json_t *def, const char *where, struct tnode *t, struct sd_err *err) {
  if (json_is_object(def))
    return compile_object(def, where, t, fields_count(def), NULL, err);
  if (json_is_array(def))
    return compile_array(def, where, t, err);
  make_scalar(def, t);
  return 0;
}

struct sd_tmpl *sd_tmpl_compile(json_t *def, const char *where, struct sd_err *err) {
  if (def == NULL) {
    sd_err_set(err, SD_E_INVALID_DEFINITION, "A payload template must be JSON");
    sd_err_set_where(err, "%s", where ? where : "");
    return NULL;
  }
  size_t count = json_is_object(def) ? fields_count(def) : 0, extra = fields_size(count);
  /* A run's templates live as long as its definition: in its arena. */
  struct sd_tmpl *t = sd_json_arena_calloc(1, sizeof *t + extra);
  int rc = extra ? compile_object(def, where, &t->root, count, t + 1, err)
                 : compile_node(def, where, &t->root, err);
  if (rc != 0) {
    sd_json_arena_free(t);
    return NULL;
  }
  t->def = json_incref(def);
  return t;
}

/* The cause AWS gives when a template's path finds nothing: it quotes the
 * template's input as compact JSON, also for "$$" paths. */
static json_t *path_missing(const struct tnode *t, json_t *input, struct sd_err *err) {
  if (err == NULL)
    return NULL;
  char *in = json_dumps(input ? input : json_null(), JSON_COMPACT | JSON_ENCODE_ANY);
  sd_err_set(err, SD_E_RUNTIME,
             "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'",
             sd_path_text(t->path), t->field, in ? in : "null");
  free(in);
  return NULL;
}

static json_t *eval_object(const struct tnode *t, json_t *input, const struct sd_eval_env *env, json_t *out,
                           struct sd_err *err);

/* Evaluates one node on `input` (borrowed). New reference, or NULL with err. */
static json_t *eval_node(const struct tnode *t, json_t *input, const struct sd_eval_env *env,
                         struct sd_err *err) {
  switch (t->kind) {
    case T_CONST:
      return json_incref(t->value);
    case T_PATH: {
      json_t *v = sd_path_get(t->path, input, env, err);
      /* A null input keeps the path's own cause, as AWS reports that case
       * before it looks for any field. */
      if (v == NULL && (sd_path_is_context(t->path) || !(input == NULL || json_is_null(input))))
        return path_missing(t, input, err);
      return v;
    }
    case T_FUNC:
      return sd_intrinsic_eval(t->fn, input, env, err);
    case T_OBJECT:
      return eval_object(t, input, env, json_object(), err);
    case T_ARRAY: {
      json_t *out = json_array();
      for (size_t i = 0; i < t->n; i++) {
        json_t *v = eval_node(&t->items[i], input, env, err);
        if (v == NULL) {
          json_decref(out);
          return NULL;
        }
        json_array_append_new(out, v);
      }
      return out;
    }
  }
  return NULL;
}

/* Fills `out` (stolen) with the members of object node t. */
static json_t *eval_object(const struct tnode *t, json_t *input, const struct sd_eval_env *env, json_t *out,
                           struct sd_err *err) {
  for (size_t i = 0; i < t->n; i++) {
    json_t *v = eval_node(t->fields[i].node, input, env, err);
    if (v == NULL) {
      json_decref(out);
      return NULL;
    }
    json_object_setn_new_nocheck(out, t->fields[i].key, t->fields[i].len, v);
  }
  return out;
}

json_t *sd_tmpl_eval(const struct sd_tmpl *t, json_t *input, const struct sd_eval_env *env,
                     struct sd_err *err) {
  return eval_node(&t->root, input, env, err);
}

json_t *sd_tmpl_eval_into(const struct sd_tmpl *t, json_t *input, const struct sd_eval_env *env,
                          json_t *spare, struct sd_err *err) {
  if (spare == NULL || t->root.kind != T_OBJECT) {
    json_decref(spare);
    return eval_node(&t->root, input, env, err);
  }
  return eval_object(&t->root, input, env, spare, err);
}
