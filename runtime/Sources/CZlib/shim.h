// zlib, used to read gzipped IDX dataset files.
#include <zlib.h>
