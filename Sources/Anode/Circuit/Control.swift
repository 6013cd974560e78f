import Foundation

/// A knob: the position of a potentiometer or variable resistor, which a real-time `Processor`
/// can change while it runs.
public struct Control: Hashable, Sendable {
    /// How the resistance follows the knob.
    public enum Taper: String, Hashable, Sendable {
        /// Resistance proportional to the position.
        case linear = "lin"
        /// Audio ("log", 10 % at mid-travel) taper: (81^x − 1)/80.
        case logarithmic = "log"
    }

    /// The taper.
    public var taper: Taper
    /// The position, 0…1.
    public var position: Double

    /// A knob at `position` with `taper`.
    public init(taper: Taper = .linear, position: Double = 0.5) {
        self.taper = taper
        self.position = position
    }

    /// The fraction of the travel's resistance at `position` (0…1).
    @inlinable
    public static func fraction(_ position: Double, taper: Taper) -> Double {
        let x = min(max(position, 0), 1)
        switch taper {
        case .linear: return x
        case .logarithmic: return (pow(81, x) - 1) / 80
        }
    }

    /// The fraction at the present position.
    public var fraction: Double { Control.fraction(position, taper: taper) }
}
