/* Choice Rules (JSONPath) compiled once into a tree: And / Or / Not nodes
 * over comparisons whose Variable and `...Path` operands are compiled
 * reference paths and whose literal timestamps and StringMatches patterns
 * are parsed ahead of time. Evaluation follows AWS: a comparison whose
 * operand has the wrong type is false, a Variable that finds nothing is a
 * States.Runtime error except under IsPresent. Not for: the Choice state's
 * Next / Default and data flow (choice.c) or JSONata Conditions. */
#ifndef SD_STATES_CHOICE_RULES_H
#define SD_STATES_CHOICE_RULES_H

#include <stdbool.h>

#include <jansson.h>

#include "engine/eval.h"

struct sd_err;
struct sd_choice_rule;

/* Compiles the Choice Rule `def` (borrowed), found at JSON pointer `ptr`
 * ("/States/C/Choices/0"). A top-level rule may carry Next (read by the
 * caller, ignored here); a nested one (under And, Or, Not) may not. Returns
 * NULL with err (InvalidDefinition, `where` set) on an unknown operator, a
 * literal of the wrong type, a bad path or timestamp. */
struct sd_choice_rule *sd_choice_rule_compile(json_t *def, const char *ptr, bool top, struct sd_err *err);
void sd_choice_rule_free(struct sd_choice_rule *r);

/* Evaluates `r` on `input` (borrowed; the state's effective input), reading
 * `$$` paths from env->ctx. Sets *match and returns 0, or returns -1 with err
 * (States.Runtime, AWS's path cause without the state prefix). */
int sd_choice_rule_eval(const struct sd_choice_rule *r, json_t *input, const struct sd_eval_env *env,
                        bool *match, struct sd_err *err);

#endif
