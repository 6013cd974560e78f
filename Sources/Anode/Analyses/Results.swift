import Foundation
import Numerics

/// The DC operating point: node voltages, element currents and the power each element absorbs.
public struct OperatingPoint: Sendable {
    /// Circuit node names (ground excluded), in circuit order.
    public let nodes: [String]
    /// Voltage of each node in `nodes`, V.
    public let voltages: [Double]
    /// Names of the two-terminal elements whose current is known, in circuit order.
    public let elements: [String]
    /// Current of each element in `elements`, into its first terminal, A.
    public let currents: [Double]
    /// Names of all elements, in circuit order.
    public let powerElements: [String]
    /// Power absorbed by each element in `powerElements`, W: positive for resistors and devices,
    /// negative for a source that delivers power.
    public let powers: [Double]
    /// The current into each terminal of each device (diode, transistor, tube), in circuit order:
    /// its probe (`ic(q1)`, LTspice's name: the physical current, into the terminal) and value, A.
    public let terminalCurrents: [(probe: Probe, current: Double)]
    /// Newton iterations used.
    public let iterations: Int
    /// How the solution was found.
    public let method: ConvergenceMethod

    /// The voltage of `node` (case-insensitive), V.
    public func voltage(_ node: String) -> Double? {
        let n = Node(node)
        if n.isGround { return 0 }
        return nodes.firstIndex(of: n.name).map { voltages[$0] }
    }

    /// The current of two-terminal element `name` into its first terminal (for a voltage source,
    /// the current flowing from its positive node through it), A.
    public func current(_ name: String) -> Double? {
        elements.firstIndex { $0.lowercased() == name.lowercased() }.map { currents[$0] }
    }

    /// The current into terminal `terminal` (`"c"`, `"b"`, `"e"`, …; see `ElementKind.terminalNames`)
    /// of device `name`, A.
    public func current(into terminal: String, of name: String) -> Double? {
        let probe = Probe.terminalCurrent(name, terminal)
        return terminalCurrents.first { $0.probe == probe }?.current
    }

    /// The power absorbed by element `name`, W (negative for a source delivering power).
    public func power(_ name: String) -> Double? {
        powerElements.firstIndex { $0.lowercased() == name.lowercased() }.map { powers[$0] }
    }

    /// One `v(node) value` line per node, one `i(element) value` line per voltage source, inductor
    /// and controlled voltage source, one `ic(q1) value` line per device terminal, and one
    /// `p(element) value` line per element.
    public var report: String {
        var lines: [String] = []
        for (n, v) in zip(nodes, voltages) { lines.append("v(\(n)) \(format(v))") }
        for (e, i) in zip(elements, currents) { lines.append("i(\(e.lowercased())) \(format(i))") }
        for (p, i) in terminalCurrents { lines.append("\(p) \(format(i))") }
        for (e, p) in zip(powerElements, powers) { lines.append("p(\(e.lowercased())) \(format(p))") }
        return lines.joined(separator: "\n")
    }
}

/// Formats a number for reports and CSV: the shortest text that reads back as the same Double,
/// without a trailing `.0` for whole numbers.
func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// The waveforms of a transient analysis, reported at multiples of TSTEP.
public struct TransientResult: Sendable {
    /// Time points, s.
    public let time: [Double]
    /// What was recorded.
    public let probes: [Probe]
    /// One column per probe, one value per time point.
    public let columns: [[Double]]
    /// Accepted internal time steps.
    public let acceptedSteps: Int
    /// Steps rejected for truncation error or Newton failure.
    public let rejectedSteps: Int
    /// Newton iterations over the whole run.
    public let iterations: Int

    /// A result of `columns` (one per probe, one value per time point) at `time`, with the counts
    /// of the run that made it (0 for data from elsewhere).
    public init(time: [Double], probes: [Probe], columns: [[Double]], acceptedSteps: Int = 0, rejectedSteps: Int = 0, iterations: Int = 0) {
        self.time = time
        self.probes = probes
        self.columns = columns
        self.acceptedSteps = acceptedSteps
        self.rejectedSteps = rejectedSteps
        self.iterations = iterations
    }

    /// The values of `probe` at each time point, or nil if it was not recorded.
    public func values(_ probe: Probe) -> [Double]? {
        probes.firstIndex(of: probe).map { columns[$0] }
    }

    /// The values of the probe written as `name` (`v(out)`, `i(vcc)`), or nil.
    public subscript(_ name: String) -> [Double]? {
        Probe(name).flatMap { values($0) }
    }

    /// CSV with a header of SPICE vector names: `time,v(out),i(vcc)`.
    public func csv() -> String {
        csvTable(scale: "time", scaleValues: time, headers: probes.map(\.description), columns: columns)
    }
}

/// The results of a `.dc` sweep.
public struct DCSweepResult: Sendable {
    /// The swept source(s), outermost last.
    public let sweeps: [DCSweep]
    /// The value of the first swept source at each point.
    public let sweepValues: [Double]
    /// The value of the second swept source at each point (two-source sweeps only).
    public let outerSweepValues: [Double]?
    /// What was recorded.
    public let probes: [Probe]
    /// One column per probe, one value per point.
    public let columns: [[Double]]

    /// The values of `probe` at each point, or nil if it was not recorded.
    public func values(_ probe: Probe) -> [Double]? {
        probes.firstIndex(of: probe).map { columns[$0] }
    }

    /// The values of the probe written as `name`, or nil.
    public subscript(_ name: String) -> [Double]? {
        Probe(name).flatMap { values($0) }
    }

