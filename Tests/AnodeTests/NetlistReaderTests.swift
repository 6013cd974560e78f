import Foundation
import Testing
import Anode

@Suite("Numbers and expressions")
struct NumberTests {
    @Test("SPICE numbers with scale factors and units", arguments: [
        ("4.7k", 4700.0), ("10uF", 10e-6), ("1Meg", 1e6), ("1M", 1e-3), ("2.2kOhm", 2200.0), ("100n", 100e-9),
        ("1e3", 1000.0), ("-3.3", -3.3), (".5", 0.5), ("5V", 5.0), ("1mil", 25.4e-6), ("3p", 3e-12), ("2f", 2e-15),
        ("1T", 1e12), ("1G", 1e9), ("1.5e-3m", 1.5e-6), ("10µ", 10e-6), ("1E+2", 100.0),
    ])
    func numbers(_ text: String, _ value: Double) throws {
        let parsed = try #require(SpiceNumber.parse(text))
        #expect(abs(parsed - value) <= 1e-12 * abs(value))
    }

    @Test("non-numbers are rejected", arguments: ["", "k", "abc", "1.2.3", "1.5k5", "1k5.2", "--1", "1e", "e3"])
    func notNumbers(_ text: String) {
        if text == "1e" {
            #expect(SpiceNumber.parse(text) == 1)  // `e` is a unit letter here, as in SPICE
        } else {
            #expect(SpiceNumber.parse(text) == nil)
        }
    }

    func evaluate(_ text: String, _ parameters: [String: Double] = [:]) throws -> Double {
        let e = try Expression.parse(text, at: SourceLocation(file: "t", line: 1, column: 1))
        return try e.evaluate(at: nil) { parameters[$0] }
    }

    @Test("expression arithmetic and precedence")
    func arithmetic() throws {
        #expect(try evaluate("1+2*3") == 7)
        #expect(try evaluate("(1+2)*3") == 9)
        #expect(try evaluate("2^3^2") == 512)
        #expect(try evaluate("2**3") == 8)
        #expect(try evaluate("-2^2") == -4)
        #expect(try evaluate("10/4") == 2.5)
        #expect(try evaluate("2k*3") == 6000)
        #expect(try evaluate("r1*2", ["r1": 50]) == 100)
        #expect(try evaluate("1 < 2 ? 5 : 6") == 5)
        #expect(try evaluate("max(1, 7, 3) + min(4, -2)") == 5)
        #expect(abs(try evaluate("sqrt(16) + exp(0) + log(1) + ln(1) + log10(100)") - 7) < 1e-12)
        // As ngspice-39's parameter functions compute them: pwr(-2, 3) = |−2|³ = 8 (its B source's
        // pwr is signed), nint(2.5) = 2, sqr(3) = 9, arctan(1) = π/4, ternary_fcn(0, 2, 3) = 3;
        // pwrs is PSpice's signed power.
        #expect(try evaluate("abs(-3) + pow(2, 10) + pwr(-2, 3)") == 3 + 1024 + 8)
        #expect(try evaluate("pwrs(-2, 3) + 10*nint(2.5) + 100*nint(-2.5) + 1000*nint(3.5)") == -8 + 20 - 200 + 4000)
        #expect(abs(try evaluate("sqr(3) + arctan(1) + ternary_fcn(0, 2, 3) + 10*ternary_fcn(1, 2, 3)") - (9 + Double.pi / 4 + 3 + 20)) < 1e-15)
        #expect(abs(try evaluate("pi") - Double.pi) < 1e-15)
        #expect(try evaluate("if(0, 1, 2)") == 2)
        // ngspice's integer division, as ngspice 39 computes it: 7 \ 2 = 3, −7 \ 2 = −3,
        // 7.9 \ 2 = 3, 2*7 \ 3 = 4 (as * and /, from the left).
        #expect(try evaluate("7 \\ 2") == 3 && evaluate("-7 \\ 2") == -3 && evaluate("7.9 \\ 2") == 3 && evaluate("2*7 \\ 3") == 4)
        #expect(throws: NetlistError.self) { try evaluate("1 \\ 0") }
    }

