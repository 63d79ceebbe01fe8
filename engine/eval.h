/* What an expression (path, intrinsic, payload template) may read besides its
 * input: the context object and the execution's settings. */
#ifndef SD_ENGINE_EVAL_H
#define SD_ENGINE_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct sd_eval_env {
  json_t *ctx; /* the context object ($$), borrowed; NULL: ask ctx_get */
  /* Builds the context object on first use (most states never read `$$`, so
   * the engine does not build it up front); returns a borrowed reference. */
  json_t *(*ctx_get)(void *data);
  void *ctx_data;
  bool limits;   /* enforce AWS's limits (256 KiB payloads, intrinsic argument bounds) */
  uint64_t *rng; /* xorshift state for States.MathRandom / States.UUID; NULL = process-wide state */
};

/* The context object for `$$` paths: borrowed, or NULL when there is none. */
static inline json_t *sd_eval_ctx(const struct sd_eval_env *env) {
  if (env == NULL)
    return NULL;
  if (env->ctx != NULL)
    return env->ctx;
  return env->ctx_get ? env->ctx_get(env->ctx_data) : NULL;
}

/* AWS's payload limit: 256 KiB for execution input/output and state data. */
#define SD_PAYLOAD_LIMIT (256 * 1024)

#endif
