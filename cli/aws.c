/* The AWS side of `stepd run` and `stepd serve`: reads --config, builds the
 * credential / region / endpoint chain (integrations/aws_config.h) and the
 * AWS connector over it. Prints what it could not read. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/err.h"
#include "engine/jsonr.h"
#include "engine/log.h"
#include "integrations/aws_task.h"

struct sd_aws *sd_cli_aws_new(uv_loop_t *loop, const char *config_path, const char *fallback_region) {
  json_t *file = NULL;
  if (config_path != NULL) {
    size_t len;
    char *text = sd_cli_read_file(config_path, &len);
    if (text == NULL)
      return NULL;
    json_error_t je;
    file = sd_json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (file == NULL) {
      sd_cli_errorf("%s: not JSON: %s at line %d, column %d", config_path, je.text, je.line, je.column);
      return NULL;
    }
  }
  struct sd_err err = { 0 };
  struct sd_aws_config *cfg = sd_aws_config_new(file, fallback_region, &err);
  json_decref(file);
  if (cfg == NULL) {
    sd_cli_errorf("%s%s%s: %s", config_path ? config_path : "AWS configuration", err.where ? ":" : "",
                  err.where ? err.where : "", err.cause ? err.cause : err.name);
    sd_err_clear(&err);
    return NULL;
  }
  sd_log(SD_LOG_INFO, "AWS: region %s, %s", sd_aws_config_region(cfg), sd_aws_config_source(cfg));
  return sd_aws_new(loop, cfg);
}
