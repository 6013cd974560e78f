import Foundation
import Testing
import Anode

/// `.meas` and `.four` statements: against ngspice's values on the same netlist, against closed
/// forms on ideal sources, and their errors.
@Suite(".meas and .four statements")
struct MeasureStatementTests {
    func circuit(_ text: String) throws(NetlistError) -> Circuit { try Circuit(netlistText: "test\n" + text, file: "test.cir") }

    func error(_ text: String) -> NetlistError? {
        do { _ = try circuit(text); return nil } catch { return error }
    }

    /// Each statement's value by name.
    func measured(_ c: Circuit) throws -> [String: Result<Double, SimulationError>] {
        let simulator = try Simulator(c)
        let results = try simulator.runAll()
        return Dictionary(uniqueKeysWithValues: simulator.measure(results).map { ($0.measurement.name, $0.value) })
    }

    @Test("every form agrees with ngspice's .meas on the same netlist")
    func agreesWithNgspice() throws {
        let url = Paths.netlists.appendingPathComponent("measurements.cir")
        let reference = try Table(Paths.fixtures.appendingPathComponent("measurements.meas.csv")).values
        let values = try measured(loadCircuit(url))
        // Anode measures on the recorded points (multiples of TSTEP = 10 µs, interpolated linearly);
        // ngspice on its own, with the fixture's step of at most 0.2 µs. So the allowance is what a
        // 10 µs grid can give: points of the scale within TSTEP/100 (crossings, from a straight line
        // between points; TSTEP/50 where two such lines cross each other), TSTEP/2 for where an extreme is (the grid's nearest point); values within
        // 2 mV (0.4 % of the clipped swing: the transient's own agreement, and a straight line
        // between points where the output bends); the integral of a sine over 50 points within
        // 0.05 % (the trapezoidal rule's (ωh)²/12). The .ac and .dc results are on the same points as
        // ngspice's, so there the values agree to ngspice's printed digits.
        let allowance: [String: Double] = [
            "vmax": 2e-3, "vmin": 2e-3, "vpp": 4e-3, "vavg": 2e-3, "vrms": 2e-3, "area": 5e-4 * 3.1831e-4,
            "tmax": 5e-6, "v2m": 2e-3, "vx": 2e-3, "tfall": 1e-7, "tlast": 1e-7, "tdelay": 1e-7, "tafter": 1e-7, "tmeet": 2e-7,
            "f3": 1e-6 * 7230, "gmax": 1e-6, "p10k": 1e-6, "vclip": 1e-6, "vknee": 1e-6,
            // PARAM: vmax/vpp is 0.5 in both; vmax/vrms + 1m carries vrms's and vmax's differences.
            "ratio": 1e-6, "crest": 1e-4,
        ]
        #expect(reference.count == allowance.count)
        for (name, expected) in reference {
            let tolerance = try #require(allowance[name], "no allowance for \(name)")
            let actual = try #require(try values[name]?.get(), "\(name) was not measured")
            #expect(abs(actual - expected) <= tolerance, "\(name) = \(actual), ngspice \(expected)")
        }
    }

