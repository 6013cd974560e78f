import Foundation
import Testing

/// The per-sample path must not touch the heap. The count is made by AnodeAllocationCheck, a
/// separate process linked with ordo-one/malloc-interposer (which counts every thread's
/// allocations, so it cannot run inside the parallel test process).
@Suite("Allocation-free processing")
struct AllocationTests {
    @Test("process allocates nothing (1x and 4x oversampling, control changes, Float buffers, a buffer per channel, steps in sub-steps, a fallback budget)")
    func process() throws {
        // The class-AB stage at 8 V takes some steps in sub-steps (1x only), with and without a
        // fallback budget.
        let names = ["diode-clipper", "12ax7-common-cathode", "2n3904-common-emitter", "class-ab-output", "tone-stack-jcm800", "fuzz-face", "mosfet-class-ab"]
        // Behavioral sources evaluate their expressions on a fixed-size stack (XSPICE code models among
        // them); switches the signal turns are devices with a state.
        let netlists = ["behavioral-triode", "behavioral-sources", "code-models", "switched-signals"]
        let hard = ["class-ab-output@8", "class-ab-output@8:4"]
        let binary = CommandLineTests.binary.deletingLastPathComponent().appendingPathComponent("AnodeAllocationCheck")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no \(binary.path)")
        let process = Process()
        process.executableURL = binary
        process.arguments = names.map { Paths.circuits.appendingPathComponent($0 + ".cir").path }
            + netlists.map { Paths.netlists.appendingPathComponent($0 + ".cir").path }
            + hard.map { Paths.circuits.appendingPathComponent($0.replacingOccurrences(of: "@", with: ".cir@")).path }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        let lines = text.split(separator: "\n")
        #expect(lines.count == (names.count + netlists.count) * 2 + hard.count + 1)
        for line in lines.dropLast() {
            #expect(line.hasSuffix(" 0"), "allocations inside process: \(line)")
        }
        // The counter is live: a deliberate allocation was seen.
        let counted = lines.last.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        #expect(counted >= 1, "\(lines.last ?? "")")
    }
}
