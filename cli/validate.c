/* `stepd validate`: checks a definition without running it and prints the
 * result as AWS's ValidateStateMachineDefinition returns it, pretty-printed
 * on stdout. Exit status 0 when valid, 2 when not (also for an unreadable
 * file or bad JSON, whose diagnostic gives line:column). Not for: the checks
 * themselves (engine/validate.c). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/validate.h"
#include "integrations/integrations.h"

static const char validate_usage[] =
    "usage: stepd validate DEFINITION [--type STANDARD|EXPRESS]\n"
    "\n"
    "Checks DEFINITION (an ASL JSON file, - for stdin) as AWS's\n"
    "ValidateStateMachineDefinition does and prints its answer:\n"
    "  {\"result\": \"OK\"|\"FAIL\", \"diagnostics\": [{\"severity\", \"code\", \"message\", "
    "\"location\"}]}\n"
    "Locations are JSON pointers into the definition (line:column for JSON syntax errors).\n"
    "WARNING diagnostics never make a definition invalid.\n"
    "\n"
    "  --type TYPE   STANDARD (default) or EXPRESS: EXPRESS machines may not use\n"
    "                activities, '.sync' or '.waitForTaskToken'\n"
    "  --help        print this help\n"
    "\n"
    "Exit status: 0 valid, 2 invalid, unreadable or not JSON.\n";

int sd_cli_validate(int argc, char **argv) {
  const char *path = NULL, *type = "STANDARD";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(validate_usage, stdout);
      return SD_EXIT_OK;
    }
    if (strcmp(argv[i], "--type") == 0 || strncmp(argv[i], "--type=", 7) == 0) {
      const char *v = argv[i][6] == '=' ? argv[i] + 7 : (i + 1 < argc ? argv[++i] : NULL);
      if (v == NULL || (strcmp(v, "STANDARD") != 0 && strcmp(v, "EXPRESS") != 0)) {
        sd_cli_errorf("--type must be STANDARD or EXPRESS");
        return SD_EXIT_USAGE;
      }
      type = v;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      sd_cli_errorf("validate: unknown option '%s'\n\n%s", argv[i], validate_usage);
      return SD_EXIT_USAGE;
    } else if (path != NULL) {
      sd_cli_errorf("validate: one DEFINITION only\n\n%s", validate_usage);
      return SD_EXIT_USAGE;
    } else {
      path = argv[i];
    }
  }
  if (path == NULL) {
    fputs(validate_usage, stderr);
    return SD_EXIT_USAGE;
  }
  size_t len;
  char *text = sd_cli_read_file(path, &len);
  if (text == NULL)
    return SD_EXIT_USAGE;
  /* A resource AWS knows but no built-in connector serves is a WARNING:
   * such a Task runs only where a mock serves it. */
  struct sd_validate_opts opts = { .type = type, .served = sd_integrations_serves };
  json_t *result = sd_validate_text(text, len, &opts);
  free(text);
  char *out = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (out != NULL)
    puts(out);
  free(out);
  const char *verdict = json_string_value(json_object_get(result, "result"));
  int rc = verdict != NULL && strcmp(verdict, "OK") == 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
  json_decref(result);
  return rc;
}
