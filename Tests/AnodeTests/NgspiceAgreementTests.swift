import Foundation
import Testing
import Anode

/// Every netlist of circuits/ and Tests/AnodeTests/Netlists/ against ngspice's results for the same
/// netlist (fixtures written by scripts/make-fixtures.py), with the tolerances Anode promises:
/// DC node voltages within 0.1 mV or 0.01 % (currents within 0.01 % or 1 nA), AC magnitude within
/// 0.05 dB, transient waveforms within 0.5 % RMS of the signal's swing on the TSTEP grid.
@Suite("Agreement with ngspice")
struct NgspiceAgreementTests {
    static let netlists: [URL] = {
        let fm = FileManager.default
        var urls: [URL] = []
        for dir in [Paths.circuits, Paths.netlists] {
            let names = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
            urls += names.filter { $0.hasSuffix(".cir") }.sorted().map { dir.appendingPathComponent($0) }
        }
        return urls
    }()

    static func fixture(_ netlist: URL, _ kind: String) -> URL {
        Paths.fixtures.appendingPathComponent(netlist.deletingPathExtension().lastPathComponent + ".\(kind).csv")
    }

    @Test("every netlist has ngspice fixtures")
    func fixturesExist() {
        #expect(Self.netlists.count >= 5)
        for n in Self.netlists {
            let kinds = ["op", "dc", "ac", "tran", "noise"].filter { FileManager.default.fileExists(atPath: Self.fixture(n, $0).path) }
            #expect(!kinds.isEmpty, "no ngspice fixture for \(n.lastPathComponent)")
        }
    }

    @Test("operating point", arguments: netlists.filter { FileManager.default.fileExists(atPath: fixture($0, "op").path) })
    func operatingPoint(_ netlist: URL) throws {
        let circuit = try loadCircuit(netlist)
        let op = try Simulator(circuit).operatingPoint()
        let reference = try Table(Self.fixture(netlist, "op")).values
        var compared = 0
        for (name, expected) in reference {
            if name.hasPrefix("v(") {
                let node = String(name.dropFirst(2).dropLast())
                let actual = try #require(op.voltage(node), "no node \(node)")
                #expect(abs(actual - expected) <= max(1e-4, 1e-4 * abs(expected)), "\(netlist.lastPathComponent): \(name) = \(actual), ngspice \(expected)")
            } else {
                let element = String(name.dropFirst(2).dropLast())
                let actual = try #require(op.current(element), "no current of \(element)")
                #expect(abs(actual - expected) <= max(1e-9, 1e-4 * abs(expected)), "\(netlist.lastPathComponent): \(name) = \(actual), ngspice \(expected)")
            }
            compared += 1
        }
        #expect(compared > 0)
    }

