/* The state types stepd implements, one table each; main() hands
 * sd_states_all to the engine. */
#ifndef SD_STATES_STATES_H
#define SD_STATES_STATES_H

#include "engine/asl.h"

extern const struct sd_state_ops sd_state_pass;
extern const struct sd_state_ops sd_state_task;
extern const struct sd_state_ops sd_state_choice;
extern const struct sd_state_ops sd_state_wait;
extern const struct sd_state_ops sd_state_succeed;
extern const struct sd_state_ops sd_state_fail;
extern const struct sd_state_ops sd_state_parallel;
extern const struct sd_state_ops sd_state_map;

/* NULL-terminated. */
extern const struct sd_state_ops *const sd_states_all[];

#endif
