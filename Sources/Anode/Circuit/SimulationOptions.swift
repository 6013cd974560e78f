/// Tolerances, limits and methods of the simulator, set with `.options` (SPICE names in brackets).
public struct SimulationOptions: Hashable, Sendable {
    /// How capacitor charges and inductor fluxes are integrated in time.
    public enum IntegrationMethod: String, Hashable, Sendable {
        /// The trapezoidal rule (second order; SPICE's default) [method=trap].
        case trapezoidal = "trap"
        /// Backward Euler (first order, strongly damped) [method=euler].
        case backwardEuler = "euler"
        /// Gear's second-order backward differentiation formula (BDF2) [method=gear], for the
        /// reference simulator: q′ ≈ ((1 + 2ω)·q − (1 + ω)²·q₁ + ω²·q₂)/((1 + ω)·h) over the last
        /// two steps h and h/ω, first order after every corner. The real-time engine refuses it.
        case gear = "gear"
    }

    /// [RELTOL] relative tolerance of voltages, currents and charges.
    public var relativeTolerance = 1e-3
    /// [ABSTOL] absolute current tolerance, A.
    public var currentTolerance = 1e-12
    /// [VNTOL] absolute voltage tolerance, V.
    public var voltageTolerance = 1e-6
    /// [CHGTOL] absolute charge tolerance, C.
    public var chargeTolerance = 1e-14
    /// [TRTOL] how much the local truncation error estimate may exceed the tolerances. SPICE's
    /// default is 7; Anode's is 1, which keeps transient waveforms within about 0.1 % of the
    /// converged solution on hard-switching circuits (`.options trtol=7` gives SPICE's step sizes).
    public var truncationErrorFactor = 1.0
    /// [TEMP] the circuit's temperature, °C (`.temp`); an element's `temp=` or `dtemp=` overrides
    /// or offsets it. Semiconductor models and resistors, capacitors and inductors with temperature
    /// coefficients follow it (see `DeviceTemperature`); tube models do not.
    public var temperature = Junction.nominalTemperature
    /// [TNOM] the temperature model cards hold at, °C, unless a card sets its own TNOM.
    public var nominalTemperature = Junction.nominalTemperature
    /// [GMIN] conductance across every junction, S.
    public var gmin = 1e-12
    /// [ITL1] Newton iterations allowed for a DC operating point.
    public var dcIterationLimit = 100
    /// [ITL2] Newton iterations allowed per point of a DC sweep.
    public var sweepIterationLimit = 50
    /// [ITL4] Newton iterations allowed per transient time point.
    public var transientIterationLimit = 10
    /// [METHOD] the integration method.
    public var method = IntegrationMethod.trapezoidal
    /// [MAXORD] the highest order of the integration: 2 (the trapezoidal rule, Gear's second
    /// order) or 1 (backward Euler throughout, whatever the method), as in ngspice; Gear's orders
    /// above 2 are not modeled (a warning, and 2).
    public var maxOrder = 2
    /// [XMU] damping of the trapezoidal rule, 0 to 0.5, as ngspice has it: a charge's current after
    /// a step h is i = (q − q_prev)/(h·(1 − xmu)) − i_prev·xmu/(1 − xmu). 0.5, the default, is the
    /// plain trapezoidal rule, under which a stiff mode (a junction capacitance at a high-impedance
    /// node, a saturated transistor's stored charge, anything far faster than the step) alternates
    /// from step to step without decaying; below 0.5 such a mode decays by xmu/(1 − xmu) per step,
    /// at the price of damping the signal too (first order instead of second); 0 is backward Euler.
    public var xmu = 0.5

    /// The companion coefficients of a step of `h` seconds under `method` and `xmu`: a charge's
    /// current (an inductor's voltage) after the step is i = a0·(q − q_prev) − history·i_prev.
    /// The trapezoidal rule: (2/h, 1); backward Euler: (1/h, 0); Gear's first step too (its second
    /// order needs two steps of history, see `TransientIntegrator`).
    public func companion(step h: Double) -> (a0: Double, history: Double) {
        if method == .backwardEuler || method == .gear || maxOrder < 2 { return (1 / h, 0) }
        return (1 / (h * (1 - xmu)), xmu / (1 - xmu))
    }
    /// [FIXEDSTEP] take every transient step at the largest step size (TMAX, or TSTEP) instead of
    /// adapting the step to the local truncation error. Newton then has up to
    /// `fixedStepIterationLimit` iterations (or ITL4, if more) before a step is cut: the budget the
    /// real-time processor has, so that a fixed-step run solves the steps the processor solves.
    public var fixedStep = false
    /// Newton iterations per time point in fixed-step mode before the step is cut (the real-time
    /// processor's default `maxIterations`).
    public static let fixedStepIterationLimit = 50
    /// The most time steps (accepted and rejected) a transient may take; nil for max(10⁶, 1000 per
    /// output point). A circuit with a time constant far below TSTEP (a resistance of femtohms, a
    /// typo away from kilohms) can make the truncation error ask for picosecond steps for ever;
    /// beyond this the transient stops with an error instead (ngspice stops with "timestep too small").
    public var transientStepLimit: Int? = nil
    /// [DEFL, DEFW, DEFAD, DEFAS] the geometry of a MOSFET whose element gives none (L, W, AD, AS).
    public var defaultMOSFETGeometry = MOSFET.Geometry()
    /// [RSHUNT] ngspice's resistance from every node to ground, as a conductance (0: none): a
    /// node that nothing else joins to ground at DC (behind a capacitor) then has a path, in
    /// every analysis and both engines.
    public var shuntConductance = 0.0
    /// [SCALE] ngspice's unit of a MOSFET's written geometry: L, W, PD and PS are multiplied by it
    /// and AD, AS by its square (DEFL, DEFW, DEFAD and DEFAS are in metres, unscaled).
    public var geometryScale = 1.0
    /// [MAXSTEP] LTspice's cap on a transient's internal step, s, beside `.tran`'s TMAX (the
    /// smaller of the two holds); nil for none.
    public var maxStep: Double? = nil

    /// SPICE's defaults.
    public init() {}
}
