import Foundation
import Testing
@testable import Anode

/// Central-difference Jacobian of a device's port currents (or charges) compared with its analytic one.
func checkJacobian(_ device: NonlinearDevice, at v: PortVector, charges: Bool = false, tolerance: Double = 2e-5,
                   sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let n = device.portCount
    func f(_ x: PortVector) -> PortVector { charges ? device.charges(x).charge : device.currents(x).current }
    let analytic = charges ? device.charges(v).capacitance : device.currents(v).conductance
    // Differences are judged relative to the entry, with a floor relative to the row's largest entry
    // (central differences lose about 1e-10 of it to rounding).
    var rowScale = [Double](repeating: 0, count: n)
    for i in 0..<n { for j in 0..<n { rowScale[i] = max(rowScale[i], abs(analytic[i, j])) } }
    for j in 0..<n {
        let h = 1e-6 * max(1, abs(v[j]))
        var up = v, down = v
        up[j] += h
        down[j] -= h
        let numeric = (f(up) - f(down)) / (2 * h)
        for i in 0..<n {
            let scale = max(abs(numeric[i]), abs(analytic[i, j]))
            #expect(abs(numeric[i] - analytic[i, j]) <= tolerance * scale + 1e-7 * rowScale[i] + (charges ? 1e-24 : 1e-15),
                    "∂\(charges ? "q" : "i")\(i)/∂v\(j) at \(v): analytic \(analytic[i, j]), numeric \(numeric[i])", sourceLocation: sourceLocation)
        }
    }
}

@Suite("Device models")
struct DeviceModelTests {
    let vt = Junction.thermalVoltage()