    @Test("expression errors name the problem and the column")
    func errors() {
        let at = SourceLocation(file: "f.cir", line: 3, column: 10)
        func error(_ text: String, _ parameters: [String: Double] = [:]) -> NetlistError? {
            do {
                let e = try Expression.parse(text, at: at)
                _ = try e.evaluate(at: at) { parameters[$0] }
                return nil
            } catch {
                return error
            }
        }
        #expect(error("1 +")?.message.contains("expression ends") == true)
        #expect(error("2 * (3 + 4")?.message.contains("')'") == true)
        #expect(error("foo(1)")?.message.contains("unknown function") == true)
        #expect(error("sqrt(1, 2)")?.message.contains("takes 1") == true)
        #expect(error("r2 * 2")?.message.contains("unknown parameter 'r2'") == true)
        #expect(error("1/0")?.message.contains("division by zero") == true)
        #expect(error("sqrt(-1)")?.message.contains("undefined") == true)
        #expect(error("(-8)^0.5")?.message.contains("non-integer power") == true)
        #expect(error("1e300*1e300")?.message.contains("not a finite number") == true)
        let located = error("1 + $")
        #expect(located?.location?.column == 14)
        #expect(located?.location?.line == 3)
    }
}

@Suite("Netlist reader")
struct NetlistReaderTests {
    func read(_ text: String) throws -> Netlist { try Netlist(text: text, file: "test.cir") }

    func readError(_ text: String) -> NetlistError? {
        do { _ = try Circuit(netlistText: text, file: "test.cir"); return nil } catch { return error }
    }

    @Test("title, comments and continuation lines")
    func structure() throws {
        let n = try read("""
            My amplifier * not a comment on the title line
            * a comment
            R1 a b 1k ; inline comment
            R2 b 0
            + 2k $ another comment
            C1 a 0 1u
            .end
            R9 x y 1
            """)
        #expect(n.title == "My amplifier * not a comment on the title line")
        #expect(n.statements.count == 3)
        guard case .element(let r2) = n.statements[1].kind else { Issue.record("expected an element"); return }
        #expect(r2.name == "R2")
        #expect(r2.arguments.map(\.text) == ["b", "0", "2k"])
        #expect(r2.arguments[2].location.line == 5)
    }

    @Test("case-insensitive everything")
    func caseInsensitive() throws {
        let c = try Circuit(netlistText: """
            t
            V1 IN 0 dc 5
            r1 in OUT 1K
            R2 out 0 1k
            .OP
            """)
        let op = try Simulator(c).operatingPoint()
        #expect(op.voltage("out") == 2.5)
        #expect(op.voltage("OUT") == 2.5)
    }

