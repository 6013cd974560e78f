/// A switch (S, W) whose control the signal moves, as the real-time processor holds it: a device
/// of two ports, the switch's own voltage (a, b) and its control (a node voltage difference, or the
/// branch current a W switch senses), with the state it kept at the last accepted sample.
///
///     i₀ = G(on)·v₀,   on = isOn(control: v₁, wasOn: the last iterate's state),   i₁ = 0
///
/// The state is decided from each Newton iterate's control as the reference simulator decides it
/// (`MNAEngine.switchOn`, after ngspice): a sample's first evaluation keeps the accepted state
/// inside the window (`beginStep()`), its later ones the last evaluation's (`decide(control:)`),
/// and the accepted sample's state is the next one's (`accept()`). Within a state the law is
/// linear, so Newton finds the sample in one step once the state holds.
public struct SwitchPort: Hashable, Sendable {
    /// The switch's thresholds and resistances.
    public let model: ControlledSwitch
    /// The state at the last accepted sample.
    public var isOn: Bool
    /// The state of the latest evaluation, which the next one keeps inside the window.
    public var iterateOn: Bool
    /// The state at the operating point, where the processor starts.
    public let restOn: Bool

    /// `model` in state `restOn` at the operating point.
    public init(_ model: ControlledSwitch, restOn: Bool) {
        self.model = model
        self.isOn = restOn
        self.iterateOn = restOn
        self.restOn = restOn
    }

    /// The state at control value `control`, from the latest evaluation's.
    @inlinable @inline(__always)
    public func state(control: Double) -> Bool { model.isOn(control: control, wasOn: iterateOn) }

    /// Decides the state for an evaluation at control value `control`.
    @inlinable @inline(__always)
    public mutating func decide(control: Double) { iterateOn = state(control: control) }

    /// Starts a sample's Newton iteration from the accepted state.
    @inlinable @inline(__always)
    public mutating func beginStep() { iterateOn = isOn }

    /// Takes the state of the accepted sample (its last evaluation's) as the state the next one starts from.
    @inlinable @inline(__always)
    public mutating func accept() { isOn = iterateOn }

    /// Returns to the operating point's state.
    @inlinable @inline(__always)
    public mutating func reset() { isOn = restOn; iterateOn = restOn }
}

extension SwitchPort: PortDevice {
    /// Two: the switch (a, b) and its control.
    @inlinable public var portCount: Int { 2 }

    /// i₀ = G·v₀ in the state of the latest evaluation (the processor decides it from the
    /// control v₁ first: `decide(control:)`); the control draws nothing.
    @inlinable @inline(__always)
    public func portCurrents(_ v: PortVector) -> PortCurrents {
        let g = model.conductance(on: iterateOn)
        var r = PortCurrents()
        r.current[0] = g * v[0]
        r.conductance[0, 0] = g
        return r
    }

    /// None.
    @inlinable public var hasCharge: Bool { false }

    /// None.
    @inlinable public func portCharges(_ v: PortVector) -> PortCharges { PortCharges() }

    /// Not limited: within a state the law is linear.
    @inlinable @inline(__always)
    public func limit(_ new: PortVector, old: PortVector) -> (PortVector, Bool) { (new, false) }
}
