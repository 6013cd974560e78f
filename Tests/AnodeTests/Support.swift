import Foundation
import Testing
@testable import Anode

/// Paths of the repository, found from this file's location so tests run from any directory.
enum Paths {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let root = tests.deletingLastPathComponent().deletingLastPathComponent()
    static let circuits = root.appendingPathComponent("circuits")
    static let fixtures = tests.appendingPathComponent("Fixtures")
    static let netlists = tests.appendingPathComponent("Netlists")
}

/// A CSV file written by scripts/make-fixtures.py: a header and rows of numbers (or `name,value`).
struct Table {
    let header: [String]
    let rows: [[String]]

    init(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        header = lines[0]
        rows = Array(lines.dropFirst())
    }

    /// Column `name` as numbers.
    func column(_ name: String) -> [Double]? {
        guard let k = header.firstIndex(of: name) else { return nil }
        return rows.map { Double($0[k])! }
    }

    /// For `name,value` tables: the value of each name (the first, should a fixture name one twice:
    /// a test then misses the second rather than the whole run stopping).
    var values: [String: Double] {
        Dictionary(rows.map { ($0[0], Double($0[1])!) }, uniquingKeysWith: { first, _ in first })
    }
}

/// RMS of `error` relative to the RMS of `signal` around its mean (the varying part of the signal).
func relativeRMS(error: [Double], signal: [Double]) -> Double {
    let mean = signal.reduce(0, +) / Double(signal.count)
    let ac = (signal.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(signal.count)).squareRoot()
    let rms = (error.map { $0 * $0 }.reduce(0, +) / Double(error.count)).squareRoot()
    return rms / ac
}

/// A new, empty folder under the temporary directory, named `prefix-UUID`; the caller removes it.
func temporaryFolder(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Loads and elaborates a netlist file, failing the test with the error's text if it does not load.
func loadCircuit(_ url: URL) throws -> Circuit {
    try Circuit(contentsOfFile: url.path)
}

extension Probe.Quantity {
    /// Whether this is a current: an element's or a device terminal's.
    var isCurrent: Bool {
        switch self {
        case .current, .terminalCurrent, .deviceCurrent: true
        case .voltage, .power: false
        }
    }
}
