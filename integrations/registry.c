/* The resources the built-in (non-mock) connectors serve. Each network
 * connector adds its resource patterns to this table when it lands. */
#include "integrations/integrations.h"

#include <stddef.h>
#include <string.h>

/* Resource prefixes served; empty until the first network connector. */
static const char *const served_prefixes[] = { NULL };

bool sd_integrations_serves(const char *resource, void *data) {
  (void)data;
  for (size_t i = 0; served_prefixes[i] != NULL; i++)
    if (strncmp(resource, served_prefixes[i], strlen(served_prefixes[i])) == 0)
      return true;
  return false;
}
