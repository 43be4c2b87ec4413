#ifndef ONNX_BRIDGE_H
#define ONNX_BRIDGE_H
/* Placeholder until the export change lands. */
int onnx_bridge_placeholder(void);
#endif