    @Test("errors carry file, line and column", arguments: [
        ("t\nR1 a b\n.end", 2, "no value"),
        ("t\nR1 a b 1k\nZ1 a b 3\n", 3, "unknown element type"),
        ("t\nR1 a 0 1k\nS1 a 0 b 0 SW\n", 3, "unknown model 'SW' for S1"),
        ("t\nR1 a 0 1k\nT1 a 0 b 0 Z0=50 TD=1n\n", 3, "T1: transmission lines (T) are not supported"),
        ("t\nR1 a 0 1k\nL1 a 0 L='1m*(1+V(a))' m=2\n", 3, "L1: m with an inductance that reads the circuit is not supported"),
        ("t\nD1 a 0 nomodel\nR1 a 0 1\n", 2, "unknown model 'nomodel'"),
        ("t\nD1 a 0 dm\n.model dm D(IS=1n FOO=2)\nR1 a 0 1", 3, "unknown parameter 'foo'"),
        ("t\nR1 a b {2*}\n", 2, "expression ends"),
        ("t\nR1 a 0 1k\n.tran 1u 1m 0 1u 2\n", 3, ".tran takes"),
        ("t\nR1 a 0 1k\n.bogus\n", 3, "unknown command"),
        ("t\nX1 a b sub\n.subckt sub p q\nR1 p q 1\n", 3, "has no .ends"),
        ("t\nL1 a 0 -5\n", 2, "must be positive"),
        ("t\nC1 a 0 -1p\nR1 a 0 1\n", 2, "must be positive"),
        ("t\nR1 a 0 1k\nR1 a 0 2k\n", 3, "duplicate element name"),
        ("t\nR1 a 0 {nope}\n", 2, "unknown parameter 'nope'"),
        ("t\nV1 a 0 SIN(0 1\nR1 a 0 1\n", 2, "never closed"),
        ("t\nQ1 c b e 2N9999\nR1 c 0 1\n", 2, "unknown model"),
        ("t\nR1 a 0 1k\n.ends\n", 3, ".ends without .subckt"),
        ("t\nM1 d g s b nm\n.model nm NMOS(LEVEL=2)\nR1 d 0 1\n", 3, "LEVEL=2 NMOS models are not supported"),
        ("t\nR1 a 0 1e400\n", 2, "not a finite number"),
        ("t\nB1 a 0 V={v(b)%2}\n", 2, "'%' is not available in a behavioral expression"),
    ])
    func locatedErrors(_ text: String, _ line: Int, _ message: String) throws {
        let error = try #require(readError(text), "no error for: \(text)")
        #expect(error.location?.file == "test.cir")
        #expect(error.location?.line == line, "\(error)")
        #expect((error.location?.column ?? 0) >= 1)
        if !message.isEmpty { #expect(error.message.contains(message), "\(error)") }
        #expect(error.description.hasPrefix("test.cir:\(line):"))
    }

    @Test("a parameter error points at its column")
    func column() throws {
        let error = try #require(readError("t\nD1 a 0 dm\n.model dm D(IS=1n   BADPARAM=2)\nR1 a 0 1\n"))
        #expect(error.location?.line == 3)
        #expect(error.location?.column == 21)
    }

    @Test("binary garbage is an error, not a crash")
    func garbage() {
        let error = readError("t\nR1 a 0 1\u{0}\u{7}k\n")
        #expect(error?.message.contains("control character") == true)
        #expect(error?.location?.line == 2)
    }

    @Test(".include and .lib resolve paths relative to the including file")
    func includes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anode-include-\(UUID().uuidString)")
        let sub = dir.appendingPathComponent("parts")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "* resistor\nR2 b 0 {rval}\n.include more.inc\n".write(to: sub.appendingPathComponent("r.inc"), atomically: true, encoding: .utf8)
        try "R3 b 0 3k\n".write(to: sub.appendingPathComponent("more.inc"), atomically: true, encoding: .utf8)
        try "* library\n.lib fast\n.model dd D(IS=1n)\n.endl\n.lib slow\n.model dd D(IS=1f)\n.endl fast\n".write(to: sub.appendingPathComponent("d.lib"), atomically: true, encoding: .utf8)
        let top = """
            include test
            .param rval=2k
            V1 a 0 1
            R1 a b 1k
            .include parts/r.inc
            .lib "parts/d.lib" slow
            D1 b 0 dd
            .op
            """
        try top.write(to: dir.appendingPathComponent("top.cir"), atomically: true, encoding: .utf8)
        let circuit = try Circuit(contentsOfFile: dir.appendingPathComponent("top.cir").path)
        #expect(circuit.element(named: "R3") != nil)
        guard case .resistor(_, _, let r)? = circuit.element(named: "R2")?.kind else { Issue.record("no R2"); return }
        #expect(r == 2000)
        guard case .diode(_, _, let d)? = circuit.element(named: "D1")?.kind else { Issue.record("no D1"); return }
        #expect(d.parameters.saturationCurrent == 1e-15)
    }

