// e^x and ln x for two arguments at once: glibc's two-lane vector functions (libmvec) where they
// exist — about the time of one scalar call for both — and the scalar ones per lane elsewhere.
// Each lane's result depends only on that lane's argument, so pairing values changes nothing
// about them.
#if canImport(CLibmvec) && arch(x86_64) && os(Linux)
import CLibmvec

/// e^x in each lane.
@inlinable @inline(__always)
func exp(_ x: SIMD2<Double>) -> SIMD2<Double> { _ZGVbN2v_exp(x) }

/// ln x in each lane.
@inlinable @inline(__always)
func log(_ x: SIMD2<Double>) -> SIMD2<Double> { _ZGVbN2v_log(x) }
#else
import Foundation

/// e^x in each lane.
@inlinable @inline(__always)
func exp(_ x: SIMD2<Double>) -> SIMD2<Double> { SIMD2(Foundation.exp(x[0]), Foundation.exp(x[1])) }

/// ln x in each lane.
@inlinable @inline(__always)
func log(_ x: SIMD2<Double>) -> SIMD2<Double> { SIMD2(Foundation.log(x[0]), Foundation.log(x[1])) }
#endif
