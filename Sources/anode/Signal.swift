import Anode
import ArgumentParser
import Foundation

struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Write a test signal as WAV: a plucked string, a sine sweep or a sine.",
        discussion: "For example `anode signal pluck -o pluck.wav` gives a 3 s note of 110 Hz (a guitar's A string) peaking at 0.5 of full scale."
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case pluck, sweep, sine }

    @Argument(help: "pluck, sweep or sine.")
    var kind: Kind

    @Option(name: .shortAndLong, help: "The WAV file to write.")
    var output: String

    @Option(help: "Frequency in Hz (pluck, sine), or the sweep's start.")
    var frequency: Double?

    @Option(name: .customLong("to"), help: "The sweep's end frequency in Hz.")
    var end: Double = 20_000

    @Option(help: "Length in seconds.")
    var seconds: Double = 3

    @Option(help: "Sample rate in Hz.")
    var rate: Double = 48_000

    @Option(help: "Peak level, as a fraction of full scale.")
    var peak: Double = 0.5

    @Option(help: "Sample format: \(WAVSampleFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: WAVSampleFormat = .int24

    func run() throws {
        guard rate > 0, rate.rounded() == rate, seconds > 0, seconds.isFinite, peak.isFinite, peak >= 0 else {
            printError("error: --rate must be a whole number of hertz, --seconds positive and --peak at least 0")
            throw ExitCode(2)
        }
        // A WAV file holds at most 4 GB of samples: refuse a longer signal before making it.
        guard WAVFile.canHold(frames: seconds * rate, channels: 1, format: format) else {
            printError(String(format: "error: %g s at %g Hz in %@ is over the 4 GB a WAV file can hold", seconds, rate, format.rawValue))
            throw ExitCode(2)
        }
        if kind != .sweep, let f = frequency, !(f > 0 && f < rate / 2) {
            printError("error: --frequency must be between 0 and half the sample rate")
            throw ExitCode(2)
        }
        let samples: [Double]
        switch kind {
        case .pluck:
            samples = TestSignal.pluck(frequency: frequency ?? 110, duration: seconds, sampleRate: rate, peak: peak)
        case .sine:
            samples = TestSignal.sine(frequency: frequency ?? 1000, duration: seconds, sampleRate: rate, peak: peak)
        case .sweep:
            let start = frequency ?? 20
            guard start > 0, end > start, end < rate / 2 else {
                printError("error: a sweep needs 0 < start < --to < half the sample rate")
                throw ExitCode(2)
            }
            samples = TestSignal.sweep(from: start, to: end, duration: seconds, sampleRate: rate, peak: peak)
        }
        do { try WAVFile(sampleRate: rate, channels: [samples], format: format).write(toFile: output) } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        print("wrote \(output): \(kind.rawValue), \(String(format: "%.2f", seconds)) s, \(Int(rate)) Hz, \(format.rawValue)")
    }
}
