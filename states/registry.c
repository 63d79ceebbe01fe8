/* The table of state types handed to the engine. */
#include "states/states.h"

#include <stddef.h>

const struct sd_state_ops *const sd_states_all[] = {
  &sd_state_pass, &sd_state_task,     &sd_state_choice, &sd_state_wait, &sd_state_succeed,
  &sd_state_fail, &sd_state_parallel, &sd_state_map,    NULL,
};
