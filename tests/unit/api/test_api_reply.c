/* The replies the server writes as text must be what the json_t path
 * (sd_api_time at 15 digits, Jansson's compact text) writes. */
#include "runner.h"

#include <stdint.h>
#include <stdlib.h>

#include "engine/alloc.h"
#include "server/api.h"

TEST(put_time_matches_the_json_path) {
  static const int64_t fixed[] = { 0,
                                   1,
                                   10,
                                   100,
                                   999,
                                   1000,
                                   1700000000000,
                                   1700000000001,
                                   1700000000010,
                                   1700000000100,
                                   1700000000120,
                                   1764080000123,
                                   999999999999999 };
  for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] + 5000; i++) {
    int64_t ms = i < sizeof fixed / sizeof fixed[0] ? fixed[i] : 1764080000000 + (int64_t)(i * 7919 % 100000);
    json_t *t = sd_api_time(ms); /* new */
    char *want = json_dumps(t, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    struct sd_buf b = { 0 };
    sd_api_put_time(&b, ms);
    sd_buf_putc(&b, '\0');
    ASSERT_STR_EQ(b.data, want);
    sd_buf_free(&b);
    free(want);
    json_decref(t);
  }
  return 0;
}