    @Test("statistics, crossings and spans of a sine, against closed forms")
    func closedForms() throws {
        // 1 V at 1 kHz from an ideal source, recorded every µs: v(in) = sin(2π·1000·t) at the points
        // (to about 10⁻⁸: the integrator's own steps are interpolated onto the recorded grid).
        let c = try circuit("""
            V1 in 0 SIN(0 1 1k)
            R1 in 0 1k
            .tran 1u 2.5m
            .meas tran peak MAX v(in)
            .meas tran trough MIN v(in) FROM=0.5m TO=1.5m
            .meas tran swing PP v(in)
            .meas tran mean AVG v(in) FROM=0 TO=1m
            .meas tran rms RMS v(in) FROM=0 TO=2m
            .meas tran ttrough2 MIN_AT v(in) FROM=1.2m TO=2m
            .meas tran half INTEG v(in) FROM=0 TO=0.5m
            .meas tran tpeak MAX_AT v(in) FROM=0 TO=1m
            .meas tran ttrough MIN_AT v(in) TO=1m
            .meas tran at FIND v(in) AT=0.1m
            .meas tran third WHEN v(in)=0.5 CROSS=3
            .meas tran lastfall WHEN v(in)=0.5 FALL=LAST
            .meas tran period TRIG v(in) VAL=0 RISE=1 TD=0.1m TARG v(in) VAL=0 RISE=2 TD=0.1m
            .meas tran current FIND i(V1) WHEN v(in)=1 RISE=1
            V2 half 0 DC 0.5
            R2 half 0 1k
            .meas tran meet WHEN v(in)=v(half) CROSS=3
            .meas tran slope DERIV v(in) AT=0.1m
            .meas tran slopeat DERIV v(in) WHEN v(in)=v(half) FALL=1
            """)
        let v = try measured(c)
        func value(_ name: String) throws -> Double { try #require(try v[name]?.get(), "\(name)") }
        let w = 2 * Double.pi * 1000
        #expect(abs(try value("peak") - 1) < 1e-6)
        #expect(abs(try value("trough") + 1) < 1e-6)
        #expect(abs(try value("swing") - 2) < 2e-6)
        #expect(abs(try value("mean")) < 1e-9)
        #expect(abs(try value("rms") - 1 / 2.0.squareRoot()) < 1e-6)
        // ∫₀^T/2 sin(ωt) dt = 2/ω; the trapezoidal rule with h = 1 µs is (ωh)²/12 = 3.3·10⁻⁶ low.
        let half = try value("half")
        #expect(half < 2 / w && (2 / w - half) / (2 / w) < 3.5e-6)
        #expect(abs(try value("tpeak") - 0.25e-3) < 1e-12)
        #expect(abs(try value("ttrough") - 0.75e-3) < 1e-9)
        #expect(abs(try value("at") - sin(w * 0.1e-3)) < 1e-7)
        #expect(abs(try value("ttrough2") - 1.75e-3) < 1e-9)
        // Crossings of 0.5: up at T/12, down at 5T/12, up at 13T/12 (the third); the last fall at 29T/12. Between points
        // 1 µs apart a straight line misses the sine's crossing by about 10⁻¹⁰ s.
        #expect(abs(try value("third") - 13e-3 / 12) < 1e-8)
        #expect(abs(try value("lastfall") - 29e-3 / 12) < 1e-8)
        #expect(abs(try value("period") - 1e-3) < 1e-9)
        // Two outputs crossing: v(in) meets 0.5 V the third time at 13T/12.
        #expect(abs(try value("meet") - 13e-3 / 12) < 1e-8)
        // Derivatives of the parabola through three points 1 µs apart: within h²ω³/6 ≈ 0.04 V/s.
        #expect(abs(try value("slope") - w * cos(w * 0.1e-3)) < 0.05)
        #expect(abs(try value("slopeat") - w * cos(w * 5e-3 / 12)) < 0.05)
        // The peak of 1 V is never exceeded, so it is never crossed upward: a failure, not a value.
        guard case .failure(let failure)? = v["current"] else {
            Issue.record("a crossing that never happens gave \(String(describing: v["current"]))")
            return
        }
        #expect(failure.message.contains("v(in) never rises through 1"), "\(failure.message)")
    }

    @Test(".four agrees with ngspice's table: magnitudes, phases and THD of the clipper's last period")
    func fourierAgreesWithNgspice() throws {
        let circuit = try loadCircuit(Paths.netlists.appendingPathComponent("measurements.cir"))
        let simulator = try Simulator(circuit)
        let tables = simulator.fourier(try simulator.runAll())
        let reference = try Table(Paths.fixtures.appendingPathComponent("measurements.four.csv"))
        #expect(tables.count == 2 && reference.rows.count == 20)
        for (_, probe, result) in tables {
            let table = try result.get()
            let rows = reference.rows.filter { $0[0] == probe.description }
            #expect(rows.count == 10)
            let fundamental = try #require(Double(rows[1][3]))
            for row in rows {
                let k = try #require(Int(row[1]))
                let magnitude = try #require(Double(row[3])), phase = try #require(Double(row[4]))
                let h = table.harmonics[k]
                #expect(h.frequency == Double(k) * 1000)
                // Within 10⁻⁴ of the fundamental (Anode's 10 µs grid against ngspice's 0.2 µs steps:
                // the differences are 2–4·10⁻⁵ V); the phase of every harmonic above 10⁻³ of the
                // fundamental within 1° (0.006° for the fundamental, 0.4° for the ninth).
                #expect(abs(h.magnitude - magnitude) <= 1e-4 * fundamental, "\(probe) harmonic \(k): \(h.magnitude), ngspice \(magnitude)")
                if k >= 1 && magnitude > 1e-3 * fundamental {
                    #expect(abs(h.phase - phase) <= 1, "\(probe) harmonic \(k): \(h.phase)°, ngspice \(phase)°")
                }
            }
            let thd = try #require(Double(rows[0][5]))
            // v(in) is a pure sine: both THDs are noise (ngspice 10⁻¹² %, Anode 10⁻⁴ % from the
            // interpolation onto the 10 µs grid); the clipper's within 0.2 % of its value.
            #expect(abs(table.thd - thd) <= max(2e-3 * thd, 1e-3), "\(probe): THD \(table.thd) %, ngspice \(thd) %")
        }
    }

    @Test(".four on a sum of sines: the magnitudes, sine phases and THD they were given")
    func fourierClosedForm() throws {
        // 0.25 V DC + 1 V at 1 kHz (phase 30°) + 0.1 V at 3 kHz (phase −45°) + 0.05 V at 5 kHz:
        // THD = √(0.1² + 0.05²)/1 = 11.18 %. TSTOP is not a whole number of periods, so the
        // window, the last millisecond, starts at 2.5 ms, and the phases are taken from there:
        // a sine sin(ωt + φ) at t = 2.5 ms + τ has phase φ + ω·2.5 ms.
        let c = try circuit("""
            V1 a 0 SIN(0.25 1 1k 0 0 30)
            V2 b a SIN(0 0.1 3k 0 0 -45)
            V3 c b SIN(0 0.05 5k)
            R1 c 0 1k
            .tran 2u 3.5m
            .four 1k v(c) v(a)
            """)
        let simulator = try Simulator(c)
        let tables = simulator.fourier(try simulator.runAll())
        let table = try tables[0].table.get()
        func wrap(_ d: Double) -> Double { var x = d.truncatingRemainder(dividingBy: 360); if x > 180 { x -= 360 } else if x <= -180 { x += 360 }; return x }
        #expect(abs(table.harmonics[0].magnitude - 0.25) < 1e-6)
        for (k, magnitude, phase) in [(1, 1.0, 30.0), (3, 0.1, -45.0), (5, 0.05, 0.0)] {
            #expect(abs(table.harmonics[k].magnitude - magnitude) < 1e-5, "harmonic \(k): \(table.harmonics[k].magnitude)")
            let expected = wrap(phase + Double(k) * 360 * 2.5)
            #expect(abs(wrap(table.harmonics[k].phase - expected)) < 0.01, "harmonic \(k): \(table.harmonics[k].phase)°, expected \(expected)°")
        }
        for k in [2, 4, 6, 7, 8, 9] { #expect(table.harmonics[k].magnitude < 1e-5) }
        #expect(abs(table.thd - 100 * (0.1 * 0.1 + 0.05 * 0.05).squareRoot()) < 1e-3)
        #expect(abs(table.normalizedMagnitude(3) - 0.1) < 1e-5)
        #expect(abs(wrap(table.normalizedPhase(3) - (-45 + 3 * 900.0 - (30 + 900.0)))) < 0.01)
        // A pure sine: no distortion.
        #expect(try tables[1].table.get().thd < 1e-3)
    }

    @Test(".four errors: a bad frequency, a view instead of a waveform, too short or too sparse a transient")
    func fourierErrors() throws {
        let base = "V1 in 0 SIN(0 1 1k)\nR1 in 0 1k\n"
        #expect(error(base + ".tran 10u 5m\n.four 0 v(in)\n")?.message.contains("must be positive") == true)
        #expect(error(base + ".tran 10u 5m\n.four 1k vdb(in)\n")?.message.contains("write v(...), not vdb(...)") == true)
        #expect(error(base + ".tran 10u 5m\n.four 1k v(nowhere)\n")?.message.contains("no element connects to node 'nowhere'") == true)
        #expect(error(base + ".tran 10u 5m\n.four 1k\n")?.message.contains("takes a fundamental frequency") == true)
        func failure(_ text: String) throws -> String? {
            let simulator = try Simulator(circuit(text))
            let tables = simulator.fourier(try simulator.runAll())
            if case .failure(let e) = tables[0].table { return e.message }
            return nil
        }
        #expect(try failure(base + ".tran 10u 0.5m\n.four 1k v(in)\n")?.contains("fewer than 1 periods") == true)
        #expect(try failure(base + ".tran 100u 5m\n.four 1k v(in)\n")?.contains("too sparse for its 9th harmonic") == true)
        #expect(try failure(base + ".op\n.four 1k v(in)\n")?.contains("no .tran") == true)
    }

    @Test("malformed .meas statements are errors at their place")
    func errors() {
        let base = "V1 in 0 SIN(0 1 1k)\nR1 in 0 1k\n.tran 1u 1m\n.ac dec 5 10 1k\n"
        let unknown = error(base + ".meas tran x ERR v(in) v(in)\n")
        #expect(unknown?.message.contains("'ERR' is not supported") == true)
        #expect(unknown?.location?.line == 6 && unknown?.location?.column == 14)
        #expect(error(base + ".meas ac x MAX v(in)\n")?.message.contains("vm(), vdb()") == true)
        #expect(error(base + ".meas tran x TRIG v(in) RISE=1 TARG v(in) VAL=0 RISE=2\n")?.message.contains("TRIG needs VAL=") == true)
        #expect(error(base + ".meas tran x TRIG v(in) VAL=0 RISE=1\n")?.message.contains("TRIG needs a TARG") == true)
        #expect(error(base + ".meas tran x MAX v(in)\n.meas tran X MIN v(in)\n")?.message.contains("a second .meas named 'X'") == true)
        #expect(error(base + ".meas tran x DERIV v(in)\n")?.message.contains("DERIV needs AT=point or WHEN") == true)
        #expect(error(base + ".meas tran x WHEN v(in)=0 RISE=1 FALL=1\n")?.message.contains("one of RISE, FALL and CROSS") == true)
        #expect(error(base + ".meas tran x WHEN v(in)=0 RISE=0\n")?.message.contains("whole number from 1 on, or LAST") == true)
        #expect(error(base + ".meas tran x MAX v(nowhere)\n")?.message.contains("no element connects to node 'nowhere'") == true)
        #expect(error(base + ".meas tran x MAX v(in) FROM=1\n") == nil)
        #expect(error(base + ".meas tran x MAX v(in) extra\n")?.message.contains("unexpected 'extra'") == true)
        #expect(error(base + ".meas op x MAX v(in)\n")?.message.contains("not 'op'") == true)
        #expect(error(base + ".meas tran x\n")?.message.contains(".meas takes an analysis") == true)
        #expect(error(base + ".meas tran x FIND v(in)\n")?.message.contains("FIND needs AT=") == true)
        // PARAM: names are earlier measurements or parameters.
        #expect(error(base + ".meas tran x PARAM='y*2'\n.meas tran y MAX v(in)\n")?.message.contains("'y' is neither a parameter nor a measurement before this one") == true)
        #expect(error(base + ".meas tran x PARAM\n")?.message.contains("PARAM needs ='expression'") == true)
        // LTspice's form without the analysis: the netlist's only one, or an error when it has several.
        #expect(error(base + ".meas x MAX v(in)\n")?.message.contains("does not say which analysis") == true)
        let ltspice = try? circuit("V1 in 0 SIN(0 1 1k)\nR1 in 0 1k\n.tran 1u 1m\n.meas vpk MAX v(in)\n")
        #expect(ltspice?.measurements.first?.analysis == .tran)
    }

    @Test("a span or point outside the result, or an analysis the netlist does not run, is a failure saying so")
    func failures() throws {
        let c = try circuit("""
            V1 in 0 SIN(0 1 1k)
            R1 in 0 1k
            .tran 1u 1m
            .meas tran late MAX v(in) FROM=0.5m TO=2m
            .meas tran outside FIND v(in) AT=3m
            .meas dc nodc MAX v(in)
            .meas tran fine MAX v(in) TO=1m
            .param k=3
            .meas tran twice PARAM='fine*2 + k'
            .meas tran broken PARAM='late + 1'
            """)
        let v = try measured(c)
        func message(_ name: String) -> String? {
            if case .failure(let e)? = v[name] { return e.message } else { return nil }
        }
        #expect(message("late")?.contains("not a span within the result") == true)
        #expect(message("outside")?.contains("outside the result") == true)
        #expect(message("nodc")?.contains("no .dc") == true)
        #expect(message("fine") == nil)
        // fine = 1 (the sine's peak), k = 3.
        let twice = try #require(try v["twice"]?.get())
        #expect(abs(twice - 5) < 1e-6)
        #expect(message("broken")?.contains("'late' has no value: the measurement of that name failed") == true)
    }
}
