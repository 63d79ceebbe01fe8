/* Pass: passes its input (or its Result) to its output through the usual
 * data flow. */
#include "states/states.h"

#include <jansson.h>

#include "engine/exec.h"

static int pass_compile(struct sd_state *st, struct sd_compile *cc, struct sd_err *err) {
  json_t *result = json_object_get(st->def, "Result");
  st->priv = result ? json_incref(result) : NULL;
  return 0;
}

static enum sd_step pass_enter(struct sd_frame *f, struct sd_err *err) {
  json_t *in = sd_flow_input(f, err);
  if (in == NULL)
    return SD_STEP_FAIL;
  json_t *result = in;
  if (f->st->priv != NULL) {
    json_decref(in);
    result = json_incref(f->st->priv);
  }
  f->output = sd_flow_output(f, result, err);
  return f->output ? SD_STEP_NEXT : SD_STEP_FAIL;
}

static void pass_free(struct sd_state *st) {
  json_decref(st->priv);
}

const struct sd_state_ops sd_state_pass = {
  .type = "Pass",
  .events = "Pass",
  .has_exited = true,
  .has_io = true,
  .compile = pass_compile,
  .enter = pass_enter,
  .free = pass_free,
};
