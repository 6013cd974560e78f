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
        /// Reverse audio ("antilog", 90 % at mid-travel) taper, the audio taper turned end for end:
        /// 1 − (81^(1 − x) − 1)/80.
        case reverseLogarithmic = "revlog"

        /// The taper a netlist names: `lin` (`linear`), `log` (`logarithmic`, `audio`), or `revlog`
        /// (`antilog`, `reverse`); nil for another name.
        public init?(named name: String) {
            switch name.lowercased() {
            case "lin", "linear": self = .linear
            case "log", "logarithmic", "audio": self = .logarithmic
            case "revlog", "antilog", "reverse": self = .reverseLogarithmic
            default: return nil
            }
        }
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
        case .reverseLogarithmic: return 1 - (pow(81, 1 - x) - 1) / 80
        }
    }

    /// The fraction at the present position.
    public var fraction: Double { Control.fraction(position, taper: taper) }
}
