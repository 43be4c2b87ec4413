/// A parsed and fully validated compact model; its tensor data lives in the aligned file image `bytes`.
///
/// Build one with `CompactModelReader.parse(_:)` / `.read(path:)`, or `CompactModelWriter.model()`.
public struct CompactModel: Sendable {
  /// The version recorded in the file (the major is always `FormatVersion.current.major`).
  public let version: FormatVersion
  public let header: ModelHeader
  /// Free-form key/values in file order (e.g. `producer`, `genotype`).
  public let metadata: [MetadataEntry]
  public let graph: ModelGraph
  public let tensors: [TensorDescriptor]
  /// Per-sample shape of every value id ((C, H, W) or (F)); nil for ids that no op defines.
  public let valueShapes: [[Int]?]
  /// The whole file, 64-byte aligned in memory, so fp32 tensors can be used in place.
  public let bytes: ModelBytes

  init(version: FormatVersion, header: ModelHeader, metadata: [MetadataEntry], graph: ModelGraph,
       tensors: [TensorDescriptor], valueShapes: [[Int]?], bytes: ModelBytes) {
    self.version = version
    self.header = header
    self.metadata = metadata
    self.graph = graph
    self.tensors = tensors
    self.valueShapes = valueShapes
    self.bytes = bytes
  }

  /// The metadata value for `key`, if present.
  public func metadataValue(forKey key: String) -> String? {
    metadata.first(where: { $0.key == key })?.value
  }

  /// The index of the tensor called `name`, if any.
  public func tensorIndex(named name: String) -> Int? {
    tensors.firstIndex(where: { $0.name == name })
  }

  /// The stored bytes of tensor `index` (valid while this model, or its `bytes`, is alive).
  public func rawBytes(ofTensor index: Int) -> UnsafeRawBufferPointer {
    precondition(tensors.indices.contains(index), "tensor index \(index) out of 0..<\(tensors.count)")
    let t = tensors[index]
    return UnsafeRawBufferPointer(start: bytes.pointer + t.offset, count: t.byteLength)
  }

  /// Calls `body` with the fp32 values of tensor `index` in place (no copy); nil if the tensor is not fp32.
  ///
  /// The pointer is 64-byte aligned (every tensor is) and valid only inside `body`.
  public func withFloat32Values<R>(ofTensor index: Int,
                                   _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R? {
    precondition(tensors.indices.contains(index), "tensor index \(index) out of 0..<\(tensors.count)")
    let t = tensors[index]
    guard t.dataType == .float32 else { return nil }
    return try withExtendedLifetime(bytes) {
      let p = (bytes.pointer + t.offset).assumingMemoryBound(to: Float.self)
      return try body(UnsafeBufferPointer(start: p, count: t.byteLength / 4))
    }
  }

  /// The fp32 values of tensor `index`, dequantised from fp16 / int8 if needed (int8: q × scale[channel]).
  public func floatValues(ofTensor index: Int) -> [Float] {
    precondition(tensors.indices.contains(index), "tensor index \(index) out of 0..<\(tensors.count)")
    let t = tensors[index]
    let count = t.byteLength / t.dataType.byteSize
    return withExtendedLifetime(bytes) {
      [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        if count > 0 {
          TensorEncoding.decode(buffer.baseAddress!, bytes.pointer + t.offset, count: count, dataType: t.dataType,
                                scales: t.scales)
        }
        initialized = count
      }
    }
  }

  /// Re-runs every structural check (header, metadata, tensor table, graph and shapes, data ranges, finite data).
  ///
  /// The reader already did this; it is here for callers that want to assert it, e.g. fuzz tests.
  public func validate() throws(FormatError) {
    try ModelValidation.validateHeader(header)
    try ModelValidation.validateMetadata(metadata)
    try ModelValidation.validateTensors(tensors)
    let shapes = try ModelValidation.inferShapes(header: header, graph: graph, tensors: tensors)
    guard shapes == valueShapes else { throw .badOutput("inferred value shapes changed") }
    for t in tensors {
      guard t.offset >= 0, t.offset % FormatLayout.alignment == 0,
            t.byteLength >= 0, t.offset <= bytes.count - t.byteLength else {
        throw .badOffset(tensor: t.name, offset: t.offset, length: t.byteLength)
      }
    }
    try CompactModelReader.checkFinite(tensors, in: bytes)
  }
}
