import Foundation
import Testing
import Anode

@Suite("Elaboration: parameters, models and subcircuits")
struct ElaborationTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    func error(_ text: String) -> NetlistError? {
        do { _ = try circuit(text); return nil } catch { return error }
    }

    @Test("parameters resolve in any order and across scopes")
    func parameters() throws {
        let c = try circuit("""
            .param b={a*2}
            .param a=1k
            R1 x 0 {b+a}
            V1 x 0 1
            """)
        guard case .resistor(_, _, let r)? = c.element(named: "R1")?.kind else { Issue.record("no R1"); return }
        #expect(r == 3000)
        #expect(error(".param a={b}\n.param b={a}\nR1 x 0 {a}\n")?.message.contains("in terms of itself") == true)
    }

    @Test("0 Ω is ngspice's 1 mΩ with a warning, 0 F an open circuit, 0 H a short; a negative resistance is allowed")
    func zeroAndNegativeValues() throws {
        let c = try circuit("""
            V1 a 0 1
            R1 a b 0
            R2 b 0 1k
            R3 a c -1k
            R4 c 0 2k
            C1 c 0 0 Rser=10
            L1 c d 0
            R5 d 0 4k
            """)
        guard case .resistor(_, _, let r1)? = c.element(named: "R1")?.kind else { Issue.record("no R1"); return }
        #expect(r1 == 1e-3)
        #expect(c.warnings.count == 1 && c.warnings[0].message.contains("R1: 0 Ω taken as 1 mΩ"), "\(c.warnings)")
        #expect(c.warnings.first?.location?.line == 3)
        #expect(c.element(named: "C1") == nil && c.element(named: "C1#rser") == nil)
        let op = try Simulator(c).operatingPoint()
        // ngspice 39 on the same lines (without Rser, which it lacks): v(b) = 9.999990e-01,
        // v(c) = v(d) = 4, i(l1) = 1e-3.
        #expect(abs(op.voltage("b")! - 1000 / 1000.001) < 1e-12)
        // c: (1 − v)/(−1k) = v/2k + v/4k (R4, and R5 through the short L1) → v = 4.
        #expect(abs(op.voltage("c")! - 4) < 1e-12)
        #expect(abs(op.voltage("d")! - 4) < 1e-12)
        #expect(abs(op.current("L1")! - 1e-3) < 1e-15)
        // In code, 0 Ω is still refused, a negative resistance is not.
        var built = Circuit()
        #expect(throws: NetlistError.self) { try built.add("R1", .resistor("a", .ground, resistance: 0)) }
        try built.add("R2", .resistor("a", .ground, resistance: -5))
        #expect(error("L1 a 0 -1m\nR1 a 0 1\n")?.message.contains("must be positive") == true)
        #expect(error("C1 a 0 -1p\nR1 a 0 1\n")?.message.contains("must be positive") == true)
        let coupled = try circuit("V1 a 0 1\nL1 a b 0\nL2 b 0 1m\nK1 L1 L2 0.5\nR1 b 0 1k\n")
        let short = #expect(throws: NetlistError.self) { try Simulator(coupled).operatingPoint() }
        #expect(short?.message.contains("L1 is 0 H, a short, and cannot be coupled") == true, "\(String(describing: short))")
    }

    @Test("an unbraced .param expression keeps its comparisons (==, >=, <=, !=) and ends at the next assignment")
    func unbracedComparisons() throws {
        let c = try circuit("""
            .param x=1
            .param y = (x==1) ? 2 : 3  z = (x >= 1 && x != 2) ? 50 : 60, w = x<=0 ? 100 : 200
            R1 a 0 {y+z+w}
            V1 a 0 1
            """)
        guard case .resistor(_, _, let r)? = c.element(named: "R1")?.kind else { Issue.record("no R1"); return }
        #expect(r == 252)
    }

    @Test("a parameter accepted but not modeled is a warning naming it; a neutral value is not")
    func unmodeledWarnings() throws {
        let c = try circuit("""
            V1 a 0 1
            D1 a 0 dm
            D2 a 0 dn
            .model dm D(IS=1n KF=1e-16 ISR=1p)
            .model dn D(IS=1n ISR=0)
            M1 a a 0 0 nm
            .model nm NMOS(KF=1e-25 AF=1 IS=1e-14 NSUB=1e15)
            """)
        // KF and AF are modeled (flicker noise); ISR is not, nor a MOSFET's NSUB.
        #expect(c.warnings.count == 2, "\(c.warnings)")
        let w = try #require(c.warnings.first)
        #expect(!w.message.contains("KF"))
        #expect(w.message.contains("ISR"))
        #expect(w.location?.line == 5)
        #expect(c.warnings.last?.message.contains("NSUB") == true && c.warnings.last?.message.contains("KF") == false, "\(c.warnings)")
    }

    @Test("temperatures: .temp, .options temp/tnom, an element's temp= and dtemp=, a card's TNOM, and R/C/L coefficients")
    func temperatures() throws {
        let c = try circuit("""
            V1 a 0 1
            R1 a b 1k tc1=0.001 tc2=1e-6
            C1 b 0 1u tc=0.002,1e-5
            D1 b 0 dm temp=60
            Q1 a b 0 qm dtemp=5
            Q2 a b 0 qm
            D2 b 0 dn
            .model dm D(IS=1n N=2)
            .model dn D(IS=1n TNOM=50)
            .model qm NPN(IS=1e-15)
            .temp 50
            .options tnom=20
            """)
        #expect(c.warnings.isEmpty, "\(c.warnings)")
        #expect(c.options.temperature == 50 && c.options.nominalTemperature == 20)
        func vt(_ celsius: Double) -> Double { Junction.boltzmann * (celsius + 273.15) / Junction.charge }
        func element(_ name: String) -> ElementKind? { c.elements.first { $0.name == name }?.kind }
        // ΔT = 50 − 20 = 30 K against the circuit's TNOM.
        guard case .resistor(_, _, let r)? = element("R1"), case .capacitor(_, _, let cap, _)? = element("C1") else {
            Issue.record("no R1 or C1"); return
        }
        #expect(abs(r - 1000 * (1 + 0.001 * 30 + 1e-6 * 900)) < 1e-9)
        #expect(abs(cap - 1e-6 * (1 + 0.002 * 30 + 1e-5 * 900)) < 1e-18)
        guard case .diode(_, _, let d1)? = element("D1"), case .diode(_, _, let d2)? = element("D2"),
              case .bjt(_, _, _, let q1)? = element("Q1"), case .bjt(_, _, _, let q2)? = element("Q2") else {
            Issue.record("no D1, D2, Q1 or Q2"); return
        }
        #expect(abs(d1.nvt - 2 * vt(60)) < 1e-15)
        #expect(abs(q1.vt - vt(55)) < 1e-15 && abs(q2.vt - vt(50)) < 1e-15)
        // IS(T) = IS·exp((T/Tnom − 1)·EG/(N·Vt) + XTI/N·ln(T/Tnom)), EG = 1.11, XTI = 3; D2's card holds at its own 50 °C.
        let t = 333.15, tnom = 293.15
        #expect(abs(d1.parameters.saturationCurrent / 1e-9 - exp((t / tnom - 1) * 1.11 / (2 * vt(60)) + 1.5 * log(t / tnom))) < 1e-9)
        #expect(d2.parameters.saturationCurrent == 1e-9)
        // A temperature below absolute zero is an error at its place.
        #expect(throws: NetlistError.self) { try circuit("V1 a 0 1\nR1 a 0 1k\n.temp -300\n") }
        do {
            _ = try circuit("V1 a 0 1\nD1 a 0 dm temp=-280\n.model dm D\n")
            Issue.record("no error")
        } catch {
            #expect(error.location?.line == 3 && error.message.contains("absolute zero"), "\(error)")
        }
        #expect(error("V1 a 0 1\nR1 a 0 1k dtemp=-250 tc1=1m\n.temp -50\n")?.location?.line == 3)
        // A diode's grading coefficient above 0.9 is limited, with a warning.
        let steep = try circuit("V1 a 0 1\nD1 a 0 dm\n.model dm D(M=0.95)\n")
        #expect(steep.warnings.first?.message.contains("limited to 0.9") == true, "\(steep.warnings)")
        // Temperature levels above 1 are reported; a level-1 potential driven below zero is an error.
        let level2 = try circuit("V1 a 0 1\nD1 a 0 dm\n.model dm D(TLEV=2)\n")
        #expect(level2.warnings.first?.message.contains("levels 0 and 1") == true, "\(level2.warnings)")
        #expect(error("V1 a 0 1\nD1 a 0 dm\n.model dm D(VJ=0.7 TLEVC=1 TPB=0.1)\n.temp 60\n")?.message.contains("VJ is") == true)
        #expect(error("V1 a 0 1\nQ1 a a 0 qm\n.model qm NPN(VJE=0.7 TLEVC=1 TVJE=0.1)\n.temp 60\n")?.message.contains("VJE is") == true)
        // Far enough from TNOM the laws underflow a saturation current, or drive a potential negative.
        #expect(error("V1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n.model dm D(IS=1e-14)\n.temp -270\n")?.message.contains("IS is 0.0") == true)
        #expect(error("V1 a 0 1\nR1 a b 1k\nM1 a b 0 0 mm\n.model mm NMOS\n.temp 5000\n")?.message.contains("no usable value") == true)
    }

    @Test("a .tran whose TSTEP exceeds the span it records is a warning at TSTEP")
    func transientStepWarning() throws {
        let c = try circuit("""
            V1 a 0 1
            R1 a 0 1k
            .tran 20u 2p
            """)
        let w = try #require(c.warnings.first)
        #expect(w.message.contains("at most one point"))
        #expect(w.location?.line == 4)
        #expect(w.location?.column == 7)
        let fine = try circuit("V1 a 0 1\nR1 a 0 1k\n.tran 1u 2u\n")
        #expect(fine.warnings.isEmpty)
    }

    @Test("model, subcircuit and instance errors", arguments: [
        ("X1 a b sub\n.subckt sub p q r\nR1 p q 1\n.ends\n", "connects 2 nodes but subcircuit sub has 3 ports"),
        ("X1 a b loop\n.subckt loop p q\nX2 p q loop\n.ends\n", "contains itself"),
        ("X1 a b nowhere\n", "unknown subcircuit 'nowhere'"),
        ("X1 a b sub q=2\n.subckt sub p q params: r=1\nR1 p q {r}\n.ends\n", "has no parameter 'q'"),
        (".model d1 D(IS=1n)\n.model d1 D(IS=2n)\nD1 a 0 d1\n", "duplicate .model"),
        ("D1 a 0 qm\n.model qm NPN(BF=100)\n", "needs a model of type D"),
        ("Q1 c b e dm\n.model dm D(IS=1n)\n", "needs a model of type NPN or PNP"),
        ("X1 p g k tube\n.model tube TRIODE(MU=100 EX=1.4 KG1=1060 KP=600)\n", "parameter KVB is required"),
        ("X1 p g k tube\n.model tube TRIODE(LEVEL=3 MU=100)\n", "LEVEL must be 1"),
        ("X1 p g tube\n.model tube TRIODE(MU=100 EX=1.4 KG1=1060 KP=600 KVB=300)\n", "connects 3 nodes"),
        ("D1 a 0 dm\n.model dm D(IS=-1n)\n", "IS must be positive"),
        ("Q1 c b e qm\n.model qm NPN(RB=10 RBM=20)\n", "RBM must be between 0 and RB"),
        ("K1 L1 L2 1.5\nL1 a 0 1m\nL2 b 0 1m\n", "coupling coefficient must be in (0, 1]"),
        ("E1 a 0 VALUE={V(b)*2*gain}\n", "unknown parameter 'gain'"),
        ("V1 b 0 1\nE1 a 0 LAPLACE {V(b)} = {exp(-s)}\n", "must be a ratio of polynomials in s"),
        ("V1 b 0 1\nG1 a 0 FREQ {V(b)} = (0,0,0) (1k,-3,-45)\n", "PSpice's FREQ sources are not supported"),
        ("R1 a 0 1k\n.tran 1u 1m\n.subckt s a\n.op\n.ends\n", "cannot appear inside a .subckt"),
    ])
    func errors(_ text: String, _ message: String) {
        let e = error(text)
        #expect(e?.message.contains(message) == true, "\(String(describing: e))")
        #expect(e?.location?.line != nil)
    }

    @Test("tube instances: triode and pentode from model cards")
    func tubes() throws {
        let c = try circuit("""
            .include \(Paths.circuits.path)/models/tubes.lib
            V1 b 0 250
            X1 b g 0 12AX7
            X2 b b g 0 EL34
            X3 b g 0 12AX7DZ
            R1 g 0 1Meg
            """)
        guard case .triode(_, _, _, .koren(let t))? = c.element(named: "X1")?.kind else { Issue.record("no Koren triode"); return }
        #expect(t.mu == 100)
        guard case .pentode(_, _, _, _, let p)? = c.element(named: "X2")?.kind else { Issue.record("no pentode"); return }
        #expect(p.kg2 == 4200)
        guard case .triode(_, _, _, .dempwolfZolzer)? = c.element(named: "X3")?.kind else { Issue.record("no DZ triode"); return }
    }

    @Test("subcircuit-local models and nodes; global nodes")
    func scoping() throws {
        let c = try circuit("""
            .global vcc
            .subckt stage in out
            .model local D(IS=1e-12)
            R1 vcc out 10k
            D1 in out local
            .ends
            V1 vcc 0 5
            X1 a b stage
            X2 b c stage
            R9 a 0 1k
            """)
        #expect(c.element(named: "x1.d1") != nil)
        #expect(c.index(of: "x1.vcc") == nil)
        #expect(c.index(of: "vcc") != nil)
        #expect(error("D1 a 0 local\n.subckt s p\n.model local D(IS=1e-12)\n.ends\n")?.message.contains("unknown model 'local'") == true)
    }

    @Test("circuits built in code simulate like netlists")
    func codeBuilt() throws {
        var c = Circuit(title: "divider")
        try c.add("V1", .voltageSource("in", .ground, IndependentSource(dc: 9)))
        try c.add("R1", .resistor("in", "out", resistance: 2e3))
        try c.add("R2", .resistor("out", .ground, resistance: 1e3))
        var p = Diode.Parameters()
        p.saturationCurrent = 1e-14
        try c.add("D1", .diode(anode: "out", cathode: "gnd", try Diode(p)))
        let op = try Simulator(c).operatingPoint()
        let v = op.voltage("out")!
        // KCL at out: (9 − v)/2k = v/1k + IS·(exp(v/Vt) − 1)
        let residual = (9 - v) / 2e3 - v / 1e3 - 1e-14 * (exp(v / Junction.thermalVoltage()) - 1) - 1e-12 * v
        #expect(abs(residual) < 1e-9)
        #expect(throws: NetlistError.self) { try c.add("R1", .resistor("a", "b", resistance: 1)) }
        #expect(throws: NetlistError.self) { try c.add("R3", .resistor("a", "b", resistance: .nan)) }
    }

    @Test(".func: functions of arguments and parameters, calling each other, local to a subcircuit")
    func userFunctions() throws {
        let c = try circuit("""
            .param k=3
            .func scaled(x) {k*x}
            .func both(a, b) = {scaled(a) + b}
            .subckt part p n params: r=1k
            .func local(x) {x + r}
            R1 p n {local(500)}
            .ends part
            V1 a 0 1
            R1 a 0 {both(100, 2)}
            X1 a 0 part r=2k
            """)
        func resistance(_ name: String) -> Double? {
            guard case .resistor(_, _, let r)? = c.element(named: name)?.kind else { return nil }
            return r
        }
        #expect(resistance("R1") == 302)
        #expect(resistance("x1.r1") == 2500)
        // An argument hides a parameter of the same name.
        let shadow = try circuit(".param x=1\n.func f(x) {x*10}\nV1 a 0 1\nR1 a 0 {f(7)}\n")
        guard case .resistor(_, _, let r)? = shadow.element(named: "R1")?.kind else { Issue.record("no R1"); return }
        #expect(r == 70)
    }

    @Test(".func errors: wrong argument count at its column, recursion, redefinitions, malformed lines")
    func userFunctionErrors() {
        let count = error(".func f(x, y) {x*y}\nV1 a 0 1\nR1 a 0 {1+f(2)}\n")
        #expect(count?.message.contains("f takes 2 argument(s), not 1") == true)
        #expect(count?.location?.line == 4 && count?.location?.column == 11)
        #expect(error(".func f(x) {f(x)+1}\nV1 a 0 1\nR1 a 0 {f(1)}\n")?.message.contains("calls itself") == true)
        // Twenty functions that each call the next twice: 2²⁰ calls, stopped at 100 000.
        let doubling = (0..<20).map { ".func f\($0)(x) {f\($0 + 1)(x) + f\($0 + 1)(x)}" }.joined(separator: "\n")
        let blowup = error(doubling + "\n.func f20(x) {x}\nV1 a 0 1\nR1 a 0 {f0(1)}\n")
        #expect(blowup?.message.contains("more than 100000 function calls") == true)
        // 2¹⁰ calls are fine.
        let ten = (0..<10).map { ".func g\($0)(x) {g\($0 + 1)(x) + g\($0 + 1)(x)}" }.joined(separator: "\n")
        #expect(error(ten + "\n.func g10(x) {x}\nV1 a 0 1\nR1 a 0 {g0(1)}\n") == nil)
        #expect(error(".func sqrt(x) {x}\nV1 a 0 1\nR1 a 0 1\n")?.message.contains("built-in") == true)
        #expect(error(".func f(x) {x}\n.func f(y) {y}\nV1 a 0 1\nR1 a 0 1\n")?.message.contains("duplicate .func") == true)
        #expect(error(".func f(x, x) {x}\nV1 a 0 1\nR1 a 0 1\n")?.message.contains("twice") == true)
        #expect(error(".func f(x) {x} extra\nV1 a 0 1\nR1 a 0 1\n")?.message.contains(".func takes") == true)
        #expect(error(".func f {1}\nV1 a 0 1\nR1 a 0 1\n")?.message.contains(".func takes") == true)
        #expect(error(".func f(x) {g(x)}\nV1 a 0 1\nR1 a 0 {f(1)}\n")?.message.contains("unknown function 'g'") == true)
    }

    @Test(".step: LTspice's sweeps of a parameter, the temperature, a source and a model parameter; the first changes fastest")
    func steps() throws {
        func netlist(_ text: String) throws(NetlistError) -> Netlist { try Netlist(text: "test\n" + text, file: "test.cir") }
        let base = "V1 in 0 DC 5\nR1 in out 1k\nR2 out 0 {r}\nQ1 out in 0 qn\n.model qn NPN(BF=100)\n.param r=1k\n.op\n"
        func values(_ steps: String) throws -> [[Double]] {
            try netlist(base + steps).stepPoints().map { $0.values.map(\.value) }
        }
        #expect(try values("") == [])
        #expect(try values(".step param r list 1k 2k 5k\n") == [[1000], [2000], [5000]])
        #expect(try values(".step lin param r 1k 3k 1k\n") == [[1000], [2000], [3000]])
        #expect(try values(".step param r 3k 1k -1k\n") == [[3000], [2000], [1000]])
        let decade = try values(".step dec param r 1k 100k 2\n").map { $0[0] }
        #expect(decade.count == 5 && zip(decade, [1e3, 1e3 * 10.0.squareRoot(), 1e4, 1e4 * 10.0.squareRoot(), 1e5]).allSatisfy { abs($0 - $1) < 1e-9 * $1 })
        #expect(try values(".step oct v1 1 4 1\n") == [[1], [2], [4]])
        #expect(try values(".step param r list 1k 2k\n.step temp 0 50 50\n") == [[1000, 0], [2000, 0], [1000, 50], [2000, 50]])
        // SPICE2's .temp with several values steps the temperature.
        #expect(try values(".temp 0 27 50\n") == [[0], [27], [50]])
        // Each point builds the circuit with its values.
        let stepped = try netlist(base + ".step param r list 1k 2k\n.step temp -10 40 50\n.step v1 list 3 4\n.step npn qn(bf) list 50 200\n")
        let points = try stepped.stepPoints()
        #expect(points.count == 16)
        let last = try Circuit(netlist: stepped, step: points[15])
        #expect(last.options.temperature == 40)
        #expect(last.warnings.isEmpty, "\(last.warnings)")
        guard case .resistor(_, _, let r)? = last.elements.first(where: { $0.name == "R2" })?.kind,
              case .voltageSource(_, _, let v1)? = last.elements.first(where: { $0.name == "V1" })?.kind,
              case .bjt(_, _, _, let q)? = last.elements.first(where: { $0.name == "Q1" })?.kind else {
            Issue.record("elements missing"); return
        }
        #expect(r == 2000 && v1.dc == 4)
        // BF = 200 at Tnom; at 40 °C with XTB = 0 it stays 200.
        #expect(q.parameters.forwardBeta == 200)
        #expect(points[15].description == "r=2000 temp=40 v1=4 qn(bf)=200")
        // Without a point: the first, with a warning.
        let first = try Circuit(netlist: stepped)
        #expect(first.options.temperature == -10)
        #expect(first.warnings.first?.message.contains("first point, r=1000 temp=-10 v1=3 qn(bf)=50") == true, "\(first.warnings)")
        // A temperature asked for gives way to .step temp, with a warning.
        let asked = try Circuit(netlist: stepped, temperature: 80, step: points[15])
        #expect(asked.options.temperature == 40 && asked.warnings.contains { $0.message.contains("gives way") })
        // Errors at their place.
        func stepError(_ line: String) -> NetlistError? {
            do { _ = try netlist(base + line).stepPoints(); return nil } catch { return error }
        }
        #expect(stepError(".step r1 1 2 1\n")?.location?.column == 7)
        #expect(stepError(".step param r 1 5 -1\n")?.message.contains("does not lead") == true)
        #expect(stepError(".step param r 1 100000 1\n")?.message.contains("at most 10000") == true)
        #expect(stepError(".step param r 0 1e308 1e-308\n")?.message.contains("at most 10000") == true)
        #expect(stepError(".step dec param r 1e-300 1e300 1000\n")?.message.contains("too many") == true)
        #expect(stepError(".step param r list 1 {1/0}\n") != nil)
        #expect(stepError(".step param r 1 5\n")?.message.contains("needs a start, a stop") == true)
        #expect(stepError(".step dec param r 0 5 2\n")?.message.contains("positive") == true)
        #expect(stepError(".step npn qn 1 2 1\n")?.message.contains("MODEL(PARAMETER)") == true)
        #expect(error(".subckt s a\nR1 a 0 1\n.step param r list 1 2\n.ends\nV1 a 0 1\nX1 a s\n")?.message.contains("cannot appear inside a .subckt") == true)
        do {
            _ = try Circuit(netlist: netlist("V1 a 0 1\nR1 a 0 1k\n.step v9 list 1 2\n"))
            Issue.record("no error for a source that is not there")
        } catch {
            #expect(error.message.contains("no source named 'v9'"), "\(error)")
        }
    }

    @Test("pot tapers: linear, audio (log) and reverse audio (revlog) at both ends and mid-travel, in a divider")
    func tapers() throws {
        for (name, mid) in [("lin", 0.5), ("linear", 0.5), ("log", 0.1), ("audio", 0.1), ("revlog", 0.9), ("antilog", 0.9)] {
            let taper = try #require(Control.Taper(named: name), "\(name)")
            #expect(Control.fraction(0, taper: taper) == 0 && Control.fraction(1, taper: taper) == 1, "\(name)")
            #expect(abs(Control.fraction(0.5, taper: taper) - mid) < 1e-15, "\(name)")
            // First end to wiper: fraction·R, so the wiper of a divider from 1 V sits at 1 − fraction.
            let op = try Simulator(circuit("V1 a 0 1\n.pot p a w 0 R=10k taper=\(name) position=0.5\n")).operatingPoint()
            #expect(abs(op.voltage("w")! - (1 - mid)) < 1e-9, "\(name): \(op.voltage("w")!)")
        }
        // The reverse taper is the audio taper turned end for end.
        for x in stride(from: 0.0, through: 1, by: 0.125) {
            #expect(abs(Control.fraction(x, taper: .reverseLogarithmic) - (1 - Control.fraction(1 - x, taper: .logarithmic))) < 1e-15)
        }
        #expect(error("V1 a 0 1\n.pot p a w 0 R=10k taper=c\n")?.message.contains("taper must be lin, log or revlog, not 'c'") == true)
    }

    @Test(".if, .elseif, .else, .endif: the first branch that holds stands, nested, in subcircuits and under .step")
    func conditionals() throws {
        // ngspice 39 on this netlist: i(V1) = -6.00000e-04 (4k, 5k, 10k and 20k in parallel from 1 V).
        let text = """
            .param sel=2 big=1
            V1 a 0 1
            .if (sel == 1)
            R1 a 0 1k
            .elseif (sel == 2)
            .if (big)
            R1 a 0 4k
            .else
            R1 a 0 3k
            .endif
            .param extra=5k
            .else
            R1 a 0 2k
            .endif
            R2 a 0 {extra}
            .subckt load p params: kind=0
            .if (kind > 0)
            Rk p 0 10k
            .else
            Rk p 0 20k
            .endif
            .ends
            X1 a load kind=1
            X2 a load
            .op
            """
        func resistance(_ c: Circuit, _ name: String) -> Double? {
            if case .resistor(_, _, let r)? = c.element(named: name)?.kind { r } else { nil }
        }
        let c = try circuit(text)
        #expect(resistance(c, "R1") == 4000 && resistance(c, "R2") == 5000)
        #expect(resistance(c, "x1.rk") == 10_000 && resistance(c, "x2.rk") == 20_000)
        let op = try Simulator(c).operatingPoint()
        #expect(abs(op.current("v1")! + 6e-4) < 1e-15)
        // The parameters as stepped decide: big = 0 takes the inner .else; sel = 3 the outer .else,
        // which defines no `extra`, so R2 has nothing to read.
        let stepped = try Netlist(text: "test\n" + text.replacingOccurrences(of: ".op", with: ".op\n.step param big list 0 1\n.step param sel list 2 3"),
                                  file: "test.cir")
        let points = try stepped.stepPoints()
        #expect(points.count == 4)
        #expect(resistance(try Circuit(netlist: stepped, step: points[0]), "R1") == 3000)
        #expect(resistance(try Circuit(netlist: stepped, step: points[1]), "R1") == 4000)
        do {
            _ = try Circuit(netlist: stepped, step: points[2])
            Issue.record("sel = 3 left R2 without its parameter, yet it was accepted")
        } catch {
            #expect(error.message.contains("unknown parameter 'extra'"), "\(error.message)")
        }
        // Malformed blocks are errors at their place.
        for (netlist, message) in [("R1 a 0 1\n.else\n", ".else without .if"), ("R1 a 0 1\n.if (1)\nR2 a 0 1\n", ".if without .endif"),
                                   ("R1 a 0 1\n.if (1)\n.else\n.elseif (2)\n.endif\n", ".elseif after .else"),
                                   ("R1 a 0 1\n.if (1)\n.else\n.else\n.endif\n", "a second .else"),
                                   ("R1 a 0 1\n.subckt s p\n.if (1)\n.ends\n.endif\n", ".ends inside a .if block"),
                                   ("R1 a 0 1\n.if\nR2 a 0 1\n.endif\n", "needs a condition"),
                                   ("R1 a 0 1\n.if (nothing > 1)\nR2 a 0 1\n.endif\n", "nothing"),
                                   ("R1 a 0 1\n.if (1)\n.step param r list 1 2\n.endif\n", ".step inside .if is not supported")] {
            #expect(error(netlist)?.message.contains(message) == true, "\(netlist): \(String(describing: error(netlist)))")
        }
    }

    @Test("AKO: a model card that is a kind of another takes its parameters and replaces some (PSpice's and LTspice's forms)")
    func aKindOf() throws {
        // Each stage twice: once with a kind of the base, once with the card written out; the
        // operating points must be the same numbers.
        func stage(_ q: String, _ d: String, _ suffix: String) -> String {
            """
            Q\(suffix) c\(suffix) b\(suffix) e\(suffix) \(q)
            R1\(suffix) v c\(suffix) 4.7k
            R2\(suffix) v b\(suffix) 1meg
            R3\(suffix) e\(suffix) 0 470
            D\(suffix) 0 k\(suffix) \(d)
            R4\(suffix) v k\(suffix) 1k

            """
        }
        let c = try circuit("""
            V1 v 0 12
            .model Q2N3904 NPN(IS=6.734f BF=416.4 VAF=74.03 RB=10)
            .model DB D(IS=1n N=1.5 BV=6.2 IBV=1m)
            .model QA AKO:Q2N3904 NPN(BF=100)
            .model QB ako:QA VAF=20
            .model DZ AKO: DB D (BV=4.7)
            .model QAW NPN(IS=6.734f BF=100 VAF=74.03 RB=10)
            .model QBW NPN(IS=6.734f BF=100 VAF=20 RB=10)
            .model DZW D(IS=1n N=1.5 BV=4.7 IBV=1m)

            """ + stage("QA", "DZ", "a") + stage("QAW", "DZW", "aw") + stage("QB", "DB", "b") + stage("QBW", "DB", "bw") + """
            X1 v inner
            .subckt inner v
            .model QL ako:QB BF=50
            Q1 c b 0 QL
            R1 v c 4.7k
            R2 v b 470k
            .ends
            X2 v innerw
            .subckt innerw v
            Q1 c b 0 QLW
            R1 v c 4.7k
            R2 v b 470k
            .ends
            .model QLW NPN(IS=6.734f BF=50 VAF=20 RB=10)
            """)
        let op = try Simulator(c).operatingPoint()
        for (kind, written) in [("ca", "caw"), ("ka", "kaw"), ("cb", "cbw"), ("x1.c", "x2.c")] {
            let a = try #require(op.voltage(kind)), b = try #require(op.voltage(written))
            #expect(abs(a - b) <= 1e-9 * abs(b), "\(kind) \(a) against \(written) \(b)")
        }
        // The replaced parameters act: a lower BF, VAF and BV move the stages.
        #expect(abs(try #require(op.voltage("ca")) - op.voltage("cb")!) > 1e-3)
        #expect(abs(try #require(op.voltage("ka")) - op.voltage("kb")!) > 0.5)
        #expect(abs(try #require(op.voltage("x1.c")) - op.voltage("cb")!) > 1e-3)

        // Errors at the base's name, the type, or the cycle.
        let unknown = error("V1 a 0 1\nD1 a 0 DX\n.model DX ako:DNONE IS=1n\n")
        #expect(unknown?.message.contains("no model 'dnone' for 'dx'") == true, "\(String(describing: unknown))")
        #expect(unknown?.location?.line == 4 && unknown?.location?.column == 15, "\(String(describing: unknown?.location))")
        let mismatch = error("V1 a 0 1\nD1 a 0 DX\n.model DB D(IS=1n)\n.model DX AKO:DB NPN(BF=10)\n")
        #expect(mismatch?.message.contains("declared NPN but its base 'db' is D") == true, "\(String(describing: mismatch))")
        let cycle = error("V1 a 0 1\nD1 a 0 DX\n.model DX ako:DY\n.model DY ako:DX\n")
        #expect(cycle?.message.contains("a kind of itself") == true, "\(String(describing: cycle))")
        #expect(error("V1 a 0 1\nD1 a 0 DX\n.model DX AKO:\n")?.message.contains("needs the name") == true)
    }

    @Test("resistor, capacitor and inductor model cards: ngspice's R/C/L and PSpice's RES/CAP/IND, value, multiplier and coefficients")
    func passiveModels() throws {
        let c = try circuit("""
            V1 a 0 1
            R1 a b RMOD 1k
            R2 b 0 rdef
            R3 b 0 2k rdef tc1=0
            C1 b 0 CMOD 1u
            L1 b d LMOD 10m
            R4 d 0 1k
            .MODEL RMOD RES (R=2 TC1=0.01 DEV=5%)
            .model rdef R(r=3k tc1=0.001 tc2=1e-5)
            .model CMOD CAP(C=0.5 VC1=0.1 TC1=0.02)
            .model LMOD IND(L=2)
            .temp 37
            """)
        func value(_ name: String) -> Double? {
            switch c.element(named: name)?.kind {
            case .resistor(_, _, let r)?: r
            case .capacitor(_, _, let v, _)?: v
            case .inductor(_, _, let v, _)?: v
            default: nil
            }
        }
        // ΔT = 10 K from TNOM 27 °C.
        #expect(abs(try #require(value("R1")) - 2000 * 1.1) <= 1e-9)
        #expect(abs(try #require(value("R2")) - 3000 * (1 + 0.01 + 1e-3)) <= 1e-9)
        // An element's own coefficient replaces the card's, its other one stays (as ngspice).
        #expect(abs(try #require(value("R3")) - 2000 * (1 + 1e-3)) <= 1e-9)
        #expect(abs(try #require(value("C1")) - 0.5e-6 * 1.2) <= 1e-18)
        #expect(abs(try #require(value("L1")) - 20e-3) <= 1e-15)
        #expect(c.warnings.contains { $0.message.contains("DEV=5%") }, "\(c.warnings)")
        #expect(c.warnings.contains { $0.message.contains("model cmod: accepted but not modeled: VC1") }, "\(c.warnings)")
        // A card's unknown parameter, a card that gives no value, a card of another kind.
        #expect(error("V1 a 0 1\nR1 a 0 1k rbad\n.model rbad R(foo=1)\n")?.message.contains("unknown parameter 'foo'") == true)
        #expect(error("V1 a 0 1\nR1 a 0 rbare\n.model rbare R(tc1=1m)\n")?.message.contains("its model gives none") == true)
        #expect(error("V1 a 0 1\nR1 a 0 1k dmod\n.model dmod D(IS=1n)\n")?.message.contains("unexpected 'dmod'") == true)
    }
}
