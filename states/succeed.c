/* Succeed: ends its frame (the execution, a branch or an iteration) with its
 * input, after InputPath and OutputPath. */
#include "states/states.h"

#include "engine/exec.h"

static enum sd_step succeed_enter(struct sd_frame *f, struct sd_err *err) {
  json_t *in = sd_flow_input(f, err);
  if (in == NULL)
    return SD_STEP_FAIL;
  f->output = sd_flow_output(f, in, err);
  return f->output ? SD_STEP_SUCCEED : SD_STEP_FAIL;
}

const struct sd_state_ops sd_state_succeed = {
  .type = "Succeed",
  .events = "Succeed",
  .has_exited = true,
  .has_io = true,
  .enter = succeed_enter,
};
