import Anode
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// SVG figures, and `anode plot` / `anode measure` as a user runs them.
@Suite("Plots and measurement commands")
struct PlotTests {
    /// Collects elements and their attributes from an XML document (and fails on malformed XML).
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        var current = ""
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes))
            current = ""
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text" { texts.append(current) }
        }
    }

    func parse(_ svg: String) throws -> Collector {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "the SVG is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        return collector
    }

    @Test("a figure is well-formed SVG with titles, units, ticks, a legend and one path per series")
    func figure() throws {
        var response = Plot(title: "Gain <&> phase", x: Axis("Frequency", unit: "Hz", scale: .logarithmic), y: Axis("Gain", unit: "dB"))
        let f = (0...40).map { 20 * pow(1000, Double($0) / 40) }
        response.series = [Series("v(out)", x: f, y: f.map { -10 * log10(1 + ($0 / 1000) * ($0 / 1000)) }),
                           Series("v(in)", x: f, y: f.map { _ in 0 })]
        var spectrum = Plot(title: "Harmonics", x: Axis("Harmonic", step: 1), y: Axis("Level", unit: "dB"))
        spectrum.series = [Series("", x: [1, 2, 3], y: [0, -30, -45], style: .bars)]
        let svg = Figure([response, spectrum]).svg()
        let doc = try parse(svg)
        #expect(doc.elements.first?.name == "svg")
        #expect(doc.texts.contains("Gain <&> phase"))  // escaped in the file, intact when read
        #expect(doc.texts.contains("Frequency (Hz)") && doc.texts.contains("Gain (dB)") && doc.texts.contains("Level (dB)"))
        #expect(doc.texts.contains("100") && doc.texts.contains("1k") && doc.texts.contains("10k"))  // decades
        #expect(doc.texts.contains("v(out)") && doc.texts.contains("v(in)"))                        // legend
        #expect(doc.texts.contains("1") && doc.texts.contains("2") && doc.texts.contains("3"))
        let lines = doc.elements.filter { $0.name == "polyline" && $0.attributes["class"] == "series" }
        let bars = doc.elements.filter { $0.name == "rect" && $0.attributes["class"] == "series" }
        #expect(lines.count == 2 && bars.count == 3)
        // Every point lies inside its panel's plot area (x 84…732, y 46…302 in the first panel).
        for line in lines {
            let points = line.attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
            #expect(points.count == 41)
            #expect(points.allSatisfy { $0[0] >= 84 - 1e-6 && $0[0] <= 732 + 1e-6 && $0[1] >= 46 - 1e-6 && $0[1] <= 302 + 1e-6 })
        }
        // 20 Hz … 20 kHz fills whole decades, 10 Hz … 100 kHz: point k lies log10(f/10)/4 of the way.
        let first = lines[0].attributes["points"]!.split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        #expect(abs(first[20][0] - (84 + (732 - 84) * log10(f[20] / 10) / 4)) < 0.01)
    }

    @Test("anode plot writes each kind of figure", arguments: [
        ["plot", "response", "circuits/tone-stack-jcm800.cir", "--per-decade", "5"],
        ["plot", "waveform", "circuits/diode-clipper.cir", "--level", "2V", "--settle", "0.01"],
        ["plot", "transfer", "circuits/diode-clipper.cir", "--level", "3V", "--settle", "0.01"],
        ["plot", "spectrum", "circuits/12ax7-common-cathode.cir", "--level", "1V", "--settle", "0.05"],
        ["plot", "thd", "circuits/2n3904-common-emitter.cir", "--points", "4", "--settle", "0.05"],
    ])
    func plotCommand(_ arguments: [String]) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("anode-plot-\(UUID().uuidString).svg").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try CommandLineTests().run(arguments + ["-o", path])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(doc.elements.contains { $0.attributes["class"] == "series" })
        #expect(doc.texts.contains { $0.contains("(") && $0.contains(")") })  // an axis with its unit
    }

    @Test("anode measure thd and sweep report what the library measures; bad options exit with status 2")
    func measureCommand() throws {
        let cli = CommandLineTests()
        let thd = try cli.run(["measure", "thd", "circuits/12ax7-common-cathode.cir", "--level", "1V", "--settle", "0.2", "--periods", "1", "--oversample", "4"])
        #expect(thd.status == 0, "\(thd.stderr)")
        // ngspice: 8.63 % (Tests/AnodeTests/Fixtures/measurements.csv).
        let value = thd.stdout.split(separator: "\n").last { $0.hasPrefix("THD ") }.flatMap { Double($0.split(separator: " ")[1]) }
        #expect(value.map { abs($0 - 8.625) < 0.25 } ?? false, "\(thd.stdout)")
        let sweep = try cli.run(["measure", "sweep", "circuits/2n3904-common-emitter.cir", "--from", "5mV", "--to", "0.2", "--points", "3", "--settle", "0.05", "--csv"])
        #expect(sweep.status == 0 && sweep.stdout.hasPrefix("input_peak,output_peak,gain_dB,thd_percent\n") && sweep.stdout.split(separator: "\n").count == 4)
        // A swept sine stops at a third of the sample rate, and says so.
        let swept = try cli.run(["measure", "response", "circuits/tone-stack-jcm800.cir", "--swept", "--from", "1k", "--to", "20k", "--per-decade", "2", "--settle", "0.02"])
        #expect(swept.status == 0 && swept.stderr.contains("left out") && swept.stdout.split(separator: "\n").count == 3, "\(swept.stdout)\(swept.stderr)")
        for bad in [["measure", "thd", "circuits/12ax7-common-cathode.cir", "--level", "loud"],
                    ["measure", "thd", "circuits/12ax7-common-cathode.cir", "--source", "Vnone"],
                    ["measure", "power", "circuits/class-ab-output.cir", "--load", "Q4"],
                    ["plot", "response", "circuits/tone-stack-jcm800.cir", "-o", "/nonexistent/dir/x.svg"]] {
            let r = try cli.run(bad)
            #expect(r.status == 2 && !r.stderr.isEmpty, "\(bad): \(r.stderr)")
        }
    }
}
