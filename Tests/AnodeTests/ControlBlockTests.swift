import Testing
import Anode

/// ngspice `.control` blocks read as the dot commands they stand for.
@Suite("ngspice .control blocks")
struct ControlBlockTests {
    static let circuit = """
        Vin in 0 DC 0 SIN(0 1 1k) AC 1
        R1 in out 1k
        C1 out 0 100n
        D1 out 0 DX
        .model DX D(IS=1n N=1.8)

        """

    /// The same analyses, outputs and measurements written as a .control block and as dot commands.
    @Test("a block of analyses and outputs is the netlist written with dot commands")
    func sameAsDotCommands() throws {
        let control = try Circuit(netlistText: "control\n" + Self.circuit + """
            .control
            set numdgt=8
            op
            print all
            tran 10u 3m
            print v(out) vin#branch, @d1[id]
            meas tran vmax MAX v(out)
            fourier 1k v(out)
            ac dec 10 10 100k
            plot db(v(out)) ph(v(out)) xlimit 10 100k ylog
            wrdata gain.txt mag(v(out)) vs frequency
            echo done
            .endc
            .end
            """, file: "control.cir")
        let dot = try Circuit(netlistText: "dot\n" + Self.circuit + """
            .op
            .print op all
            .tran 10u 3m
            .print tran v(out) i(Vin) @d1[id]
            .meas tran vmax MAX v(out)
            .four 1k v(out)
            .ac dec 10 10 100k
            .print ac vdb(out) vp(out)
            .print ac vm(out)
            .end
            """, file: "dot.cir")
        // (ngspice's `vin#branch` is i(Vin).)
        #expect(control.analyses == dot.analyses)
        #expect(Set(control.outputs) == Set(dot.outputs))
        #expect(control.measurements.map(\.name) == dot.measurements.map(\.name))
        #expect(control.fourierAnalyses.map(\.probes) == dot.fourierAnalyses.map(\.probes))
        // The two commands it skips say so, at their lines, and so does the file it does not write.
        let skipped = control.warnings.filter { $0.message.contains("skipped") }
        #expect(skipped.map { $0.location?.line } == [8, 18])
        #expect(skipped.first?.message.contains("'set'") == true)
        #expect(control.warnings.contains { $0.message.contains("writes no gain.txt") && $0.location?.line == 17 })
        // The same results.
        let a = try Simulator(control), b = try Simulator(dot)
        let ra = try a.runAll(), rb = try b.runAll()
        #expect(a.measure(ra).map { try? $0.value.get() } == b.measure(rb).map { try? $0.value.get() })
        #expect(a.measure(ra).first.flatMap { try? $0.value.get() }.map { $0 > 0.4 && $0 < 0.7 } == true)
        // ngspice's `allv` (every node voltage) is `all` here.
        let allv = try Circuit(netlistText: "allv\n" + Self.circuit + ".control\nop\nprint allv\n.endc\n.end\n", file: "allv.cir")
        let all = try Circuit(netlistText: "all\n" + Self.circuit + ".op\n.print op all\n.end\n", file: "all.cir")
        #expect(Set(allv.outputs) == Set(all.outputs))
        #expect(try Simulator(allv).printedProbes(for: .op) == Simulator(all).printedProbes(for: .op))
        #expect(try Simulator(allv).printedProbes(for: .op).count == allv.nodes.count - 1)
    }

    @Test("`run` and outputs before any analysis apply to every analysis; vectors Anode cannot record are skipped")
    func runAndSkippedVectors() throws {
        let circuit = try Circuit(netlistText: "run\n" + Self.circuit + """
            .tran 10u 1m
            .control
            save all
            run
            let gain = v(out)/v(in)
            print v(out) gain v(in)-v(out) integ(v(out))
            meas tran gmax MAX gain
            .endc
            .end
            """, file: "run.cir")
        #expect(circuit.outputs == [OutputRequest(.voltage("out"))])
        let skipped = circuit.warnings.filter { $0.message.contains("skipped") }.map(\.message)
        #expect(skipped.count == 5)  // let, gain, v(in)-v(out) (whole: v(in) is not recorded), integ(...), the meas of gain
        #expect(skipped.contains { $0.contains("'v(in)-v(out)'") }, "\(skipped)")
        #expect(skipped.contains { $0.contains("'meas' of the vector 'gain'") } && circuit.measurements.isEmpty)
        #expect(skipped.contains { $0.contains("'let'") })
        #expect(skipped.contains { $0.contains("'gain'") })
        #expect(skipped.contains { $0.contains("'integ(v(out))'") })
        #expect(circuit.analyses.count == 1)
    }

    @Test("outputs after noise and tf are Anode's own; the analyses run")
    func noiseAndTransferFunction() throws {
        let circuit = try Circuit(netlistText: "noise\n" + Self.circuit + """
            .control
            noise v(out) Vin dec 10 10 100k
            setplot noise2
            print onoise_total inoise_total
            tf v(out) Vin
            print all
            .endc
            .end
            """, file: "noise.cir")
        #expect(circuit.noiseAnalyses.count == 1 && circuit.transferFunctions.count == 1)
        #expect(circuit.outputs.isEmpty)
        let skipped = circuit.warnings.filter { $0.message.contains("skipped") }.map(\.message)
        #expect(skipped.count == 3)  // setplot, and the two prints
        #expect(skipped.contains { $0.contains("after 'noise'") } && skipped.contains { $0.contains("after 'tf'") })
    }

    @Test("a block with control flow is skipped whole, naming the command")
    func programsAreSkipped() throws {
        let text = "loop\n" + Self.circuit + """
            .control
            foreach r 1k 2k
              alter R1 $r
              tran 10u 1m
            end
            .endc
            .end
            """
        // Nothing runs then (`anode simulate` says the netlist has no analysis).
        #expect(try Circuit(netlistText: text, file: "loop.cir").analyses.isEmpty)
        let withDot = try Circuit(netlistText: text.replacingOccurrences(of: ".control", with: ".op\n.control"), file: "loop.cir")
        #expect(withDot.analyses == [.operatingPoint])
        let warning = try #require(withDot.warnings.first { $0.message.contains(".control block skipped") })
        #expect(warning.message.contains("'foreach'"))
    }

    @Test("an error in a block's command points into the block")
    func errorsPointIntoTheBlock() {
        do {
            _ = try Circuit(netlistText: "bad\n" + Self.circuit + ".control\nac dec 10 10\n.endc\n.end\n", file: "bad.cir")
            Issue.record("an ac without its stop frequency was accepted")
        } catch {
            #expect(error.location?.line == 8)
        }
    }
}