    @Test("DC sweep", arguments: netlists.filter { FileManager.default.fileExists(atPath: fixture($0, "dc").path) })
    func dcSweep(_ netlist: URL) throws {
        let circuit = try loadCircuit(netlist)
        guard case .dcSweep(let sweeps)? = circuit.analyses.first(where: { $0.kind == .dc }) else {
            Issue.record("\(netlist.lastPathComponent) has a DC fixture but no .dc analysis")
            return
        }
        let reference = try Table(Self.fixture(netlist, "dc"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        let result = try Simulator(circuit).dcSweep(sweeps, probes: probes)
        let sweep = try #require(reference.column("sweep"))
        try #require(result.sweepValues.count == sweep.count)
        for (a, b) in zip(result.sweepValues, sweep) { #expect(abs(a - b) <= 1e-9 * max(1, abs(b))) }
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let actual = try #require(result.values(probe))
            for (k, (a, b)) in zip(actual, expected).enumerated() {
                let tolerance = probe.quantity.isCurrent ? max(1e-9, 1e-4 * abs(b)) : max(1e-4, 1e-4 * abs(b))
                #expect(abs(a - b) <= tolerance, "\(netlist.lastPathComponent): \(probe) at \(sweep[k]) = \(a), ngspice \(b)")
            }
        }
    }

    @Test("AC response", arguments: netlists.filter { FileManager.default.fileExists(atPath: fixture($0, "ac").path) })
    func ac(_ netlist: URL) throws {
        let circuit = try loadCircuit(netlist)
        guard case .ac(let sweep)? = circuit.analyses.first(where: { $0.kind == .ac }) else {
            Issue.record("\(netlist.lastPathComponent) has an AC fixture but no .ac analysis")
            return
        }
        let reference = try Table(Self.fixture(netlist, "ac"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        let result = try Simulator(circuit).ac(sweep, probes: probes)
        #expect(result.frequencies.count == reference.rows.count)
        let frequencies = try #require(reference.column("frequency"))
        for (a, b) in zip(result.frequencies, frequencies) { #expect(abs(a - b) <= 1e-9 * b) }
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let actual = try #require(result.values(probe))
            let tolerance = probe.view == .decibel ? 0.05 : probe.view == .phase ? 0.005 : 1e-3
            let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance, "\(netlist.lastPathComponent): \(probe) differs from ngspice by up to \(worst)")
        }
    }

    @Test("noise: spectra and totals within 0.01 %", arguments: netlists.filter { FileManager.default.fileExists(atPath: fixture($0, "noise").path) })
    func noise(_ netlist: URL) throws {
        let circuit = try loadCircuit(netlist)
        let request = try #require(circuit.noiseAnalyses.first, "\(netlist.lastPathComponent) has a noise fixture but no .noise")
        let result = try Simulator(circuit).noise(request)
        let reference = try Table(Self.fixture(netlist, "noise"))
        let frequencies = try #require(reference.column("frequency"))
        #expect(result.frequencies.count == frequencies.count)
        for (a, b) in zip(result.frequencies, frequencies) { #expect(abs(a - b) <= 1e-9 * b) }
        for (name, actual) in [("onoise_spectrum", result.outputSpectrum), ("inoise_spectrum", result.inputSpectrum)] {
            let expected = try #require(reference.column(name))
            let worst = zip(actual, expected).map { abs($0 / $1 - 1) }.max() ?? 0
            #expect(worst <= 1e-4, "\(netlist.lastPathComponent): \(name) differs from ngspice by up to \(worst) of its value")
        }
        let totals = try Table(Self.fixture(netlist, "noise-total")).values
        for (name, actual) in [("onoise_total", result.outputTotal), ("inoise_total", result.inputTotal)] {
            let expected = try #require(totals[name])
            #expect(abs(actual / expected - 1) <= 1e-4, "\(netlist.lastPathComponent): \(name) = \(actual), ngspice \(expected)")
        }
    }

    @Test("transient", arguments: netlists.filter { FileManager.default.fileExists(atPath: fixture($0, "tran").path) })
    func transient(_ netlist: URL) throws {
        let circuit = try loadCircuit(netlist)
        guard case .transient(let spec)? = circuit.analyses.first(where: { $0.kind == .tran }) else {
            Issue.record("\(netlist.lastPathComponent) has a transient fixture but no .tran analysis")
            return
        }
        let reference = try Table(Self.fixture(netlist, "tran"))
        let probes = reference.header.dropFirst().compactMap { Probe($0) }
        let result = try Simulator(circuit).transient(spec, probes: probes)
        let times = try #require(reference.column("time"))
        try #require(result.time.count == times.count, "\(result.time.count) time points, ngspice \(times.count)")
        for probe in probes {
            let expected = try #require(reference.column(probe.description))
            let actual = try #require(result.values(probe))
            let error = zip(actual, expected).map { $0 - $1 }
            let relative = relativeRMS(error: error, signal: expected)
            #expect(relative <= 0.005, "\(netlist.lastPathComponent): \(probe) RMS error is \(relative * 100) % of the signal")
        }
    }
}
