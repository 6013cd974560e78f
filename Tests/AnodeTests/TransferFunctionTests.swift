import Foundation
import Testing
import Anode

/// `.tf`: the small-signal DC gain and impedances, against ngspice on a transistor stage and
/// against a resistor network worked out by hand.
@Suite(".tf transfer function")
struct TransferFunctionTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    @Test("a 2N3904 stage at its operating point: gain, input and output impedance as ngspice's .tf")
    func agreesWithNgspice() throws {
        let c = try loadCircuit(Paths.netlists.appendingPathComponent("transfer-function.cir"))
        let tf = try #require(try Simulator(c).transferFunctions().first)
        let reference = try Table(Paths.fixtures.appendingPathComponent("transfer-function.tf.csv")).values
        #expect(reference.count == 3)
        for (name, value) in tf.values {
            let expected = try #require(reference[name], "ngspice has no \(name)")
            #expect(abs(value - expected) <= 1e-6 * abs(expected), "\(name) = \(value), ngspice \(expected)")
        }
    }

    @Test("a resistor network: the closed forms for voltage and current inputs and outputs")
    func closedForms() throws {
        // Vin → 1k → a; a → 3k → 0; a → 500 → b; b → 2k → 0. 3k ∥ 2.5k = 1363.6 Ω, so
        // v(b)/Vin = (1363.6/2363.6)·(2/2.5) = 6/13, Zin = 2363.6 Ω, Zout = 2k ∥ (500 + 1k ∥ 3k) = 769.2 Ω.
        let network = "Vin in 0 DC 1\nR1 in a 1k\nR2 a 0 3k\nR3 a b 500\nRl b 0 2k\n"
        let v = try #require(try Simulator(circuit(network + ".tf v(b) Vin\n")).transferFunctions().first)
        #expect(abs(v.gain - 6.0 / 13) < 1e-12)
        #expect(abs(v.inputImpedance - 1000 - 3000 * 2500 / 5500.0) < 1e-9)
        #expect(abs(v.outputImpedance - 2000 * 1250 / 3250.0) < 1e-9)
        #expect(v.values.map(\.name) == ["transfer_function", "vin#input_impedance", "output_impedance_at_v(b)"])
        // A current output: i(Vin) per volt is −1/Zin, and Vin sees Zin as its output impedance.
        let i = try #require(try Simulator(circuit(network + ".tf i(Vin) Vin\n")).transferFunctions().first)
        #expect(abs(i.gain + 1 / i.inputImpedance) < 1e-15)
        #expect(abs(i.outputImpedance - i.inputImpedance) < 1e-9)
        #expect(i.values[2].name == "vin#output_impedance")
        // A current input into 4k, a VCVS of gain 2 after it: 8 kV/A, 4 kΩ in, 0 Ω out (an ideal source).
        let s = try #require(try Simulator(circuit("Iin 0 c DC 1m\nRc c 0 4k\nEc d 0 c 0 2\nRd d 0 1k\n.tf v(d,0) Iin\n")).transferFunctions().first)
        #expect(abs(s.gain - 8000) < 1e-9)
        #expect(abs(s.inputImpedance - 4000) < 1e-9)
        #expect(abs(s.outputImpedance) < 1e-9)
    }

    @Test(".tf errors: its output, its input, a second .tf")
    func errors() {
        func error(_ text: String) -> NetlistError? {
            do { _ = try circuit(text); return nil } catch { return error }
        }
        let base = "Vin in 0 DC 1\nR1 in a 1k\nR2 a 0 3k\n"
        #expect(error(base + ".tf vdb(a) Vin\n")?.message.contains("not vdb(a)") == true)
        #expect(error(base + ".tf i(R1) Vin\n")?.message.contains("a voltage source's current") == true)
        #expect(error(base + ".tf v(a) R1\n")?.message.contains("must be an independent source") == true)
        #expect(error(base + ".tf v(a)\n")?.message.contains(".tf takes one output and an independent source") == true)
        #expect(error(base + ".tf v(nowhere) Vin\n")?.message.contains("no element connects to node 'nowhere'") == true)
        let second = error(base + ".tf v(a) Vin\n.tf v(in) Vin\n")
        #expect(second?.message.contains("a second .tf") == true && second?.location?.line == 6)
    }
}
