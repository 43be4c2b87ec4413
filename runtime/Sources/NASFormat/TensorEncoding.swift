/// Conversions between fp32 values and the stored fp32 / fp16 / int8 representations.
public enum TensorEncoding {
  /// The bytes (and int8 scales) that store `values` as `dataType`.
  ///
  /// - fp16 rounds to nearest even; a finite value beyond ±65504 throws `.nonFiniteValue`.
  /// - int8 is symmetric per output channel (dimension 0): scale = max|w| / 127 rounded up to a binary16 value,
  ///   q = round(w / scale), so every value is reproduced within scale / 2. An all-zero channel gets scale 0.
  ///   A channel with max|w| > 127 × 65504 throws `.nonFiniteValue`.
  /// - Throws `.nonFiniteValue` for NaN or infinity, `.badShape` if `values.count` does not match `shape`.
  public static func encode(_ values: [Float], shape: [Int], as dataType: TensorDataType,
                            name: String) throws(FormatError) -> (bytes: [UInt8], scales: [Float]) {
    guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }), let count = checkedProduct(shape), count == values.count else {
      throw .badShape(tensor: name, shape: shape, reason: "\(values.count) values given")
    }
    for i in 0..<count where !values[i].isFinite { throw .nonFiniteValue(tensor: name, index: i) }
    switch dataType {
    case .float32:
      var bytes = [UInt8](repeating: 0, count: count * 4)
      bytes.withUnsafeMutableBytes { out in
        values.withUnsafeBytes { out.copyMemory(from: $0) }  // little-endian host (see FormatConstants.swift)
      }
      return (bytes, [])
    case .float16:
      var bytes = [UInt8](repeating: 0, count: count * 2)
      var overflowIndex: Int? = nil
      bytes.withUnsafeMutableBytes { out in
        let o = out.baseAddress!
        for i in 0..<count {
          let h = Float16(values[i])
          if !h.isFinite && overflowIndex == nil { overflowIndex = i }
          o.storeBytes(of: h.bitPattern.littleEndian, toByteOffset: 2 * i, as: UInt16.self)
        }
      }
      if let i = overflowIndex { throw .nonFiniteValue(tensor: name, index: i) }
      return (bytes, [])
    case .int8:
      let channels = shape[0]
      let block = count / channels
      var scales = [Float](repeating: 0, count: channels)
      var bytes = [UInt8](repeating: 0, count: count)
      for c in 0..<channels {
        var maxAbs: Float = 0
        for i in (c * block)..<((c + 1) * block) { maxAbs = max(maxAbs, abs(values[i])) }
        // The scale is rounded up to the nearest fp16 value so that compact tables (fp16 scales) store it
        // exactly and no |w| / scale exceeds 127.
        var half = Float16(maxAbs / 127)
        if Float(half) < maxAbs / 127 { half = half.nextUp }
        guard half.isFinite else { throw .nonFiniteValue(tensor: name, index: c * block) }
        let scale = Float(half)
        scales[c] = scale
        guard scale > 0 else { continue }
        for i in (c * block)..<((c + 1) * block) {
          let q = (values[i] / scale).rounded(.toNearestOrEven)
          bytes[i] = UInt8(bitPattern: Int8(min(max(q, -127), 127)))
        }
      }
      return (bytes, scales)
    }
  }

  /// Writes the fp32 values of a stored tensor to `out` (count elements).
  ///
  /// - Parameters:
  ///   - data: the tensor's bytes, `count × dataType.byteSize` of them, any alignment.
  ///   - scales: int8 only, one per `channels` block of `count / channels` elements.
  static func decode(_ out: UnsafeMutablePointer<Float>, _ data: UnsafeRawPointer, count: Int,
                     dataType: TensorDataType, scales: [Float]) {
    switch dataType {
    case .float32:
      for i in 0..<count {
        out[i] = Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
      }
    case .float16:
      for i in 0..<count {
        out[i] = float16ToFloat(UInt16(littleEndian: data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
      }
    case .int8:
      let channels = scales.count
      assert(channels > 0 && count % channels == 0, "int8 tensor of \(count) elements with \(channels) scales")
      let block = count / channels
      let q = data.assumingMemoryBound(to: Int8.self)
      scales.withUnsafeBufferPointer { s in
        for c in 0..<channels {
          let scale = s[c]
          for i in (c * block)..<((c + 1) * block) { out[i] = Float(q[i]) * scale }
        }
      }
    }
  }
}

/// Exact binary16 → binary32 without F16C: the exponent/mantissa bits shifted into place and scaled by 2^112
/// re-bias the exponent (and normalise subnormals) in one multiply. ≈ 10× faster than `Float(Float16)` in a
/// portable build, where that is a library call.
@inlinable @inline(__always)
func float16ToFloat(_ h: UInt16) -> Float {
  let sign = UInt32(h & 0x8000) << 16
  let magnitude = UInt32(h & 0x7FFF)
  if magnitude >= 0x7C00 {  // infinity or NaN: keep the payload
    return Float(bitPattern: sign | 0x7F80_0000 | (magnitude & 0x3FF) << 13)
  }
  return Float(bitPattern: (Float(bitPattern: magnitude << 13) * 0x1p112).bitPattern | sign)
}
