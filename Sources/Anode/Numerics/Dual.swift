import Foundation

/// A value with its gradient with respect to up to four port voltages: forward-mode automatic
/// differentiation, as behavioral sources need it (`BehavioralSource`). Each operation applies
/// the chain rule, d f(a) = f′(a)·da.
public struct Dual: Hashable, Sendable {
    /// The value.
    public var value: Double
    /// ∂value/∂vₖ for the ports k = 0…3.
    public var gradient: PortVector

    /// `value` with gradient `gradient` (zero: a constant).
    @inlinable @inline(__always)
    public init(_ value: Double, _ gradient: PortVector = PortVector()) {
        self.value = value
        self.gradient = gradient
    }

    /// f(self) for f(value) = `f` with f′(value) = `derivative`.
    @inlinable @inline(__always)
    public func chain(_ f: Double, _ derivative: Double) -> Dual { Dual(f, gradient * derivative) }

    /// −a.
    @inlinable @inline(__always)
    public static prefix func - (a: Dual) -> Dual { Dual(-a.value, -a.gradient) }

    /// a + b.
    @inlinable @inline(__always)
    public static func + (a: Dual, b: Dual) -> Dual { Dual(a.value + b.value, a.gradient + b.gradient) }

    /// a − b.
    @inlinable @inline(__always)
    public static func - (a: Dual, b: Dual) -> Dual { Dual(a.value - b.value, a.gradient - b.gradient) }

    /// a·b: d(ab) = b·da + a·db.
    @inlinable @inline(__always)
    public static func * (a: Dual, b: Dual) -> Dual { Dual(a.value * b.value, a.gradient * b.value + b.gradient * a.value) }

    /// a/b: d(a/b) = (da − (a/b)·db)/b.
    @inlinable @inline(__always)
    public static func / (a: Dual, b: Dual) -> Dual {
        let q = a.value / b.value
        return Dual(q, (a.gradient - b.gradient * q) / b.value)
    }
}
