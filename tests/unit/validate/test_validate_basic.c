/* Placeholder replaced below. */
#include "runner.h"
#include "engine/validate.h"
TEST(placeholder) {
  return 0;
}
