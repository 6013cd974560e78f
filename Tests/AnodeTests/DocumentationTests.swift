import Foundation
import Testing

/// The Markdown documentation's links between its own pages: every relative link in README.md and
/// Docs/ names a file of the repository, and every `#anchor` a heading of the page it points at
/// (by GitHub's rule for heading anchors).
struct DocumentationTests {
    /// README.md and every page of Docs/.
    static let pages: [URL] = {
        let docs = Paths.root.appendingPathComponent("Docs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []
        return [Paths.root.appendingPathComponent("README.md")]
            + names.filter { $0.hasSuffix(".md") }.sorted().map { docs.appendingPathComponent($0) }
    }()

    /// The lines of `text` outside fenced code blocks, with their line numbers.
    static func prose(_ text: String) -> [(number: Int, line: Substring)] {
        var fenced = false
        var lines: [(Int, Substring)] = []
        for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("```") { fenced.toggle(); continue }
            if !fenced { lines.append((k + 1, line)) }
        }
        return lines
    }

    /// GitHub's anchor of a heading: lower case, inline code's backticks and every character but
    /// letters, digits, spaces, hyphens and underscores dropped, spaces made hyphens; a repeated
    /// anchor gets -1, -2, … .
    static func anchors(_ text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var result = Set<String>()
        for (_, line) in prose(text) where line.hasPrefix("#") {
            let title = line.drop { $0 == "#" }.trimmingCharacters(in: .whitespaces)
            let kept = title.lowercased().unicodeScalars.filter {
                CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "-" || $0 == "_"
            }
            let slug = String(String.UnicodeScalarView(kept)).replacingOccurrences(of: " ", with: "-")
            let count = seen[slug, default: 0]
            seen[slug] = count + 1
            result.insert(count == 0 ? slug : "\(slug)-\(count)")
        }
        return result
    }

    /// The inline links `[text](target)` of a line (targets without a title).
    static func links(_ line: Substring) -> [String] {
        var targets: [String] = []
        var rest = line[...]
        while let open = rest.range(of: "](") {
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: ")") else { break }
            targets.append(String(after[..<close]))
            rest = after[close...]
        }
        return targets
    }

    @Test func pagesExist() {
        #expect(Self.pages.count > 5)
        #expect(Self.pages.contains { $0.lastPathComponent == "Benchmarks.md" })
        #expect(Self.pages.contains { $0.lastPathComponent == "BenchmarkNotebook.md" })
    }

    @Test func anchorRule() {
        #expect(Self.anchors("## Diode — model name `D`\n### Stiff circuits: xmu and backward Euler\n## A\n## A")
                == ["diode--model-name-d", "stiff-circuits-xmu-and-backward-euler", "a", "a-1"])
        #expect(Self.links("see [one](A.md#x) and [two](https://example.org) (not a link)") == ["A.md#x", "https://example.org"])
    }

    @Test(arguments: pages.map(\.lastPathComponent))
    func relativeLinksResolve(_ name: String) throws {
        let page = Self.pages.first { $0.lastPathComponent == name }!
        let text = try String(contentsOf: page, encoding: .utf8)
        var checked = 0
        for (number, line) in Self.prose(text) {
            for target in Self.links(line) {
                if target.contains("://") || target.hasPrefix("mailto:") { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = String(parts[0]), anchor = parts.count > 1 ? String(parts[1]) : nil
                let file = path.isEmpty ? page : page.deletingLastPathComponent().appendingPathComponent(path)
                checked += 1
                guard FileManager.default.fileExists(atPath: file.path) else {
                    Issue.record("\(name):\(number): the link \(target) names no file (\(file.path))")
                    continue
                }
                if let anchor, file.pathExtension == "md" {
                    let headings = Self.anchors(try String(contentsOf: file, encoding: .utf8))
                    #expect(headings.contains(anchor), "\(name):\(number): \(file.lastPathComponent) has no heading for #\(anchor)")
                }
            }
        }
        // README and the pages all link to others; a page whose links were not found at all would
        // pass vacuously.
        #expect(checked > 0, "\(name): no relative links found")
    }
}
