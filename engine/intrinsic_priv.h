/* The compiled form of an intrinsic call, shared by the parser
 * (intrinsic_parse.c) and the evaluator with its function table
 * (intrinsic_fns.c). Private to those two files: everyone else goes through
 * engine/intrinsic.h. */
#ifndef SD_ENGINE_INTRINSIC_PRIV_H
#define SD_ENGINE_INTRINSIC_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "engine/eval.h"

struct sd_err;
struct sd_path;
struct sd_intrinsic_node;

enum sd_intrinsic_kind {
  SD_INTRINSIC_LIT,  /* a string, number, true, false or null literal */
  SD_INTRINSIC_PATH, /* $..., $$... */
  SD_INTRINSIC_CALL, /* States.Xxx(...) */
};

/* One function of the table: its name, the argument counts the parser
 * checks, and the evaluator, which gets the call node and its already
 * evaluated arguments (argv[0..call->nargs), borrowed) and returns a new
 * reference or NULL with err set. */
struct sd_intrinsic_fn {
  const char *name; /* "States.Format" */
  int min_args;
  int max_args; /* -1: no upper bound */
  json_t *(*eval)(const struct sd_intrinsic_node *call, json_t **argv, const struct sd_eval_env *env,
                  struct sd_err *err);
};

struct sd_intrinsic_node {
  enum sd_intrinsic_kind kind;
  size_t pos;                       /* offset of the node in the text, for messages */
  json_t *lit;                      /* LIT: the value; owned */
  size_t *holes;                    /* LIT strings: offsets of each unescaped "{}" in the decoded string (what
                                       States.Format replaces); owned, NULL when none */
  size_t nholes;                    /* LIT strings: entries in holes */
  struct sd_path *path;             /* PATH: owned */
  const struct sd_intrinsic_fn *fn; /* CALL: a row of the static table */
  struct sd_intrinsic_node **args;  /* CALL: owned */
  size_t nargs;                     /* CALL */
};

struct sd_intrinsic {
  unsigned refs;                  /* holders: more than one once interned (intern.h) */
  char *text;                     /* as written; owned */
  struct sd_intrinsic_node *root; /* always a CALL; owned */
};

/* Looks up "States.Xxx" (name[0..len)) in the function table; NULL when unknown. */
const struct sd_intrinsic_fn *sd_intrinsic_fn_find(const char *name, size_t len);

/* Evaluates one node on `input` (borrowed). Returns a new reference or NULL with err set. */
json_t *sd_intrinsic_node_eval(const struct sd_intrinsic_node *n, json_t *input,
                               const struct sd_eval_env *env, struct sd_err *err);

/* Text helpers (intrinsic_text.c). AWS runs the intrinsics on the JVM with
 * Jackson, so numbers and values print as Java prints them. */
struct sd_buf;

/* Appends a double as Java's Double.toString does: "1.0", "1.1", "0.001",
 * "1.0E7", "1.0E-4", "-0.0" (shortest digits that read back the same). */
void sd_intrinsic_put_double(struct sd_buf *b, double d);

/* Appends `v` (borrowed) as States.Format prints an argument: strings
 * unquoted, arrays "[a, b]" and objects "{k=v, k2=v2}" (Java's List and Map
 * toString), numbers as above. */
void sd_intrinsic_put_text(struct sd_buf *b, json_t *v);

/* Appends `v` (borrowed) as compact JSON the way Jackson writes it: no blanks,
 * keys in stored order, "\n"-style escapes for the usual control characters
 * and "\u001F" for the others, non-ASCII left as UTF-8, doubles as above. */
void sd_intrinsic_put_json(struct sd_buf *b, json_t *v);

/* Length of valid UTF-8 s[0..n) in UTF-16 code units: what Java's
 * String.length() reports, which is how AWS counts its character limits. */
size_t sd_intrinsic_utf16_len(const char *s, size_t n);

/* Standard base64 with padding (java.util.Base64's basic encoder). */
void sd_intrinsic_base64_encode(struct sd_buf *b, const unsigned char *data, size_t n);

/* Decodes like java.util.Base64's basic decoder: alphabet A-Z a-z 0-9 + /,
 * padding optional but exact when present, nothing after it, no blanks.
 * Appends the bytes to b; returns -1 on malformed input. */
int sd_intrinsic_base64_decode(struct sd_buf *b, const char *s, size_t n);

/* Appends bytes as UTF-8, replacing each malformed sequence with U+FFFD, as
 * Java's new String(bytes, UTF_8) does. */
void sd_intrinsic_put_utf8_lossy(struct sd_buf *b, const unsigned char *s, size_t n);

#endif
