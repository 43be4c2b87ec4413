/// The float vector the hot kernels are written in: 16 lanes when the build targets AVX-512 (`-D NAS_AVX512`,
/// which the Makefile adds where /proc/cpuinfo lists avx512f: on these EPYC cores a 512-bit FMA has the same
/// throughput as a 256-bit one, so SIMD16 doubles the peak), else 8 lanes (AVX2; two NEON registers on aarch64).
/// Kernels written against `FloatVector.scalarCount` stay correct for either width.
#if NAS_AVX512
public typealias FloatVector = SIMD16<Float>
#else
public typealias FloatVector = SIMD8<Float>
#endif
