// The libonnx side of the bridge: every entry point catches everything, so only plain C crosses into Swift.
#include "ONNXBridge.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <string>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

namespace {

char *copyMessage(const std::string &text) {
  std::string line = text;
  for (char &c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  char *out = static_cast<char *>(std::malloc(line.size() + 1));
  if (out == nullptr) return nullptr;
  std::memcpy(out, line.data(), line.size());
  out[line.size()] = '\0';
  return out;
}

}  // namespace

extern "C" char *onnx_bridge_check_model(const void *bytes, size_t length) {
  try {
    if (bytes == nullptr && length != 0) return copyMessage("no model bytes");
    if (length > static_cast<size_t>(std::numeric_limits<int>::max())) return copyMessage("model too large to parse");
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes, static_cast<int>(length))) {
      return copyMessage("not a valid serialized onnx.ModelProto");
    }
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception &e) {
      return copyMessage(std::string("check_model: ") + e.what());
    }
    try {
      onnx::ShapeInferenceOptions options(/*check_type=*/true, /*strict_mode=*/1, /*data_prop=*/false);
      onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
    } catch (const std::exception &e) {
      return copyMessage(std::string("shape inference: ") + e.what());
    }
    return nullptr;
  } catch (const std::exception &e) {
    return copyMessage(std::string("onnx: ") + e.what());
  } catch (...) {
    return copyMessage("onnx: unknown C++ exception");
  }
}

extern "C" void onnx_bridge_free(char *message) { std::free(message); }
