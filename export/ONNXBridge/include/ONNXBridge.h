#ifndef ONNX_BRIDGE_H
#define ONNX_BRIDGE_H
/* A plain-C door to libonnx (C++), so that Swift never imports protobuf or ONNX headers (that crashes the
 * compiler) and no C++ exception ever reaches Swift (that aborts the process). */
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses `length` bytes as a serialized onnx.ModelProto, runs onnx::checker::check_model and then shape
 * inference in strict mode (node-level errors thrown, inferred shapes merged with the declared ones).
 * Returns NULL when the model passes, otherwise a malloc'd, NUL-terminated one-line message that the caller
 * frees with onnx_bridge_free. Never throws. */
char *onnx_bridge_check_model(const void *bytes, size_t length);

/* Frees a message returned by this bridge (NULL is fine). */
void onnx_bridge_free(char *message);

#ifdef __cplusplus
}
#endif
#endif
