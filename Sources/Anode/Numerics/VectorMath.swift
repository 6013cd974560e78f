#if canImport(CLibmvec) && arch(x86_64) && os(Linux)
import CLibmvec
#endif
import Foundation

/// e^x for two arguments at once: glibc's two-lane vector exp where it exists (about the time of
/// one scalar `exp` for both), the scalar one per lane elsewhere. Each lane's result depends only
/// on that lane's argument, so pairing values changes nothing about them.
@inlinable @inline(__always)
func exp(_ x: SIMD2<Double>) -> SIMD2<Double> {
    #if canImport(CLibmvec) && arch(x86_64) && os(Linux)
    return _ZGVbN2v_exp(x)
    #else
    return SIMD2(Foundation.exp(x[0]), Foundation.exp(x[1]))
    #endif
}

/// ln x for two arguments at once (see `exp(_:)` for two).
@inlinable @inline(__always)
func log(_ x: SIMD2<Double>) -> SIMD2<Double> {
    #if canImport(CLibmvec) && arch(x86_64) && os(Linux)
    return _ZGVbN2v_log(x)
    #else
    return SIMD2(Foundation.log(x[0]), Foundation.log(x[1]))
    #endif
}
