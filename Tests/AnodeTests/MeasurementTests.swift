import Anode
import Foundation
import Testing

/// Measurements: the harmonic analysis against closed-form signals, and THD, power and frequency
/// response of the circuits in circuits/ against ngspice (scripts/make-measurement-fixtures.py:
/// ngspice's `fourier` and `meas` over the same period of the same drive).
@Suite("Measurements")
struct MeasurementTests {
    struct Reference {
        var circuit: String, drive: Double, quantity: String, value: Double
    }

    static let references: [Reference] = {
        guard let table = try? Table(Paths.fixtures.appendingPathComponent("measurements.csv")) else { return [] }
        return table.rows.map { Reference(circuit: $0[0], drive: Double($0[1])!, quantity: $0[3], value: Double($0[4])!) }
    }()

    /// A measurement of `circuit` as the fixtures were made: 1 kHz, 0.2 s to settle, the last period.
    static func measurement(_ circuit: String, engine: MeasurementEngine) throws -> AmplifierMeasurement {
        let c = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent(circuit + ".cir").path)
        var m = try AmplifierMeasurement(c, input: "Vin", output: .voltage("out"), engine: engine)
        m.settle = 0.2
        m.periods = 1
        return m
    }

    @Test("harmonic analysis recovers the harmonics of a closed-form signal, sampled on or off the period")
    func closedForm() throws {
        // x = 0.3 + cos(wt + 0.2) + 0.05 cos(2wt − 1) + 0.01 cos(5wt + 2): THD = √(0.05² + 0.01²).
        for (rate, f) in [(48_000.0, 1000.0), (44_100.0, 440.0)] {
            let x = (0..<4410).map { n -> Double in
                let wt = 2 * Double.pi * f * Double(n) / rate
                return 0.3 + cos(wt + 0.2) + 0.05 * cos(2 * wt - 1) + 0.01 * cos(5 * wt + 2)
            }
            let h = try HarmonicAnalysis(samples: x, sampleRate: rate, fundamental: f, harmonics: 9, periods: 3)
            let tolerance = rate / f == (rate / f).rounded() ? 1e-12 : 2e-4  // interpolation off the period
            #expect(abs(h.dc - 0.3) < tolerance)
            #expect(abs(h.amplitudes[0] - 1) < tolerance && abs(h.amplitudes[1] - 0.05) < tolerance && abs(h.amplitudes[4] - 0.01) < tolerance)
            #expect(abs(h.amplitudes[2]) < tolerance && abs(h.amplitudes[8]) < tolerance)
            #expect(abs(h.thd - (0.05 * 0.05 + 0.01 * 0.01).squareRoot()) < tolerance)
            #expect(abs(h.relativeLevel(of: 2) - 20 * log10(0.05)) < 0.01)
            // Phases relative to the start of the span (a whole number of periods before the end).
            // Phase zero is at the span's first point: 3 periods before the point after the last sample.
            let start = Double(x.count) - 3 * rate / f - (1 - (rate / f) / (rate / f == (rate / f).rounded() ? rate / f : 256))
            let shift = 2 * Double.pi * f * start / rate
            #expect(abs(remainder(h.phases[0] - (0.2 + shift), 2 * Double.pi)) < 1e-3)
        }
        #expect(throws: SimulationError.self) { try HarmonicAnalysis(samples: [1, 2, 3], sampleRate: 48_000, fundamental: 1000) }
    }

    @Test("THD agrees with ngspice's Fourier analysis", arguments: references.filter { $0.quantity == "thd" && !$0.circuit.hasSuffix("amp") })
    func thd(_ r: Reference) throws {
        // The reference simulator at 200 points per period, like ngspice's grid; the real-time engine
        // at 48 kHz with 4x oversampling.
        let reference = try Self.measurement(r.circuit, engine: .reference(pointsPerPeriod: 200)).harmonics(frequency: 1000, amplitude: r.drive)
        #expect(abs(reference.thd - r.value) <= 0.01 * r.value + 2e-5, "\(r.circuit) at \(r.drive) V: THD \(reference.thd), ngspice \(r.value)")
        let realtime = try Self.measurement(r.circuit, engine: .realtime(sampleRate: 48_000, oversampling: 4)).harmonics(frequency: 1000, amplitude: r.drive)
        #expect(abs(realtime.thd - r.value) <= 0.03 * r.value + 5e-5, "\(r.circuit) at \(r.drive) V: THD \(realtime.thd) (real-time), ngspice \(r.value)")
    }

    @Test("both amplifiers: THD, supply power and speaker power agree with ngspice", arguments: [("tube-amp", 0.2), ("solid-state-amp", 0.05), ("class-ab-output", 1.0), ("mosfet-class-ab", 10.0)])
    func amplifierPower(_ circuit: String, _ drive: Double) throws {
        let rows = Self.references.filter { $0.circuit == circuit && $0.drive == drive }
        let loads = rows.filter { $0.quantity.hasPrefix("load ") }.map { String($0.quantity.dropFirst(5)) }
        let m = try Self.measurement(circuit, engine: .realtime(sampleRate: 48_000, oversampling: 2))
        let report = try m.power(frequency: 1000, amplitude: drive, loads: loads)
        for row in rows {
            let name = String(row.quantity.split(separator: " ").last!)
            if row.quantity.hasPrefix("supply ") {
                let value = try #require(report.supplies.first { $0.name.lowercased() == name }?.power)
                #expect(abs(value - row.value) <= 0.01 * abs(row.value), "\(circuit): supply \(name) \(value) W, ngspice \(row.value) W")
            } else if row.quantity.hasPrefix("load ") {
                let value = report.power(of: [name])
                #expect(abs(value - row.value) <= 0.02 * abs(row.value) + 1e-6, "\(circuit): load \(name) \(value) W, ngspice \(row.value) W")
            } else {
                let thd = try m.harmonics(frequency: 1000, amplitude: drive).thd
                #expect(abs(thd - row.value) <= 0.03 * row.value + 1e-4, "\(circuit): THD \(thd), ngspice \(row.value)")
            }
        }
        #expect(report.efficiency > 0 && report.efficiency < 1)
    }

    @Test("the reference engine accounts for every watt: supplies deliver what the elements absorb")
    func powerBalance() throws {
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("2n3904-common-emitter.cir").path)
        var m = try AmplifierMeasurement(circuit, input: "Vin", output: .voltage("out"), engine: .reference(pointsPerPeriod: 100))
        m.settle = 0.02
        m.periods = 2
        let report = try m.power(frequency: 1000, amplitude: 0.001, loads: ["Rload"])
        let absorbed = report.elements.filter { $0.name.lowercased() != "vcc" && $0.name.lowercased() != "vin" }.reduce(0) { $0 + $1.power }
        let delivered = report.suppliedPower - (report.elements.first { $0.name.lowercased() == "vin" }?.power ?? 0)
        #expect(abs(absorbed - delivered) <= 1e-4 * delivered, "absorbed \(absorbed) W, delivered \(delivered) W")
        // At a small drive the transistor dissipates its quiescent Vce·Ic = 4.18 V · 0.844 mA (ngspice).
        #expect(abs(report.power(of: ["Q1"]) - 4.18 * 0.844e-3) < 0.05e-3, "\(report.power(of: ["Q1"])) W")
        #expect(report.outputPower > 0 && report.outputPower < 1e-3)
    }

    @Test("the clipping level is where THD crosses the threshold")
    func clipping() throws {
        var m = try Self.measurement("12ax7-common-cathode", engine: .realtime(sampleRate: 48_000, oversampling: 1))
        m.settle = 0.05
        m.periods = 2
        let level = try #require(try m.clippingLevel(frequency: 1000, threshold: 0.02, low: 0.01, high: 3))
        // ngspice: 0.77 % THD at 0.1 V and 8.6 % at 1 V, so 2 % lies between.
        #expect(level > 0.1 && level < 1)
        #expect(abs(try m.harmonics(frequency: 1000, amplitude: level).thd - 0.02) < 0.001)
        #expect(try m.clippingLevel(frequency: 1000, threshold: 0.5, low: 0.01, high: 0.1) == nil)
    }

    @Test("a swept sine through the real-time engine gives the tone stack's .ac response")
    func sweptResponse() throws {
        let circuit = try Circuit(contentsOfFile: Paths.circuits.appendingPathComponent("tone-stack-jcm800.cir").path)
        var m = try AmplifierMeasurement(circuit, input: "Vin", output: .voltage("out"), engine: .realtime(sampleRate: 48_000, oversampling: 2))
        m.settle = 0.05
        let swept = try m.frequencyResponse(frequencies: [100, 400, 1000, 3000], amplitude: 0.1)
        for point in swept {
            let exact = try Simulator(circuit).ac(ACSweep(.linear, points: 1, start: point.frequency, stop: point.frequency), probes: [Probe(.voltage("out", nil), view: .decibel), Probe(.voltage("out", nil), view: .phase)])
            let db = exact.values(Probe(.voltage("out", nil), view: .decibel))![0], phase = exact.values(Probe(.voltage("out", nil), view: .phase))![0]
            #expect(abs(point.decibels - db) < 0.05, "\(point.frequency) Hz: \(point.decibels) dB, .ac \(db) dB")
            #expect(abs(remainder(point.phase - phase, 2 * Double.pi)) < 0.02, "\(point.frequency) Hz: phase \(point.phase), .ac \(phase)")
        }
    }
}
