import Anode
import Foundation
import Testing

/// The corpus of malformed and hostile netlists in Tests/AnodeTests/Malformed: each must be a thrown
/// error in the library and, in the command, a message naming file, line and column (or the node or
/// element at fault) with exit status 2. Nothing may trap or hang.
@Suite("Malformed and hostile netlists")
struct MalformedNetlistTests {
    static let folder = Paths.tests.appendingPathComponent("Malformed")

    struct Case: CustomTestStringConvertible, Sendable {
        var file: String, location: String?, words: String
        var testDescription: String { file }
    }

    /// expected.txt: `file | line:column or - | words`.
    static let cases: [Case] = {
        let text = (try? String(contentsOf: folder.appendingPathComponent("expected.txt"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let parts = line.split(separator: "|", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            return Case(file: parts[0], location: parts[1] == "-" ? nil : parts[1], words: parts[2])
        }
    }()

    /// Loads, elaborates and simulates `path` as `anode simulate` would; returns the error's text.
    static func firstError(_ path: String) -> String? {
        do {
            let circuit = try Circuit(contentsOfFile: path)
            _ = try Simulator(circuit).runAll()
            return nil
        } catch let error as NetlistError {
            return error.description
        } catch let error as SimulationError {
            return error.description
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    @Test("the corpus holds at least 60 netlists, each with its expectation")
    func corpus() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0.hasSuffix(".cir") }
        #expect(files.count >= 60)
        #expect(Set(files) == Set(Self.cases.map(\.file)))
    }

    @Test("the library throws an error at the right place", arguments: cases)
    func library(_ c: Case) {
        let path = Self.folder.appendingPathComponent(c.file).path
        guard let message = Self.firstError(path) else {
            Issue.record("\(c.file) was accepted")
            return
        }
        if let location = c.location {
            #expect(message.hasPrefix("\(path):\(location): error: "), "\(message)")
        } else {
            #expect(message.hasPrefix("error: ") || message.contains(": error: "), "\(message)")
        }
        #expect(message.contains(c.words), "\(message)")
    }

    @Test("anode prints the error and exits with status 2")
    func command() throws {
        let cli = CommandLineTests()
        for c in Self.cases {
            let r = try cli.run(["simulate", "Tests/AnodeTests/Malformed/\(c.file)", "-o", "/dev/null"])
            #expect(r.status == 2, "\(c.file): status \(r.status)")
            #expect(r.stderr.contains(c.words), "\(c.file): \(r.stderr)")
            if let location = c.location { #expect(r.stderr.contains("\(c.file):\(location): error: "), "\(c.file): \(r.stderr)") }
        }
    }

    @Test("a 10 MB netlist is read, and a circuit too large for the dense solvers is refused, not allocated")
    func huge() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("anode-huge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var text = "huge ladder\nV1 n0 0 1\n"
        let comment = "* " + String(repeating: "padding ", count: 120) + "\n"
        for k in 0..<8_000 {
            text += "R\(k) n\(k) n\(k + 1) 1k\n"
            text += comment
        }
        text += "Rend n8000 0 1k\n.op\n"
        #expect(text.utf8.count > 7_700_000)
        let path = directory.appendingPathComponent("huge.cir").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let circuit = try Circuit(contentsOfFile: path)
        #expect(circuit.elements.count == 8_002)
        let message = Self.firstError(path) ?? ""
        #expect(message.contains("8002 unknowns") && message.contains("at most 3000"), "\(message)")
    }

    @Test("a UTF-8 byte-order mark is skipped")
    func byteOrderMark() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("anode-bom-\(UUID().uuidString).cir").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data([0xEF, 0xBB, 0xBF] + Array("bom\nV1 a 0 2\nR1 a b 1k\nR2 b 0 1k\n.op\n".utf8)).write(to: URL(fileURLWithPath: path))
        let op = try Simulator(try Circuit(contentsOfFile: path)).operatingPoint()
        #expect(abs(op.voltage("b")! - 1) < 1e-12)
    }
}