    @Test("softplus and its logistic against log1p and the closed forms, from deep cutoff to far above")
    func softplusAccuracy() {
        var x = -745.0
        var worst = 0.0
        while x <= 60 {
            let (sp, sigma) = softplusAndLogistic(x)
            // Reference: ln(1 + eˣ) = max(x, 0) + log1p(e^−|x|), with the C library's log1p.
            let reference = max(x, 0) + log1p(exp(-abs(x)))
            worst = max(worst, abs(sp - reference) / reference.ulp)
            // (Compared where the reference itself is not subnormal.)
            let logistic = 1 / (1 + exp(-x))
            if x > -690 { #expect(abs(sigma - logistic) <= 4 * logistic.ulp, "σ(\(x))") }
            x += 0.0173
        }
        #expect(worst <= 2, "softplus is \(worst) ulp off")
        #expect(softplusAndLogistic(-800).softplus == 0)
        #expect(softplusAndLogistic(0).softplus == log(2.0))
    }

    @Test("the fixed-exponent power agrees with pow within 4 ulp, and falls back outside its table",
          arguments: [-0.5, -0.4, -0.3333, -0.2593, -0.05, 0.6, 1.24, 1.35, 1.4, 1.5])
    func fixedPower(exponent a: Double) {
        let power = FixedPower(exponent: a)
        // Across the whole table: every interval of the mantissa, the extreme exponents (2⁻¹¹² up
        // to just below 2¹⁶), and the edges of the intervals.
        var x = 0x1p-112
        while x < 0x1p16 {
            for y in [x, x.nextUp, x * (1 + 1.0 / 512), x * 1.00390625, x * 1.00390625.nextDown] where y < 0x1p16 {
                let expected = Foundation.pow(y, a)
                #expect(abs(power(y) - expected) <= 4 * expected.ulp, "\(y)^\(a)")
            }
            x *= 1.0037
        }
        // Outside the table: pow itself.
        for y in [0x1p-113, 0x1p-112.nextDown, 1e-300, 0x1p16, 1e300, Double.greatestFiniteMagnitude, 0, .infinity] {
            #expect(power(y) == Foundation.pow(y, a), "\(y)^\(a)")
        }
        #expect(power(.nan).isNaN)
        #expect(power(-1).isNaN)
        // The table is made once per exponent.
        #expect(FixedPower(exponent: a) == power)
    }

    @Test("fixed-exponent powers beyond the table limit call pow, and the tables stop growing")
    func fixedPowerLimit() {
        // Exponents no device uses, more than the limit allows.
        let powers = (0..<(FixedPower.maximumTables + 20)).map { FixedPower(exponent: 0.123 + Double($0) * 1e-6) }
        #expect(FixedPower.tableCount <= FixedPower.maximumTables)
        #expect(powers.last!.firstExponent > 2047)
        for power in powers {
            for x in [0.37, 1.0, 2.5, 1234.5] {
                let expected = Foundation.pow(x, power.exponent)
                #expect(abs(power(x) - expected) <= 4 * expected.ulp, "\(x)^\(power.exponent)")
            }
        }
    }

    @Test("depletion charge below FC·VJ is the closed form with pow", arguments: [0.2593, 0.3085, 0.4, 0.5])
    func depletionPower(grading m: Double) {
        let depletion = DepletionCharge(cj0: 4e-12, vj: 0.75, m: m, fc: 0.5)
        var v = -400.0
        while v < 0.375 {
            let a = 1 - v / 0.75
            let c = 4e-12 * Foundation.pow(a, -m), q = 0.75 * 4e-12 * (1 - Foundation.pow(a, 1 - m)) / (1 - m)
            let (qd, cd) = depletion.charge(v)
            #expect(abs(cd - c) <= 1e-14 * c, "C(\(v))")
            // (Near 0 V both forms lose digits to 1 − a^(1−M): judged against the charge scale.)
            #expect(abs(qd - q) <= 1e-14 * abs(q) + 1e-15 * 0.75 * 4e-12 / (1 - m), "Q(\(v))")
            v += v < -2 ? 1.37 : 0.0173
        }
    }

    /// The 2N7000 card's overlap capacitances are per meter of width (F/m): at the datasheet's
    /// VDS = 25 V, VGS = 0 and 1 MHz, the input capacitance Ciss = Cgs + Cgd is 20 pF and the
    /// reverse transfer capacitance Crss = Cgd 5 pF, the values its comment gives. (CGSO=0.15 made
    /// them 15 µF and 5 µF, and a 2N7000 stage a short circuit for audio.)
    @Test("the 2N7000 card has the datasheet's Ciss and Crss")
    func mosfetCapacitances() throws {
        let simulator = try Simulator(Circuit(netlistText: """
            2N7000 capacitances
            .include \(Paths.circuits.path)/models/mosfet.lib
            Vg g 0 DC 0 AC 1
            Vd d 0 DC 25
            M1 d g 0 0 2N7000
            """))
        let f = 1e6
        let r = try simulator.ac(ACSweep(.linear, points: 1, start: f, stop: f), probes: [Probe("i(vg)")!, Probe("i(vd)")!])
        let ciss = r.phasors(Probe("i(vg)")!)![0].length / (2 * Double.pi * f)
        let crss = r.phasors(Probe("i(vd)")!)![0].length / (2 * Double.pi * f)
        #expect(abs(ciss - 20e-12) <= 0.5e-12, "Ciss \(ciss)")
        #expect(abs(crss - 5e-12) <= 0.2e-12, "Crss \(crss)")
    }

    /// Every card of circuits/models at every combination of port voltages from −1 kV to 1 kV:
    /// currents, conductances, charges and capacitances must all be finite (a NaN here becomes a
    /// NaN residual in both engines).
    @Test("every model card stays finite from −1 kV to 1 kV on every port")
    func finiteEverywhere() throws {
        let cards = ["1N914", "1N34A", "1N4001", "2N3904", "2N3906", "2N5088", "AC128", "BD139", "BD140", "TIP31C", "TIP32C",
                     "J201", "2N5457", "2N7000", "IRFP240", "IRFP9240", "12AX7", "12AU7", "12AX7DZ", "EL34", "6L6GC", "EL84"]
        var text = "t\n"
        for library in ["diodes", "bjt", "jfet", "mosfet", "vdmos", "tubes"] { text += ".include \(Paths.circuits.path)/models/\(library).lib\n" }
        for (k, card) in cards.enumerated() {
            switch card {
            case "1N914", "1N34A", "1N4001": text += "D\(k) a\(k) 0 \(card)\n"
            case "J201", "2N5457": text += "J\(k) d\(k) g\(k) 0 \(card)\n"
            case "2N7000": text += "M\(k) d\(k) g\(k) 0 0 \(card)\n"
            case "IRFP240", "IRFP9240": text += "M\(k) d\(k) g\(k) 0 \(card)\n"
            case "12AX7", "12AU7", "12AX7DZ": text += "X\(k) p\(k) g\(k) 0 \(card)\n"
            case "EL34", "6L6GC", "EL84": text += "X\(k) p\(k) s\(k) g\(k) 0 \(card)\n"
            default: text += "Q\(k) c\(k) b\(k) 0 \(card)\n"
            }
            for node in ["a", "d", "g", "p", "s", "c", "b"] { text += "R\(node)\(k) \(node)\(k) 0 1k\n" }
        }
        let devices = try Network(Circuit(netlistText: text)).devices.map(\.model)
        // A VDMOS is its channel and its body diode.
        #expect(devices.count == cards.count + 2)
        let levels = [-1000.0, -300, -80, -20, -3, -0.7, -0.2, 0, 0.2, 0.5, 0.7, 0.9, 1.5, 3, 20, 80, 300, 1000]
        for device in devices {
            let n = device.portCount
            var failures = 0
            var index = [Int](repeating: 0, count: n)
            repeat {
                var v = PortVector(0, 0, 0, 0)
                for p in 0..<n { v[p] = levels[index[p]] }
                let i = device.currents(v), q = device.charges(v)
                for r in 0..<n where failures < 3 {
                    var finite = i.current[r].isFinite && q.charge[r].isFinite
                    for c in 0..<n { finite = finite && i.conductance[r, c].isFinite && q.capacitance[r, c].isFinite }
                    if !finite {
                        failures += 1
                        Issue.record("\(device) not finite at \(v), port \(r)")
                    }
                }
                // The next combination, like an odometer.
                var p = 0
                while p < n { index[p] += 1; if index[p] < levels.count { break }; index[p] = 0; p += 1 }
                if p == n { break }
            } while true
        }
    }

    @Test("thermal voltage at 27 °C")
    func thermalVoltage() {
        #expect(abs(vt - 0.0258646) < 1e-6)
    }

    @Test("diode: Shockley law, GMIN, breakdown matched to IBV")
    func diode() throws {
        var p = Diode.Parameters()
        p.saturationCurrent = 2.52e-9
        p.emissionCoefficient = 1.752
        let d = try Diode(p)
        let (i, g) = d.current(0.6)
        let expected = 2.52e-9 * (exp(0.6 / (1.752 * vt)) - 1) + 1e-12 * 0.6
        #expect(abs(i - expected) <= 1e-12 * expected)
        #expect(abs(g - (2.52e-9 * exp(0.6 / (1.752 * vt)) / (1.752 * vt) + 1e-12)) <= 1e-12 * g)
        // Reverse bias tends to −IS.
        #expect(abs(d.current(-5).i + 2.52e-9 + 5e-12) < 1e-13)

        var z = Diode.Parameters()
        z.saturationCurrent = 1e-14
        z.breakdownVoltage = 5.1
        z.breakdownCurrent = 1e-3
        let zener = try Diode(z)
        #expect(abs(zener.current(-5.1).i + 1e-3) <= 2e-5)
        for v in [-6.0, -5.2, -5.0, -1.0, -0.05, 0.0, 0.3, 0.65, 0.9] {
            checkJacobian(.diode(zener), at: PortVector(v, 0, 0, 0))
        }
    }

    @Test("diode limiting: a step within limitFreeStep is one pnjlim leaves alone, so skipping it changes nothing")
    func diodeLimitFreeStep() throws {
        var p = Diode.Parameters()
        p.saturationCurrent = 2.52e-9
        p.emissionCoefficient = 1.752
        var z = Diode.Parameters()
        z.saturationCurrent = 1e-14
        z.breakdownVoltage = 5.1
        var generator = SystemRandomNumberGenerator()
        for d in [try Diode(p), try Diode(z)] {
            #expect(d.limitFreeStep > 1.99 * d.nvt && d.limitFreeStep < 2 * d.nvt)
            var skipped = 0
            for _ in 0..<20_000 {
                let old = Double.random(in: -8...1.2, using: &generator)
                let new = old + Double.random(in: -1...1, using: &generator) * (Bool.random(using: &generator) ? d.limitFreeStep * 1.5 : 3)
                // SPICE's limiting written out (pnjlim, mirrored around the matched breakdown voltage).
                var expected = Junction.limit(new, old: old, nvt: d.nvt, critical: d.criticalVoltage)
                if let xbv = d.effectiveBreakdownVoltage, new < min(0, -xbv + 10 * d.breakdownNVt) {
                    let (v, changed) = Junction.limit(-(new + xbv), old: -(old + xbv), nvt: d.breakdownNVt, critical: d.criticalVoltage)
                    expected = (changed ? -(v + xbv) : new, changed)
                }
                let (v, changed) = d.limit(new, old: old)
                #expect(changed == expected.1 && (changed ? v == expected.0 : v == new), "\(old) → \(new)")
                if abs(new - old) <= d.limitFreeStep { skipped += 1 }
            }
            #expect(skipped > 1000)
        }
    }

    @Test("diode charge: depletion (continuous at FC·VJ) plus transit time")
    func diodeCharge() throws {
        var p = Diode.Parameters()
        p.junctionCapacitance = 4e-12
        p.junctionPotential = 0.6
        p.gradingCoefficient = 0.4
        p.transitTime = 20e-9
        let d = try Diode(p)
        #expect(abs(d.depletion.charge(0).c - 4e-12) < 1e-24)
        // Diffusion charge TT·I: at 0 V only the conductance IS/(N·Vt) + GMIN contributes.
        #expect(abs(d.charge(0).c - 4e-12 - 20e-9 * d.current(0).g) < 1e-24)
        let fcv = 0.5 * 0.6
        let below = d.depletion.charge(fcv.nextDown), above = d.depletion.charge(fcv.nextUp)
        #expect(abs(below.q - above.q) <= 1e-12 * abs(above.q))
        #expect(abs(below.c - above.c) <= 1e-12 * abs(above.c))
        for v in [-3.0, 0.0, 0.29, 0.31, 0.7] {
            checkJacobian(.diode(d), at: PortVector(v, 0, 0, 0), charges: true)
        }
    }

    @Test("BJT with defaulted extras is Ebers–Moll")
    func ebersMoll() throws {
        var p = GummelPoon.Parameters()
        p.saturationCurrent = 1e-14
        p.forwardBeta = 100
        p.reverseBeta = 2
        let q = try GummelPoon(.npn, p, gmin: 0)
        let vbe = 0.65, vbc = -4.0
        let e = q.evaluate(vbe: vbe, vbc: vbc)
        let iF = 1e-14 * (exp(vbe / vt) - 1), iR = 1e-14 * (exp(vbc / vt) - 1)
        #expect(abs(e.ic - (iF - iR - iR / 2)) <= 1e-12 * abs(e.ic))
        #expect(abs(e.ib - (iF / 100 + iR / 2)) <= 1e-12 * abs(e.ib))
    }

    @Test("BJT Early effect and high injection (Gummel–Poon qb)")
    func gummelPoonBase() throws {
        var p = GummelPoon.Parameters()
        p.saturationCurrent = 1e-14
        p.forwardEarlyVoltage = 50
        p.forwardKneeCurrent = 10e-3
        let q = try GummelPoon(.npn, p, gmin: 0)
        let vbe = 0.7, vbc = -5.0
        let iF = 1e-14 * (exp(vbe / vt) - 1), iR = 1e-14 * (exp(vbc / vt) - 1)
        let q1 = 1 / (1 - vbc / 50)
        let qb = q1 * (1 + (1 + 4 * iF / 10e-3).squareRoot()) / 2
        let e = q.evaluate(vbe: vbe, vbc: vbc)
        #expect(abs(e.ic - ((iF - iR) / qb - iR)) <= 1e-12 * e.ic)
    }

    @Test("BJT Jacobians: NPN and PNP, charges, modulated base resistance", arguments: ["2N3904", "2N3906", "BD139", "TIP32C"])
    func bjtJacobians(_ part: String) throws {
        let circuit = try Circuit(netlistText: "t\n.include \(Paths.circuits.path)/models/bjt.lib\nQ1 c b e \(part)\nR1 c 0 1\nR2 b 0 1\nR3 e 0 1\n")
        guard case .bjt(_, _, _, let q)? = circuit.element(named: "Q1")?.kind else { Issue.record("no BJT"); return }
        let s = q.polarity.rawValue
        let points: [PortVector] = q.hasModulatedBaseResistance
            ? [PortVector(0.71, 0.7, 5, 0), PortVector(0.9, 0.75, 0.2, 0), PortVector(-1, -1.2, 3, 0), PortVector(0.66, 0.65, 10, 0)]
            : [PortVector(0.7, 5, 0, 0), PortVector(0.75, 0.1, 0, 0), PortVector(-2, 3, 0, 0), PortVector(0.6, -1, 0, 0)]
        for v in points {
            checkJacobian(.bjt(q), at: v * s)
            checkJacobian(.bjt(q), at: v * s, charges: true)
        }
        if q.hasModulatedBaseResistance {
            // rb falls from RB toward RBM as the base current grows.
            let low = q.baseResistance(ib: 1e-9, qb: 1).rb, high = q.baseResistance(ib: 1e-2, qb: 1).rb
            #expect(low > high)
            #expect(low <= q.parameters.baseResistance * 1.0001)
            #expect(high >= (q.parameters.minimumBaseResistance ?? 0))
        }
    }

    @Test("the base resistance's current crowding agrees with SPICE's formula through tan, and with its small-z series")
    func currentCrowding() throws {
        // SPICE (bjtload.c): z = (√(1 + 14.59025·a) − 1)/(2.4317·√a), f = (tan z − z)/(z·tan²z).
        func spice(_ z: Double) -> Double { let t = Foundation.tan(z); return (t - z) / (z * t * t) }
        var worst = 0.0, worstSlope = 0.0
        for k in 1..<4000 {
            let z = 0.05 + (1.5708 - 0.05) * Double(k) / 4000
            let (f, slope) = GummelPoon.crowding(z)
            worst = max(worst, abs(f - spice(z)) / abs(spice(z)))
            // (Below 0.3 the difference itself loses digits to tan z − z's cancellation; the
            // series below checks the slope there.)
            guard z >= 0.3 else { continue }
            let h = 1e-5
            let difference = (spice(z + h) - spice(z - h)) / (2 * h)
            worstSlope = max(worstSlope, abs(slope - difference) / abs(difference))
        }
        #expect(worst <= 1e-12, "f off by \(worst) (relative)")
        #expect(worstSlope <= 1e-7, "df/dz off by \(worstSlope) (relative, against a central difference)")
        // Small z, where tan z − z cancels: f = 1/3 − 4z²/45 + O(z⁴), df/dz = −8z/45 + O(z³).
        for z in [1e-8, 1e-5, 1e-3] {
            let (f, slope) = GummelPoon.crowding(z)
            #expect(abs(f - (1.0 / 3 - 4 * z * z / 45)) <= 1e-15 + z * z * z * z)
            #expect(abs(slope - (-8 * z / 45)) <= 1e-15 + z * z * z)
        }
        // The whole law on a card (TIP32C: RB = 161 Ω, RBM = 3.097 Ω, IRB = 35.48 µA), against SPICE's.
        let circuit = try Circuit(netlistText: "t\n.include \(Paths.circuits.path)/models/bjt.lib\nQ1 c b e TIP32C\nR1 c 0 1\nR2 b 0 1\nR3 e 0 1\n")
        guard case .bjt(_, _, _, let q)? = circuit.element(named: "Q1")?.kind else { Issue.record("no BJT"); return }
        for ib in [1e-8, 1e-6, 3.548134e-5, 1e-3, 0.1, 10] {
            let a = ib / 3.548134e-5
            let z = ((1 + 14.59025 * a).squareRoot() - 1) / (2.4317 * a.squareRoot())
            let rb = 3.097 + 3 * (161 - 3.097) * spice(z)
            #expect(abs(q.baseResistance(ib: ib, qb: 1).rb - rb) <= 1e-12 * rb, "ib = \(ib)")
        }
    }

    @Test("the quarter-period tangent is within 4 ulp of glibc's tan on |x| ≤ π/2, up to the pole and just past it")
    func quarterTangent() {
        var worst = 0.0, worstX = 0.0
        func check(_ x: Double) {
            let reference = Foundation.tan(x)
            let error = abs(quarterPeriodTangent(x) - reference) / reference.magnitude.ulp
            if !(error <= worst) { worst = error; worstX = x }
        }
        for k in 1...20_000 { check(Double.pi / 2 * Double(k) / 20_001) }
        // Near the pole, where π/2 − x is a few ulp of x, and past it; near π/4, where the two
        // branches meet; tiny and negative x.
        for e in 1...15 { check(Double.pi / 2 - pow(10, -Double(e))); check(Double.pi / 2 + 4e-6 * Double(e) / 15) }
        for x in [Double.pi / 4, (Double.pi / 4).nextUp, (Double.pi / 4).nextDown, 1e-300, 1e-8, -0.3, -1.5] { check(x) }
        #expect(worst <= 4, "worst \(worst) ulp at x = \(worstX)")
        #expect(quarterPeriodTangent(0) == 0)
        #expect(quarterPeriodTangent(.nan).isNaN)
    }

    @Test("junction curvatures: ∂²i/∂v² = κ·∂i/∂v on a conducting junction's port (diode string, NPN, PNP)", arguments: ["2N3904", "2N3906"])
    func junctionCurvatures(_ part: String) throws {
        // The real-time prediction's second-order term rests on this; a central difference of the
        // conductances checks it, and its sign for a PNP's negative port voltages.
        func secondDerivative(_ device: some PortDevice, _ v: PortVector, row: Int, port: Int) -> Double {
            let h = 1e-5
            var up = v, down = v
            up[port] += h
            down[port] -= h
            return (device.portCurrents(up).conductance[row, port] - device.portCurrents(down).conductance[row, port]) / (2 * h)
        }
        var dp = Diode.Parameters()
        dp.saturationCurrent = 2.52e-9
        dp.emissionCoefficient = 1.752
        let string = try Diode(dp).inSeries(3)
        let kappa = string.junctionCurvatures[0]
        #expect(abs(kappa - 1 / (3 * 1.752 * vt)) <= 1e-12 * kappa)
        let v = PortVector(1.8, 0, 0, 0)
        let g = string.portCurrents(v).conductance[0, 0]
        #expect(abs(secondDerivative(string, v, row: 0, port: 0) - kappa * g) <= 1e-4 * kappa * g)

        let circuit = try Circuit(netlistText: "t\n.include \(Paths.circuits.path)/models/bjt.lib\nQ1 c b e \(part)\nR1 c 0 1\nR2 b 0 1\nR3 e 0 1\n")
        guard case .bjt(_, _, _, let q)? = circuit.element(named: "Q1")?.kind else { Issue.record("no BJT"); return }
        let s = q.polarity.rawValue
        let curvature = q.junctionCurvatures
        #expect(curvature[0] * s > 0)
        #expect(curvature[1] == 0)
        // Forward active at 0.1–1 mA: the collector current's base–emitter curvature, within what
        // the Early effect and high injection bend it (a few per cent); the base current's within
        // 25 %, for where the leakage ISE carries it, it bends by 1/(NE·Vt) (the 2N3904's NE = 1.259).
        for vbe in [0.6, 0.65] {
            let point = PortVector(vbe, 5, 0, 0) * s
            let conductance = q.portCurrents(point).conductance
            for (row, within) in [(1, 0.05), (0, 0.25)] {
                let expected = curvature[0] * conductance[row, 0]
                let actual = secondDerivative(q, point, row: row, port: 0)
                #expect(abs(actual - expected) <= within * abs(expected), "\(part) row \(row) at \(vbe) V: \(actual / expected)")
            }
        }
    }

    @Test("JFET: square law, both modes, Jacobian")
    func jfet() throws {
        var p = ShichmanHodges.Parameters()
        p.thresholdVoltage = -2
        p.beta = 1e-3
        p.lambda = 0.01
        let j = try ShichmanHodges(nChannel: true, p, gmin: 0)
        // Saturation: BETA·(Vgs − VTO)²·(1 + λ·Vds).
        #expect(abs(j.channelCurrent(vgs: -1, vds: 5).id - 1e-3 * 1 * 1.05) < 1e-15)
        // Linear: BETA·Vds·(2·Vgst − Vds)·(1 + λ·Vds).
        #expect(abs(j.channelCurrent(vgs: 0, vds: 1).id - 1e-3 * 1 * 3 * 1.01) < 1e-15)
        // Source and drain swap: Id(Vgs, Vds) = −Id(Vgd, −Vds).
        #expect(abs(j.channelCurrent(vgs: -1, vds: -3).id + j.channelCurrent(vgs: 2, vds: 3).id) < 1e-15)
        #expect(j.channelCurrent(vgs: -3, vds: 5).id == 0)
        // A NaN drain voltage gives a NaN current for the solver to reject (found by the fuzzer: the
        // swap of source and drain recursed on it until the stack overflowed).
        #expect(j.channelCurrent(vgs: 0, vds: .nan).id.isNaN)
        for v in [PortVector(-1, 5, 0, 0), PortVector(0, 1, 0, 0), PortVector(-1, -3, 0, 0), PortVector(0.5, 0.2, 0, 0)] {
            checkJacobian(.jfet(j), at: v)
        }
        let pj = try ShichmanHodges(nChannel: false, p, gmin: 0)
        #expect(abs(pj.portCurrents(PortVector(1, -5, 0, 0)).current[1] + 1e-3 * 1.05) < 1e-12)
    }

    /// The real-time processor applies a limited step only when the device says it limited; the
    /// FETs' gate and drain limits (SPICE's `fetlim`, `limvds`) must say so as the junction limit does,
    /// and a step no limit touched must come back exactly as given.
    @Test("FET limiting reports every limit that acted, and returns an untouched step exactly")
    func fetLimitingReported() throws {
        var p = MOSFET.Parameters()
        p.thresholdVoltage = 2.1
        p.transconductance = 0.256
        let m = try MOSFET(nChannel: true, p, geometry: MOSFET.Geometry(), gmin: 0)
        // The gate from 2 V to 12 V in one step: fetlim holds it.
        let (gate, gateLimited) = m.limit(PortVector(12, 5, 0, 0), old: PortVector(2, 5, 0, 0))
        #expect(gateLimited && gate[0] < 12)
        // The drain from 0.05 V to 9 V: limvds holds it (the gate unchanged).
        let (drain, drainLimited) = m.limit(PortVector(2.17, 9, 0, 0), old: PortVector(2.17, 0.05, 0, 0))
        #expect(drainLimited && drain[1] < 9)
        // Small steps, in both drain polarities: untouched, bit for bit.
        for (new, old) in [(PortVector(2.171, 2.172, -0.1, 0), PortVector(2.17, 2.17, -0.1, 0)),
                           (PortVector(2.3, -0.31, 0, 0), PortVector(2.3, -0.3, 0, 0))] {
            let (same, limited) = m.limit(new, old: old)
            #expect(!limited && same == new)
        }
        var q = ShichmanHodges.Parameters()
        q.thresholdVoltage = -0.6
        q.beta = 1.6e-3
        let j = try ShichmanHodges(nChannel: true, q, gmin: 0)
        // From pinched off (−3 V) to 0.3 V: below the junction's critical voltage, so only fetlim acts.
        let (jGate, jLimited) = j.limit(PortVector(0.3, 5, 0, 0), old: PortVector(-3, 5, 0, 0))
        #expect(jLimited && jGate[0] < 0.3)
        let (jSame, jUntouched) = j.limit(PortVector(-0.21, 4.3, 0, 0), old: PortVector(-0.2, 4.3, 0, 0))
        #expect(!jUntouched && jSame == PortVector(-0.21, 4.3, 0, 0))
    }

    @Test("MOSFET level 1: square law, body effect, both modes, Jacobian")
    func mosfet() throws {
        var p = MOSFET.Parameters()
        p.thresholdVoltage = 1
        p.transconductance = 2e-4
        p.lambda = 0.02
        p.gamma = 0.5
        p.phi = 0.6
        var g = MOSFET.Geometry()
        g.width = 20e-6
        g.length = 2e-6
        let m = try MOSFET(nChannel: true, p, geometry: g, gmin: 0)
        let beta = 2e-4 * 10
        #expect(abs(m.channelCurrent(vgs: 3, vds: 5, vbs: 0).id - beta / 2 * 4 * 1.1) < 1e-15)
        #expect(abs(m.channelCurrent(vgs: 3, vds: 1, vbs: 0).id - beta * 1 * 1.5 * 1.02) < 1e-15)
        let von = 1 + 0.5 * ((0.6 + 2).squareRoot() - 0.6.squareRoot())
        #expect(abs(m.threshold(vbs: -2).von - von) < 1e-15)
        for v in [PortVector(3, 5, -1, 0), PortVector(3, 1, 0, 0), PortVector(3, -2, -1, 0), PortVector(2, 0.5, 0.2, 0)] {
            checkJacobian(.mosfet(m), at: v)
        }
    }

    @Test("MOSFET level 3: the square law when its extras are off; exact Jacobian in every region and both modes")
    func mosfetLevel3() throws {
        // With no NSUB (no short channel, no modulation), THETA, ETA, VMAX, NFS, DELTA at 0 and
        // GAMMA at 0, level 3 is level 1 without LAMBDA: β·(Vgs − VTO − Vds/2)·Vds up to Vdsat.
        var p = MOSFET.Parameters(level: 3)
        p.thresholdVoltage = 1
        p.transconductance = 2e-4
        var g = MOSFET.Geometry()
        g.width = 20e-6
        g.length = 2e-6
        let plain = try MOSFET(nChannel: true, p, geometry: g, gmin: 0)
        let beta = 2e-4 * 10
        #expect(abs(plain.channelCurrent(vgs: 3, vds: 1, vbs: 0).id - beta * (2 - 0.5) * 1) < 1e-15)
        #expect(abs(plain.channelCurrent(vgs: 3, vds: 5, vbs: 0).id - beta / 2 * 4) < 1e-15)
        #expect(plain.channelCurrent(vgs: 0.9, vds: 5, vbs: 0).id == 0)
        // Every extra on: the Jacobian is the finite differences' in cutoff-free weak inversion,
        // linear and saturated operation, with VMAX and without, forward and inverse, N and P.
        p.gamma = 0.4
        p.phi = 0.7
        p.substrateDoping = 1e16
        p.mobilityModulation = 0.08
        p.staticFeedback = 0.3
        p.saturationFieldFactor = 1.5
        p.junctionDepth = 0.3e-6
        p.lateralDiffusion = 0.1e-6
        p.narrowWidthFactor = 0.5
        p.fastSurfaceStateDensity = 1e11
        p.oxideThickness = 50e-9
        for vmax in [0.0, 1e5] {
            p.maximumDriftVelocity = vmax
            for nChannel in [true, false] {
                let m = try MOSFET(nChannel: nChannel, p, geometry: g, gmin: 0)
                let s = nChannel ? 1.0 : -1.0
                for v in [PortVector(3, 5, -1, 0), PortVector(3, 0.3, -1, 0), PortVector(3, -2, -1, 0), PortVector(1.05, 2, -0.5, 0),
                          PortVector(2, 0.5, 0.2, 0), PortVector(2.5, 1.2, 0, 0)] {
                    checkJacobian(.mosfet(m), at: v * s)
                }
            }
        }
    }

    @Test("MOSFET level 3 cards: what is modeled, what is reported, what is refused")
    func mosfetLevel3Cards() throws {
        func circuit(_ card: String, _ element: String = "M1 d g 0 0 nm L=2u W=20u") throws -> Circuit {
            try Circuit(netlistText: "t\nV1 d 0 5\nV2 g 0 2\n\(element)\n.model nm NMOS(\(card))\n", file: "t.cir")
        }
        func error(_ card: String, _ element: String = "M1 d g 0 0 nm L=2u W=20u") -> String? {
            do { _ = try Simulator(try circuit(card, element)).operatingPoint(); return nil } catch { return "\(error)" }
        }
        let warned = try circuit("LEVEL=3 VTO=1 RSH=10 TOX=20n").warnings.map(\.message)
        #expect(warned.contains { $0.contains("Meyer gate capacitances") && $0.contains("TOX 2e-08") })
        #expect(warned.contains { $0.contains("RSH") && $0.contains("not modeled") })
        #expect(try circuit("LEVEL=1 VTO=1 NFS=1e11 VMAX=1e5").warnings.contains { $0.message.contains("NFS, VMAX") && $0.message.contains("other MOSFET levels") })
        #expect(error("LEVEL=2 VTO=1")?.contains("LEVEL=2 NMOS models are not supported") == true)
        #expect(error("LEVEL=3 NSUB=1e5")?.contains("not above the intrinsic density") == true)
        #expect(error("LEVEL=3 KAPPA=-1")?.contains("KAPPA must not be negative") == true)
        #expect(error("LEVEL=3 WD=11u")?.contains("W − 2·WD + XW") == true)
        #expect(error("LEVEL=3 XL=-3u")?.contains("L − 2·LD + XL") == true)
    }

    /// The design notes' values come from Koren's subcircuit in ngspice, which has a 1 GΩ resistor
    /// from plate to cathode ("RCP", for convergence); its 0.25 µA at 250 V is added here.
    @Test("Koren 12AX7 plate current matches the design notes' ngspice check", arguments: [
        (-4.0, 3.9e-6), (-3.0, 87.6e-6), (-2.0, 0.952e-3), (-1.0, 3.37e-3), (0.0, 6.81e-3),
    ])
    func korenTriode(_ vgk: Double, _ ip: Double) throws {
        var p = KorenTriode.Parameters()
        (p.mu, p.ex, p.kg1, p.kp, p.kvb) = (100, 1.4, 1060, 600, 300)
        let t = try KorenTriode(p)
        let actual = t.plateCurrent(vgk: vgk, vpk: 250).ip + 250 / 1e9
        #expect(abs(actual - ip) <= 0.006 * ip, "Ip(\(vgk) V) = \(actual)")
        checkJacobian(.korenTriode(t), at: PortVector(vgk, 250, 0, 0))
        checkJacobian(.korenTriode(t), at: PortVector(0.8, 20, 0, 0))
    }

    @Test("Koren triode second derivatives against central differences of its conductances", arguments: [
        (-4.0, 250.0), (-1.5, 200.0), (-0.2, 120.0), (0.3, 20.0), (-30.0, 300.0), (0.05, 5.0),
    ])
    func korenSecondDerivatives(_ vgk: Double, _ vpk: Double) throws {
        var p = KorenTriode.Parameters()
        (p.mu, p.ex, p.kg1, p.kp, p.kvb) = (100, 1.4, 1060, 600, 300)
        let t = try KorenTriode(p)
        #expect(KorenTriode.reportsSecondDerivatives && !GummelPoon.reportsSecondDerivatives)
        let (evaluation, h) = t.evaluateWithSecondDerivatives(PortVector(vgk, vpk, 0, 0), withCharges: false)
        #expect(evaluation.currents.current == t.evaluate(PortVector(vgk, vpk, 0, 0), withCharges: false).currents.current)
        let full = t.plateCurrentAndHessian(vgk: vgk, vpk: vpk)
        let plain = t.plateCurrent(vgk: vgk, vpk: vpk)
        #expect(abs(full.ip - plain.ip) <= 1e-13 * abs(plain.ip))
        #expect(abs(full.dVgk - plain.dVgk) <= 1e-13 * abs(plain.dVgk))
        // ∂/∂Vgk and ∂/∂Vpk of the gradient, by central differences.
        let e = 1e-5
        let gp = t.plateCurrent(vgk: vgk + e, vpk: vpk), gm = t.plateCurrent(vgk: vgk - e, vpk: vpk)
        let pp = t.plateCurrent(vgk: vgk, vpk: vpk + e), pm = t.plateCurrent(vgk: vgk, vpk: vpk - e)
        let gg = (gp.dVgk - gm.dVgk) / (2 * e), gv = (pp.dVgk - pm.dVgk) / (2 * e), vv = (pp.dVpk - pm.dVpk) / (2 * e)
        let scale = max(abs(gg), abs(gv), abs(vv), 1e-300)
        #expect(abs(h[1, 0] - gg) <= 1e-5 * scale, "∂²Ip/∂Vgk² \(h[1, 0]) vs \(gg)")
        #expect(abs(h[1, 1] - gv) <= 1e-5 * scale, "∂²Ip/∂Vgk∂Vpk \(h[1, 1]) vs \(gv)")
        #expect(abs(h[1, 2] - vv) <= 1e-5 * scale, "∂²Ip/∂Vpk² \(h[1, 2]) vs \(vv)")
        // The grid diode (through RGI), likewise.
        let ig = (t.gridCurrent(vgk: vgk + e).g - t.gridCurrent(vgk: vgk - e).g) / (2 * e)
        #expect(abs(h[0, 0] - ig) <= 1e-5 * max(abs(ig), 1e-300) + 1e-18, "∂²Ig/∂Vgk² \(h[0, 0]) vs \(ig)")
    }

    @Test("Koren grid current is a diode in series with RGI")
    func gridCurrent() throws {
        var p = KorenTriode.Parameters()
        (p.mu, p.ex, p.kg1, p.kp, p.kvb) = (100, 1.4, 1060, 600, 300)
        let t = try KorenTriode(p, gmin: 0)
        for vgk in [0.2, 0.5, 2.0, 10.0, 100.0] {
            let i = t.gridCurrent(vgk: vgk).ig
            // V = R·I + Vt·ln(1 + I/IS)
            let v = 2000 * i + vt * log1p(i / 1e-9)
            #expect(abs(v - vgk) <= 1e-12 * max(1, abs(vgk)), "grid current at \(vgk) V")
        }
        // Reverse bias: the junction's saturation current.
        #expect(abs(t.gridCurrent(vgk: -1).ig + 1e-9) < 1e-15)
        #expect(abs(t.gridCurrent(vgk: 10).ig - (10 - 0.4) / 2000) < 0.1 / 2000)
    }

    @Test("Dempwolf–Zölzer triode equations")
    func dempwolfZolzer() throws {
        var p = DempwolfZolzerTriode.Parameters()
        (p.g, p.c, p.mu, p.gamma, p.gg, p.cg, p.xi) = (2.242e-3, 3.40, 103.2, 1.26, 6.177e-4, 9.901, 1.314)
        p.ig0 = 8.025e-8
        let t = try DempwolfZolzerTriode(p)
        let vgk = -1.5, vpk = 200.0
        let ik = 2.242e-3 * pow(log(1 + exp(3.40 * (vpk / 103.2 + vgk))) / 3.40, 1.26)
        let ig = 6.177e-4 * pow(log(1 + exp(9.901 * vgk)) / 9.901, 1.314) + 8.025e-8
        let r = t.portCurrents(PortVector(vgk, vpk, 0, 0))
        #expect(abs(r.current[0] - ig) <= 1e-12 * ig)
        #expect(abs(r.current[1] - (ik - ig)) <= 1e-12 * ik)
        checkJacobian(.dempwolfZolzerTriode(t), at: PortVector(vgk, vpk, 0, 0))
        checkJacobian(.dempwolfZolzerTriode(t), at: PortVector(0.5, 50, 0, 0))
    }

    @Test("Koren EL34 matches the design notes' ngspice check (Vg2 = Vp = 400 V, Vg1 = −35 V)")
    func korenPentode() throws {
        var p = KorenPentode.Parameters()
        (p.mu, p.ex, p.kg1, p.kg2, p.kp, p.kvb) = (11, 1.35, 650, 4200, 60, 24)
        let t = try KorenPentode(p)
        let r = t.portCurrents(PortVector(-35, 400, 400, 0))
        #expect(abs(r.current[2] - 44.6e-3) <= 0.005 * 44.6e-3, "Ip = \(r.current[2])")
        #expect(abs(r.current[1] - 0.36e-3) <= 0.02 * 0.36e-3, "Ig2 = \(r.current[1])")
        for v in [PortVector(-35, 400, 400, 0), PortVector(-10, 250, 50, 0), PortVector(0.5, 300, 20, 0), PortVector(-20, 300, -30, 0)] {
            checkJacobian(.korenPentode(t), at: v)
        }
        // Finite through a screen voltage of zero.
        let zero = t.portCurrents(PortVector(-5, 0, 100, 0))
        #expect(zero.current[2].isFinite && zero.current[1].isFinite)
    }

    @Test("pentode plate limiting: a step past the knee lands where the plate current's first-order change puts it")
    func pentodePlateLimit() throws {
        var p = KorenPentode.Parameters()
        (p.mu, p.ex, p.kg1, p.kg2, p.kp, p.kvb) = (11, 1.35, 650, 4200, 60, 24)
        let t = try KorenPentode(p)
        let kvb = 24.0
        // Conducting (Vg1 = −20 V, Vg2 = 400 V): Newton asks the plate to go from 400 V to −300 V.
        let limited = t.limitPlate(-300, old: 400, vg1k: -20, vg2k: 400)
        let theta = atan(400 / kvb) + (-700) * kvb / (kvb * kvb + 400 * 400)
        #expect(abs(limited - kvb * tan(theta)) <= 1e-9 * limited, "\(limited)")
        #expect(limited > 100 && limited < 400, "\(limited)")
        // A step that would take the plate current below a tenth stops at a tenth of θ.
        let floor = t.limitPlate(-20_000, old: 400, vg1k: -20, vg2k: 400)
        #expect(abs(floor - kvb * tan(0.1 * atan(400 / kvb))) <= 1e-9 * floor, "\(floor)")
        // Never below the Newton step (atan is concave), and never a change in these cases:
        for new in [-50.0, 10, 150] { #expect(t.limitPlate(new, old: 400, vg1k: -20, vg2k: 400) >= new) }
        #expect(t.limitPlate(250, old: 400, vg1k: -20, vg2k: 400) == 250)    // less than halving
        #expect(t.limitPlate(600, old: 400, vg1k: -20, vg2k: 400) == 600)    // upward
        #expect(t.limitPlate(-300, old: 400, vg1k: -80, vg2k: 400) == -300)  // cut off: KP·(1/MU − 80/400) = −6.5
        #expect(t.limitPlate(-1, old: 2, vg1k: -20, vg2k: 400) == -1)        // already below KVB/10
        // Through the device's limit, only the plate port moves.
        let (v, changed) = t.limit(PortVector(-20, 400, -300, 0), old: PortVector(-21, 401, 400, 0))
        #expect(changed && v[0] == -20 && v[1] == 400 && v[2] == limited)
    }

    @Test("junction limiting jumps to the critical voltage only when asked")
    func junctionJump() {
        let nvt = 0.02585, critical = 0.7
        // SPICE's pnjlim from below the critical voltage: a climb of N·Vt·ln(1 + Δv/N·Vt).
        let (spice, a) = Junction.limit(2.0, old: 0.1, nvt: nvt, critical: critical)
        #expect(a && abs(spice - (0.1 + nvt * log(1 + 1.9 / nvt))) <= 1e-15)
        #expect(spice < 0.25)
        // With the jump: the critical voltage itself.
        let (jumped, b) = Junction.limit(2.0, old: 0.1, nvt: nvt, critical: critical, jumpToCritical: true)
        #expect(b && jumped == critical)
        // From reverse bias too; from above the critical voltage it is SPICE's step again.
        #expect(Junction.limit(2.0, old: -3, nvt: nvt, critical: critical, jumpToCritical: true).0 == critical)
        let above = Junction.limit(2.0, old: 0.75, nvt: nvt, critical: critical, jumpToCritical: true).0
        #expect(above == Junction.limit(2.0, old: 0.75, nvt: nvt, critical: critical).0)
        // Steps that stay below the critical voltage are not limited either way.
        #expect(Junction.limit(0.6, old: 0.1, nvt: nvt, critical: critical, jumpToCritical: true) == (0.6, false))
    }

    @Test("a forward-biased junction rises in its current from the rise onset, and nowhere else")
    func junctionRise() throws {
        let nvt = 0.02585, critical = 0.74, onset = 0.45
        // Above the onset, a rise of 42 mV from 0.513 V (a 2N3904 collector junction saturating)
        // lands where the exponential carries what its tangent predicted: 24.8 mV up.
        let (v, limited) = Junction.limit(0.555, old: 0.513, nvt: nvt, critical: critical, riseOnset: onset)
        #expect(limited && abs(v - (0.513 + nvt * log(1 + 0.042 / nvt))) <= 1e-15 && v < 0.539)
        // Without the onset (SPICE's pnjlim: below the critical voltage), the same step is taken whole.
        #expect(Junction.limit(0.555, old: 0.513, nvt: nvt, critical: critical) == (0.555, false))
        // Below the onset, downward, or from reverse bias: untouched.
        #expect(Junction.limit(0.44, old: 0.3, nvt: nvt, critical: critical, riseOnset: onset) == (0.44, false))
        #expect(Junction.limit(0.5, old: 0.6, nvt: nvt, critical: critical, riseOnset: onset) == (0.5, false))
        #expect(Junction.limit(0.6, old: -0.2, nvt: nvt, critical: critical, riseOnset: onset) == (0.6, false))
        // A rise of a microvolt moves it by 2·10⁻¹¹ V: taken, but not counted as a limited step.
        let (tiny, tinyLimited) = Junction.limit(0.500_001, old: 0.5, nvt: nvt, critical: critical, riseOnset: onset)
        #expect(!tinyLimited && tiny < 0.500_001 && tiny > 0.5)
        // Beyond the critical voltage it is pnjlim's step, as before.
        #expect(Junction.limit(2.0, old: 0.75, nvt: nvt, critical: critical, riseOnset: onset)
                == Junction.limit(2.0, old: 0.75, nvt: nvt, critical: critical))
        // The transistor's: the collector junction only, from where its conductance is 10 µS.
        var p = GummelPoon.Parameters()
        p.saturationCurrent = 6.734e-15
        let q = try GummelPoon(.npn, p)
        let g = p.saturationCurrent / q.vt * exp(q.collectorRiseOnset / q.vt)
        #expect(abs(g - 1e-5) <= 1e-9)
        // (vbe, vce) from (0.68, 0.24) to (0.68, 0.168): vbc 0.44 → 0.512 rises in its current.
        let (ports, changed) = q.limit(PortVector(0.68, 0.168, 0, 0), old: PortVector(0.68, 0.24, 0, 0))
        let vbc = 0.44 + q.vt * log(1 + 0.072 / q.vt)
        #expect(changed && ports[0] == 0.68 && abs(ports[1] - (0.68 - vbc)) <= 1e-12)
        // The emitter junction's rise by as much (the collector junction reverse-biased) is left alone.
        let (active, activeChanged) = q.limit(PortVector(0.672, 4.672, 0, 0), old: PortVector(0.6, 4.6, 0, 0))
        #expect(!activeChanged && active[0] == 0.672 && active[1] == 4.672)
    }

    @Test("Wright omega solves ω + ln ω = y", arguments: [-700.0, -50, -5, -2, -1, 0, 0.5, 1, 2, 10, 100, 1e4, 1e8, 1e15])
    func omega(_ y: Double) {
        let w = wrightOmega(y)
        #expect(w > 0)
        if y > -700 {
            #expect(abs(w + log(w) - y) <= 4e-15 * max(1, abs(y)), "ω(\(y)) = \(w)")
        }
    }

    @Test("Wright omega is exact to rounding across its polynomial table and the branches around it")
    func omegaSweep() {
        var worst = 0.0, worstY = 0.0
        for k in 0...8000 {
            let y = -40 + Double(k) * 0.01 + 1e-9  // every interval, near both ends
            let w = wrightOmega(y)
            let error = abs(w + log(w) - y) / max(1, abs(y))
            if !(error <= worst) { worst = error; worstY = y }
        }
        #expect(worst <= 4e-15, "worst residual \(worst) at y = \(worstY)")
        #expect(wrightOmega(.infinity) == .infinity)
        #expect(wrightOmega(.nan).isNaN)
        #expect(wrightOmega(-.infinity) == 0)
    }

    @Test("the Wright omega estimate is within 7.5e-6 of ω across the table, and ω beyond it")
    func omegaEstimate() {
        var worst = 0.0, worstY = 0.0
        for k in 0...32_000 {
            let y = -8 + Double(k) * 0.001
            let error = abs(wrightOmegaEstimate(y) - wrightOmega(y))
            if !(error <= worst) { worst = error; worstY = y }
        }
        #expect(worst <= 7.5e-6, "worst error \(worst) at y = \(worstY)")
        // Both ends of every interval: the rounding picks an interval whose t stays within ±1.
        for k in 0...64 {
            let y = -8 + 0.5 * Double(k)
            for x in [y.nextDown, y, y.nextUp] where x >= -8 && x < 24 {
                #expect(abs(wrightOmegaEstimate(x) - wrightOmega(x)) <= 7.5e-6, "y = \(x)")
            }
        }
        for y in [-700.0, -8.5, 24, 100, 1e8] { #expect(wrightOmegaEstimate(y) == wrightOmega(y)) }
        #expect(wrightOmegaEstimate(.nan).isNaN)
    }
}

@Suite("Small dense solver")
struct SmallLUTests {
    @Test("solves random systems of every small size against the residual", arguments: [1, 2, 3, 5, 9, 17])
    func solve(_ n: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var a = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &generator) }
            for k in 0..<n { a[k * n + k] += Double(n) * (Bool.random(using: &generator) ? 0.01 : 1) }
            let b = (0..<n).map { _ in Double.random(in: -1...1, using: &generator) }
            var lu = a, x = b
            var pivots = [Int](repeating: 0, count: n)
            let ok = lu.withUnsafeMutableBufferPointer { l in pivots.withUnsafeMutableBufferPointer { p in SmallLU.factor(l.baseAddress!, n, pivots: p.baseAddress!) } }
            #expect(ok)
            lu.withUnsafeBufferPointer { l in pivots.withUnsafeBufferPointer { p in x.withUnsafeMutableBufferPointer { xb in SmallLU.solve(l.baseAddress!, n, pivots: p.baseAddress!, xb.baseAddress!) } } }
            for r in 0..<n {
                var sum = -b[r]
                for c in 0..<n { sum += a[c * n + r] * x[c] }  // column-major
                #expect(abs(sum) < 1e-10, "row \(r) of a \(n)×\(n) system")
            }
        }
    }

    @Test("the factors are the textbook elimination's to the bit (one step at a time, partial pivoting), in a block of a larger matrix too",
          arguments: [1, 2, 3, 4, 5, 8, 11, 16, 17])
    func textbook(_ n: Int) {
        // Right-looking Gaussian elimination, one step at a time: the pivot row exchanged in every
        // column, multipliers a[i, k]·(1/pivot), then a[i, j] −= l[i]·a[k, j] for i, j > k.
        func reference(_ a: inout [Double], _ pivots: inout [Int]) {
            for k in 0..<n {
                var p = k
                for r in (k + 1)..<max(n, k + 1) where abs(a[k * n + r]) > abs(a[k * n + p]) { p = r }
                pivots[k] = p
                for j in 0..<n { a.swapAt(j * n + k, j * n + p) }
                let inverse = 1 / a[k * n + k]
                a[k * n + k] = inverse
                for i in (k + 1)..<max(n, k + 1) { a[k * n + i] *= inverse }
                for j in (k + 1)..<max(n, k + 1) {
                    let u = a[j * n + k]
                    for i in (k + 1)..<n { a[j * n + i] -= a[k * n + i] * u }
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<30 {
            // Small diagonals on half the trials, so that rows are exchanged.
            var a = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &generator) }
            if trial % 2 == 0 { for k in 0..<n { a[k * n + k] *= 1e-3 } }
            var expected = a, expectedPivots = [Int](repeating: -1, count: n)
            reference(&expected, &expectedPivots)
            // The block at rows and columns 2…n+1 of an (n+3)×(n+3) matrix (as the condensed
            // Jacobian's), the rest of which must stay as it was.
            let m = n + 3
            var big = (0..<(m * m)).map { _ in Double.random(in: -1...1, using: &generator) }
            let outside = big
            for c in 0..<n { for r in 0..<n { big[(c + 2) * m + r + 2] = a[c * n + r] } }
            var pivots = [Int](repeating: -1, count: n)
            let ok = big.withUnsafeMutableBufferPointer { b in pivots.withUnsafeMutableBufferPointer { p in
                SmallLU.factorDense(b.baseAddress! + (2 * m + 2), n, leading: m, pivots: p.baseAddress!)
            } }
            #expect(ok)
            #expect(pivots == expectedPivots)
            var same = true, untouched = true
            for c in 0..<m {
                for r in 0..<m {
                    let inside = (2..<(n + 2)).contains(c) && (2..<(n + 2)).contains(r)
                    if inside { same = same && big[c * m + r] == expected[(c - 2) * n + r - 2] }
                    else { untouched = untouched && big[c * m + r] == outside[c * m + r] }
                }
            }
            #expect(same, "\(n)×\(n), trial \(trial): not the textbook factors to the bit")
            #expect(untouched)
        }
    }

    @Test("pivots where the diagonal is zero", arguments: [2, 3, 4, 6])
    func pivoting(_ n: Int) {
        // A cyclic shift with distinct weights: every diagonal entry is zero.
        var a = [Double](repeating: 0, count: n * n)
        for r in 0..<n { a[((r + 1) % n) * n + r] = Double(r + 2) }
        let b = (0..<n).map { Double($0) - 1.5 }
        var lu = a, x = b
        var pivots = [Int](repeating: 0, count: n)
        let ok = lu.withUnsafeMutableBufferPointer { l in pivots.withUnsafeMutableBufferPointer { p in SmallLU.factor(l.baseAddress!, n, pivots: p.baseAddress!) } }
        #expect(ok)
        lu.withUnsafeBufferPointer { l in pivots.withUnsafeBufferPointer { p in x.withUnsafeMutableBufferPointer { xb in SmallLU.solve(l.baseAddress!, n, pivots: p.baseAddress!, xb.baseAddress!) } } }
        // Row r reads (r + 2)·x[(r + 1) mod n] = b[r].
        for r in 0..<n { #expect(abs(Double(r + 2) * x[(r + 1) % n] - b[r]) < 1e-14) }
    }

    @Test("a singular matrix is reported, not divided by zero")
    func singular() {
        var a = [1.0, 2, 2, 4]
        var pivots = [0, 0]
        let ok = a.withUnsafeMutableBufferPointer { l in pivots.withUnsafeMutableBufferPointer { p in SmallLU.factor(l.baseAddress!, 2, pivots: p.baseAddress!) } }
        #expect(!ok)
    }
}
