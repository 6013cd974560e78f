import Foundation

/// A chart of one or more data series against two axes, rendered as SVG by `Figure`.
///
///     var plot = Plot(title: "12AX7 stage", x: Axis("Frequency", unit: "Hz", scale: .logarithmic),
///                     y: Axis("Gain", unit: "dB"))
///     plot.series.append(Series("v(out)", x: frequencies, y: gains))
///     try Figure([plot]).svg().write(toFile: "response.svg", atomically: true, encoding: .utf8)
public struct Plot: Sendable {
    /// The title above the chart.
    public var title: String
    /// The horizontal axis.
    public var x: Axis
    /// The vertical axis.
    public var y: Axis
    /// The data, drawn in order.
    public var series: [Series] = []

    /// An empty chart with the given title and axes.
    public init(title: String, x: Axis, y: Axis) {
        self.title = title
        self.x = x
        self.y = y
    }
}

/// An axis: its label and unit, linear or logarithmic, and optionally a fixed range.
public struct Axis: Sendable {
    /// Linear or logarithmic.
    public enum Scale: Sendable { case linear, logarithmic }

    /// What the axis shows ("Time", "Gain").
    public var label: String
    /// The unit, shown in brackets after the label ("ms", "dB"); empty for none.
    public var unit: String
    /// The scale.
    public var scale: Scale
    /// A fixed range; nil to fit the data.
    public var range: ClosedRange<Double>?
    /// The spacing of labelled ticks on a linear axis; nil to choose one.
    public var step: Double?

    /// An axis labelled `label` in `unit`.
    public init(_ label: String, unit: String = "", scale: Scale = .linear, range: ClosedRange<Double>? = nil, step: Double? = nil) {
        self.label = label
        self.unit = unit
        self.scale = scale
        self.range = range
        self.step = step
    }

    /// The label with its unit: "Gain (dB)".
    public var title: String { unit.isEmpty ? label : "\(label) (\(unit))" }
}

/// One data series: a name for the legend, its points and how it is drawn.
public struct Series: Sendable {
    /// How a series is drawn.
    public enum Style: Sendable {
        /// A polyline through the points.
        case line
        /// A vertical bar from the axis' bottom to each point.
        case bars
        /// A dot at each point, joined by a thin line.
        case markers
        /// A cross at each point, nothing between (a pole-zero map's poles).
        case crosses
        /// A ring at each point, nothing between (a pole-zero map's zeros).
        case rings
    }

    /// The name in the legend.
    public var name: String
    /// The points' coordinates.
    public var x: [Double], y: [Double]
    /// How it is drawn.
    public var style: Style

    /// A series called `name` through the points (x[k], y[k]).
    public init(_ name: String, x: [Double], y: [Double], style: Style = .line) {
        self.name = name
        self.x = x
        self.y = y
        self.style = style
    }
}
