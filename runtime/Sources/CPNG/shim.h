// libpng's simplified API. Function-like macros and PNG_FORMAT_* constants do not import into Swift,
// so they are re-exported here as static inline functions / constants.
#include <png.h>
