import Foundation

/// One or more plots stacked vertically, as an SVG document: axes with ticks, grid and units,
/// titles and a legend for each.
public struct Figure: Sendable {
    /// The panels, top to bottom.
    public var plots: [Plot]
    /// Width of the figure and height of each panel, in pixels.
    public var width: Double = 760, panelHeight: Double = 360

    /// A figure of `plots`, stacked.
    public init(_ plots: [Plot]) {
        self.plots = plots
    }

    /// Series colours, in order.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"]
    static let margin = (left: 84.0, right: 28.0, top: 46.0, bottom: 58.0)

    /// The SVG document.
    public func svg() -> String {
        let height = panelHeight * Double(max(plots.count, 1))
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>

            """
        for (k, plot) in plots.enumerated() {
            out += panel(plot, index: k, top: Double(k) * panelHeight)
        }
        out += "</svg>\n"
        return out
    }

    /// One panel's SVG.
    func panel(_ plot: Plot, index: Int, top: Double) -> String {
        let m = Figure.margin
        let left = m.left, right = width - m.right
        let plotTop = top + m.top, bottom = top + panelHeight - m.bottom
        let xs = Figure.range(plot.series.flatMap(\.x), axis: plot.x, padded: false)
        let ys = Figure.range(plot.series.flatMap(\.y), axis: plot.y)
        func px(_ x: Double) -> Double { left + (right - left) * Figure.fraction(x, in: xs, scale: plot.x.scale) }
        func py(_ y: Double) -> Double { bottom - (bottom - plotTop) * Figure.fraction(y, in: ys, scale: plot.y.scale) }
        var s = "<g id=\"panel\(index + 1)\">\n"
        s += "<text x=\"\(f(width / 2))\" y=\"\(f(top + 28))\" font-size=\"16\" font-weight=\"bold\" text-anchor=\"middle\">\(Figure.escape(plot.title))</text>\n"
        // Grid and ticks.
        let xTicks = Figure.ticks(xs, axis: plot.x), yTicks = Figure.ticks(ys, axis: plot.y)
        for t in xTicks {
            let x = px(t.value)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(plotTop))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"\(t.major ? "#d8d8d8" : "#eeeeee")\" stroke-width=\"1\"/>\n"
            if let label = t.label {
                s += "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" font-size=\"12\" text-anchor=\"middle\">\(label)</text>\n"
            }
        }
        for t in yTicks {
            let y = py(t.value)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(right))\" y2=\"\(f(y))\" stroke=\"\(t.major ? "#d8d8d8" : "#eeeeee")\" stroke-width=\"1\"/>\n"
            if let label = t.label {
                s += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" font-size=\"12\" text-anchor=\"end\">\(label)</text>\n"
            }
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(plotTop))\" width=\"\(f(right - left))\" height=\"\(f(bottom - plotTop))\" fill=\"none\" stroke=\"#333\" stroke-width=\"1\"/>\n"
        s += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 42))\" font-size=\"13\" text-anchor=\"middle\">\(Figure.escape(plot.x.title))</text>\n"
        let yMid = (plotTop + bottom) / 2
        s += "<text x=\"\(f(22))\" y=\"\(f(yMid))\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 22 \(f(yMid)))\">\(Figure.escape(plot.y.title))</text>\n"
        // Data, clipped to the plot area.
        s += "<clipPath id=\"clip\(index + 1)\"><rect x=\"\(f(left))\" y=\"\(f(plotTop))\" width=\"\(f(right - left))\" height=\"\(f(bottom - plotTop))\"/></clipPath>\n"
        s += "<g clip-path=\"url(#clip\(index + 1))\">\n"
        for (k, series) in plot.series.enumerated() {
            let color = Figure.palette[k % Figure.palette.count]
            let points = zip(series.x, series.y).filter { p in
                p.0.isFinite && p.1.isFinite && (plot.x.scale == .linear || p.0 > 0) && (plot.y.scale == .linear || p.1 > 0)
            }
            switch series.style {
            case .line, .markers:
                let path = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
                s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(series.style == .line ? 1.8 : 1)\" stroke-linejoin=\"round\" points=\"\(path)\"/>\n"
                if series.style == .markers {
                    for p in points { s += "<circle cx=\"\(f(px(p.0)))\" cy=\"\(f(py(p.1)))\" r=\"3.2\" fill=\"\(color)\"/>\n" }
                }
            case .crosses:
                for p in points {
                    let (x, y) = (px(p.0), py(p.1))
                    s += "<path class=\"cross\" d=\"M\(f(x - 5)),\(f(y - 5)) L\(f(x + 5)),\(f(y + 5)) M\(f(x - 5)),\(f(y + 5)) L\(f(x + 5)),\(f(y - 5))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                }
            case .rings:
                for p in points {
                    s += "<circle class=\"ring\" cx=\"\(f(px(p.0)))\" cy=\"\(f(py(p.1)))\" r=\"5\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                }
            case .bars:
                let pixels = points.map { px($0.0) }.sorted()
                let gaps = zip(pixels.dropFirst(), pixels).map { $0 - $1 }.filter { $0 > 0 }
                let barWidth = min(max((gaps.min() ?? 40) * 0.6, 2), 40)
                let base = bottom  // bars rise from the bottom of the axis
                for p in points {
                    let y = py(p.1)
                    s += "<rect class=\"series\" x=\"\(f(px(p.0) - barWidth / 2))\" y=\"\(f(min(y, base)))\" width=\"\(f(barWidth))\" height=\"\(f(abs(base - y)))\" fill=\"\(color)\"/>\n"
                }
            }
        }
        s += "</g>\n"
        // Legend, top right inside the plot.
        if plot.series.count > 1 || !(plot.series.first?.name.isEmpty ?? true) {
            let entries = plot.series.filter { !$0.name.isEmpty }
            let boxWidth = 28 + 7.2 * Double(entries.map(\.name.count).max() ?? 0) + 12
            let boxLeft = right - boxWidth - 10
            s += "<rect x=\"\(f(boxLeft))\" y=\"\(f(plotTop + 10))\" width=\"\(f(boxWidth))\" height=\"\(f(Double(entries.count) * 18 + 8))\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#999\"/>\n"
            for (k, series) in plot.series.enumerated() where !series.name.isEmpty {
                let row = Double(entries.firstIndex { $0.name == series.name } ?? k)
                let y = plotTop + 10 + 4 + 18 * row + 9
                let color = Figure.palette[k % Figure.palette.count]
                switch series.style {
                case .crosses:
                    s += "<path d=\"M\(f(boxLeft + 12)),\(f(y - 5)) L\(f(boxLeft + 22)),\(f(y + 5)) M\(f(boxLeft + 12)),\(f(y + 5)) L\(f(boxLeft + 22)),\(f(y - 5))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                case .rings:
                    s += "<circle cx=\"\(f(boxLeft + 17))\" cy=\"\(f(y))\" r=\"5\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                default:
                    s += "<line x1=\"\(f(boxLeft + 8))\" y1=\"\(f(y))\" x2=\"\(f(boxLeft + 26))\" y2=\"\(f(y))\" stroke=\"\(color)\" stroke-width=\"\(series.style == .bars ? 8 : 2.5)\"/>\n"
                }
                s += "<text class=\"legend\" x=\"\(f(boxLeft + 32))\" y=\"\(f(y + 4))\" font-size=\"12\">\(Figure.escape(series.name))</text>\n"
            }
        }
        s += "</g>\n"
        return s
    }

    /// Two decimals are plenty for pixel coordinates.
    func f(_ x: Double) -> String { String(format: "%.2f", x) }

    /// The axis' fixed range, or one that fits the values: whole decades on a logarithmic axis; on a
    /// linear one, rounded out to its tick spacing (`padded`, for values) or exactly the data's
    /// extent (for a horizontal axis of time or frequency).
    static func range(_ values: [Double], axis: Axis, padded: Bool = true) -> ClosedRange<Double> {
        if let r = axis.range { return r }
        let finite = values.filter { $0.isFinite && (axis.scale == .linear || $0 > 0) }
        guard var low = finite.min(), var high = finite.max() else { return axis.scale == .linear ? 0...1 : 1...10 }
        if axis.scale == .logarithmic {
            low = pow(10, (log10(low) + 1e-9).rounded(.down))
            high = pow(10, (log10(high) - 1e-9).rounded(.up))
            if high <= low { high = low * 10 }
            return low...high
        }
        if high - low <= 1e-12 * max(abs(high), 1e-300) {
            let pad = abs(high) > 0 ? abs(high) * 0.1 : 1
            return (low - pad)...(high + pad)
        }
        if !padded { return low...high }
        let step = niceStep((high - low) / 5)
        let pad = (high - low) * 0.04
        return ((low - pad) / step).rounded(.down) * step...((high + pad) / step).rounded(.up) * step
    }

    /// Where `x` lies in `range`, from 0 to 1.
    static func fraction(_ x: Double, in range: ClosedRange<Double>, scale: Axis.Scale) -> Double {
        switch scale {
        case .linear: return (x - range.lowerBound) / (range.upperBound - range.lowerBound)
        case .logarithmic: return log(x / range.lowerBound) / log(range.upperBound / range.lowerBound)
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, log10(raw).rounded(.down))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }

    /// Tick positions with labels (major) or without (minor grid).
    static func ticks(_ range: ClosedRange<Double>, axis: Axis) -> [(value: Double, label: String?, major: Bool)] {
        switch axis.scale {
        case .linear:
            let step = axis.step ?? niceStep((range.upperBound - range.lowerBound) / 6)
            var result: [(Double, String?, Bool)] = []
            var k = (range.lowerBound / step).rounded(.up)
            while k * step <= range.upperBound + 1e-9 * step {
                let v = abs(k * step) < 1e-12 * step ? 0 : k * step
                result.append((v, label(v, step: step), true))
                k += 1
            }
            return result
        case .logarithmic:
            var result: [(Double, String?, Bool)] = []
            let first = Int(log10(range.lowerBound).rounded(.down)), last = Int(log10(range.upperBound).rounded(.up))
            let decades = last - first
            for e in first...last {
                for m in 1...9 {
                    let v = Double(m) * pow(10, Double(e))
                    guard v >= range.lowerBound * (1 - 1e-9), v <= range.upperBound * (1 + 1e-9) else { continue }
                    let labelled = m == 1 || (decades <= 2 && (m == 2 || m == 5))
                    result.append((v, labelled ? label(v, step: v / 10) : nil, m == 1))
                }
            }
            return result
        }
    }

    /// A tick label: SI prefixes for thousands and up (1k, 2.5M), plain decimals otherwise.
    static func label(_ v: Double, step: Double) -> String {
        let a = abs(v)
        for (scale, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where a >= scale {
            return trim(String(format: "%.3g", v / scale)) + suffix
        }
        if a == 0 { return "0" }
        if a < 1e-3 { return String(format: "%.0e", v) }
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return trim(String(format: "%.\(min(decimals, 6))f", v))
    }

    /// "2.50" → "2.5", "3.0" → "3".
    static func trim(_ s: String) -> String {
        guard s.contains("."), !s.contains("e") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }

    /// Text safe for SVG.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
