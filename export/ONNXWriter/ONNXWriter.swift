// Module ONNXWriter: placeholder until the export change lands.
