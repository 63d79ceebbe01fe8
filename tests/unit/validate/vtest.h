/* Helpers of the validate tests: definitions written with ' for ", and
 * results flattened to one line per diagnostic, so that expectations read
 * as the diagnostics themselves. */
#ifndef SD_TESTS_VALIDATE_VTEST_H
#define SD_TESTS_VALIDATE_VTEST_H

#include <jansson.h>

/* Copies `text`, turning ' into " and \' into '. Caller frees. */
char *vt_quote(const char *text);
/* Validates `text` (quoted as vt_quote does) as type STANDARD or EXPRESS.
 * Returns the result, a new reference. */
json_t *vt_validate(const char *text, const char *type);
/* "OK" or "FAIL", then one line per diagnostic:
 *   SEVERITY CODE LOCATION: MESSAGE      (LOCATION "-" when there is none)
 * joined with '\n'. Caller frees. */
char *vt_lines(json_t *result);
/* The lines of vt_validate(text, type); caller frees. */
char *vt_check(const char *text, const char *type);

#endif