    @Test("an include loop, a missing include and a device are errors at the .include line")
    func includeErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anode-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "R1 a 0 1\n.include b.inc\n".write(to: dir.appendingPathComponent("a.inc"), atomically: true, encoding: .utf8)
        try "R2 a 0 1\n.include a.inc\n".write(to: dir.appendingPathComponent("b.inc"), atomically: true, encoding: .utf8)
        try "t\n.include a.inc\n".write(to: dir.appendingPathComponent("top.cir"), atomically: true, encoding: .utf8)
        do {
            _ = try Circuit(contentsOfFile: dir.appendingPathComponent("top.cir").path)
            Issue.record("include loop accepted")
        } catch {
            #expect(error.message.contains("include loop"))
            #expect(error.location?.file.hasSuffix("b.inc") == true)
            #expect(error.location?.line == 2)
        }
        try "t\nR1 a 0 1\n.include missing.inc\n".write(to: dir.appendingPathComponent("m.cir"), atomically: true, encoding: .utf8)
        do {
            _ = try Circuit(contentsOfFile: dir.appendingPathComponent("m.cir").path)
            Issue.record("missing include accepted")
        } catch {
            #expect(error.message.contains("no such file"))
            #expect(error.location?.line == 3)
            #expect(error.location?.column == 10)
        }
        // A device or a pipe may never end: refused, not read (a link to one too).
        for device in ["/dev/zero", "/dev/stdin"] {
            do {
                _ = try Circuit(netlistText: "t\nR1 a 0 1\n.include \(device)\n")
                Issue.record("\(device) included")
            } catch {
                #expect(error.message.contains("not a regular file") && error.location?.line == 3, "\(error)")
            }
        }
    }

    @Test("an ngspice .control block's `run` and `plot` are read (see ControlBlockTests); .meas is read")
    func controlBlocks() throws {
        let c = try Circuit(netlistText: """
            t
            R1 a 0 1k
            I1 0 a 1m
            .control
            run
            plot v(a)
            .endc
            .meas tran x max v(a)
            .op
            """)
        #expect(c.warnings.isEmpty)
        #expect(c.outputs == [OutputRequest(.voltage("a"))])
        #expect(c.analyses == [.operatingPoint])
        #expect(c.measurements.map(\.name) == ["x"])
    }
}

/// Forms of older SPICE and of ngspice that its manual's example decks use: each reads as the
/// form Anode documents. `Netlists/spice2-forms.cir` runs them against ngspice.
@Suite("SPICE2 and ngspice forms")
struct SpiceFormTests {
    func circuit(_ body: String) throws -> Circuit { try Circuit(netlistText: "forms\n" + body, file: "f.cir") }

    @Test("a model card without '=' is the card with it")
    func modelWithoutEquals() throws {
        func q1(_ card: String) throws -> Element? {
            try circuit(card + "\nQ1 c b 0 QA\nV1 c 0 1\nV2 b 0 0.7\n").element(named: "Q1")
        }
        let spice2 = try q1(".model QA NPN BF 20 RB 100 TF .1NS CJC 2PF")
        #expect(spice2 == (try q1(".model QA NPN(BF=20 RB=100 TF=.1NS CJC=2PF)")))
        #expect(spice2 != (try q1(".model QA NPN")))
    }

    @Test("E with its node pairs in parentheses; V with DC=; E vol= and G cur= are behavioral sources")
    func sourceForms() throws {
        let c = try circuit("""
            V1 in 0 DC=2V
            E1 (out 0) (in 0) -10
            R1 out 0 1k
            E2 sq 0 vol='V(in)*V(in)'
            R2 sq 0 1k
            G1 0 g cur = {1m*V(in)}
            R3 g 0 1k
            .op
            """)
        #expect(c.element(named: "E1")?.kind == .voltageControlledVoltageSource(Node("out"), .ground, Node("in"), .ground, gain: -10))
        let op = try Simulator(c).operatingPoint()
        #expect(op.voltage("in") == 2)
        #expect(abs(op.voltage("out")! + 20) < 1e-9)
        #expect(abs(op.voltage("sq")! - 4) < 1e-9)
        #expect(abs(op.voltage("g")! - 2) < 1e-9)
        #expect(throws: NetlistError.self) { try circuit("V1 in 0 DC=1 DC=2\nR1 in 0 1\n") }
    }

    @Test(".plot drops SPICE2's plot limits and ngspice's plot options; output-format options are accepted")
    func plotForms() throws {
        let c = try circuit("""
            V1 a 0 SIN(0 1 1k)
            R1 a b 1k
            R2 b 0 1k
            .options filetype=ascii
            .tran 10u 1m
            .plot tran v(a) (0,5) v(b) (-1, 1) xlog ylimit 0 5 title volts
            """)
        #expect(try Simulator(c).printedProbes(for: .tran) == [.voltage("a"), .voltage("b")])
        #expect(!c.warnings.contains { $0.message.contains("filetype") })
    }
}