    /// CSV: `v-sweep` (or `i-sweep`, or `res-sweep` for a resistor, as ngspice names them) for the
    /// first source, then the second source's name, then the probes.
    public func csv() -> String {
        let letter = sweeps[0].source.lowercased().first
        let first = sweeps[0].isTemperature ? "temp-sweep" : letter == "i" ? "i-sweep" : letter == "r" ? "res-sweep" : "v-sweep"
        var headers = probes.map(\.description)
        var cols = columns
        if let outer = outerSweepValues {
            headers.insert(sweeps[1].source.lowercased(), at: 0)
            cols.insert(outer, at: 0)
        }
        return csvTable(scale: first, scaleValues: sweepValues, headers: headers, columns: cols)
    }
}

/// The results of an `.ac` sweep: complex phasors at each frequency.
public struct ACResult: Sendable {
    /// Frequencies, Hz.
    public let frequencies: [Double]
    /// What was recorded.
    public let probes: [Probe]
    /// One column per probe: the complex value, before the probe's view is applied.
    public let columns: [[Complex<Double>]]

    /// The complex values of the quantity `probe` measures (its view is ignored), or nil.
    public func phasors(_ probe: Probe) -> [Complex<Double>]? {
        probes.firstIndex { $0.quantity == probe.quantity }.map { columns[$0] }
    }

    /// The values of `probe` as its view shows them (magnitude, dB, phase in degrees, real or
    /// imaginary part; the magnitude for a plain `v(...)`).
    public func values(_ probe: Probe) -> [Double]? {
        phasors(probe).map { $0.map { probe.view.apply($0) } }
    }

    /// The values of the probe written as `name` (`vdb(out)`, `vp(out)`), or nil.
    public subscript(_ name: String) -> [Double]? {
        Probe(name).flatMap { values($0) }
    }

    /// CSV: `frequency`, then each probe; a plain `v(x)` gives two columns, `vr(x)` and `vi(x)`.
    public func csv() -> String {
        var headers: [String] = []
        var cols: [[Double]] = []
        for (p, column) in zip(probes, columns) {
            if p.view == .value {
                headers += [Probe(p.quantity, view: .real).description, Probe(p.quantity, view: .imaginary).description]
                cols += [column.map(\.real), column.map(\.imaginary)]
            } else {
                headers.append(p.description)
                cols.append(column.map { p.view.apply($0) })
            }
        }
        return csvTable(scale: "frequency", scaleValues: frequencies, headers: headers, columns: cols)
    }
}

extension Probe.View {
    /// The real number this view shows of a complex value.
    public func apply(_ z: Complex<Double>) -> Double {
        switch self {
        case .value, .magnitude: return z.length
        case .decibel: return 20 * log10(z.length)
        case .phase: return atan2(z.imaginary, z.real)
        case .real: return z.real
        case .imaginary: return z.imaginary
        }
    }

    /// The real number this view shows of a real value.
    public func apply(_ x: Double) -> Double {
        switch self {
        case .value, .real: return x
        case .magnitude: return abs(x)
        case .decibel: return 20 * log10(abs(x))
        case .phase: return x < 0 ? Double.pi : 0
        case .imaginary: return 0
        }
    }
}

/// Any analysis' results.
public enum AnalysisResult: Sendable {
    /// From `.op`.
    case operatingPoint(OperatingPoint)
    /// From `.dc`.
    case dcSweep(DCSweepResult)
    /// From `.ac`.
    case ac(ACResult)
    /// From `.tran`.
    case transient(TransientResult)

    /// The analysis kind.
    public var kind: AnalysisKind {
        switch self {
        case .operatingPoint: return .op
        case .dcSweep: return .dc
        case .ac: return .ac
        case .transient: return .tran
        }
    }

    /// The transient's result, nil for another analysis'.
    public var transient: TransientResult? { if case .transient(let r) = self { r } else { nil } }

    /// The results as CSV (for `.op`: the names and values as two columns); with `probes`, only
    /// the columns of those (in the order recorded).
    public func csv(only probes: [Probe]? = nil) -> String {
        if let probes {
            func keep(_ recorded: [Probe]) -> [Int] { recorded.indices.filter { probes.contains(recorded[$0]) } }
            switch self {
            case .operatingPoint: break
            case .dcSweep(let r):
                let k = keep(r.probes)
                return DCSweepResult(sweeps: r.sweeps, sweepValues: r.sweepValues, outerSweepValues: r.outerSweepValues,
                                     probes: k.map { r.probes[$0] }, columns: k.map { r.columns[$0] }).csv()
            case .ac(let r):
                let k = keep(r.probes)
                return ACResult(frequencies: r.frequencies, probes: k.map { r.probes[$0] }, columns: k.map { r.columns[$0] }).csv()
            case .transient(let r):
                let k = keep(r.probes)
                return TransientResult(time: r.time, probes: k.map { r.probes[$0] }, columns: k.map { r.columns[$0] },
                                       acceptedSteps: r.acceptedSteps, rejectedSteps: r.rejectedSteps, iterations: r.iterations).csv()
            }
        }
        switch self {
        case .operatingPoint(let op):
            var lines = ["name,value"]
            lines += op.report.split(separator: "\n").map { $0.replacingOccurrences(of: " ", with: ",") }
            return lines.joined(separator: "\n") + "\n"
        case .dcSweep(let r): return r.csv()
        case .ac(let r): return r.csv()
        case .transient(let r): return r.csv()
        }
    }
}

func csvTable(scale: String, scaleValues: [Double], headers: [String], columns: [[Double]]) -> String {
    var out = ([scale] + headers).joined(separator: ",") + "\n"
    out.reserveCapacity(scaleValues.count * (headers.count + 1) * 14)
    for (row, s) in scaleValues.enumerated() {
        out += format(s)
        for c in columns {
            out += ","
            out += format(c[row])
        }
        out += "\n"
    }
    return out
}
