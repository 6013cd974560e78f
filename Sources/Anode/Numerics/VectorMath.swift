// e^x for two arguments at once: glibc's two-lane vector function (libmvec) where it exists —
// about the time of one scalar call for both — and the scalar one per lane elsewhere.
// Each lane's result depends only on that lane's argument, so pairing values changes nothing
// about them.
#if canImport(CLibmvec) && arch(x86_64) && os(Linux)
import CLibmvec

/// e^x in each lane.
@inlinable @inline(__always)
func exp(_ x: SIMD2<Double>) -> SIMD2<Double> { _ZGVbN2v_exp(x) }
#else
import Foundation

/// e^x in each lane.
@inlinable @inline(__always)
func exp(_ x: SIMD2<Double>) -> SIMD2<Double> { SIMD2(Foundation.exp(x[0]), Foundation.exp(x[1])) }
#endif
