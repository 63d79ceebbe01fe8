/* The HTTP client's checks of what it is asked to send (http_client.h):
 * what comes from state data must not reach the wire unchecked. */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "runner.h"

#include "engine/err.h"
#include "integrations/http_client.h"

static void never_done(void *data, const struct sd_http_response *r) {
  (void)r;
  *(int *)data += 1;
}

TEST(header_with_a_line_break_is_refused) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  struct sd_http_client *c = sd_http_client_new(&loop);
  const char *bad[] = { "X-Amz-Client-Context: a\r\nX-Evil: 1", "X-Note: a\nb", "X-Injected\r: v" };
  int called = 0;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const char *headers[] = { "Accept: */*", bad[i], NULL };
    struct sd_http_request req = { .url = "http://127.0.0.1:9/", .headers = headers };
    struct sd_err err = { 0 };
    ASSERT(sd_http_client_send(c, &req, never_done, &called, &err) == NULL);
    ASSERT(err.cause != NULL && strstr(err.cause, "line break") != NULL);
    sd_err_clear(&err);
  }
  sd_http_client_free(c);
  uv_run(&loop, UV_RUN_DEFAULT);
  ASSERT_INT_EQ(called, 0);
  ASSERT_INT_EQ(uv_loop_close(&loop), 0);
  return 0;
}
