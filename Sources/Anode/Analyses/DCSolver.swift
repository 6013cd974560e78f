/// How a DC solution was found.
public enum ConvergenceMethod: String, Hashable, Sendable {
    /// Plain Newton–Raphson from the initial guess.
    case newton
    /// Newton with a conductance from every node to ground, reduced step by step to zero.
    case gminStepping = "gmin stepping"
    /// Newton with every independent source ramped up from zero.
    case sourceStepping = "source stepping"
}

extension MNAEngine {
    /// Solves for a DC solution in context `ctx`: plain Newton from `guess` (or from zero with the
    /// junctions at their critical voltages) with at most `iterationLimit` iterations, then gmin
    /// stepping, then source stepping, each step allowed ITL2 iterations as in SPICE; the solution
    /// found is then polished to rounding (`polish`).
    func solveDC(_ ctx: Context, guess: [Double]?, nodesets: [Int: Double] = [:], iterationLimit: Int) throws(SimulationError) -> (x: [Double], iterations: Int, method: ConvergenceMethod) {
        if let loop = network.inductorLoop { throw SimulationError(loop) }
        var solution = try findDC(ctx, guess: guess, nodesets: nodesets, iterationLimit: iterationLimit)
        polish(&solution.x, ctx)
        return solution
    }

    /// `solveDC` without the polish: a solution within SPICE's tolerances.
    private func findDC(_ ctx: Context, guess: [Double]?, nodesets: [Int: Double], iterationLimit: Int) throws(SimulationError) -> (x: [Double], iterations: Int, method: ConvergenceMethod) {
        let stepLimit = options.sweepIterationLimit
        var start = guess ?? [Double](repeating: 0, count: size)
        for (node, value) in nodesets where node > 0 { start[node - 1] = value }
        var context = ctx
        context.initializeJunctions = guess == nil
        let savedPorts = portVoltages

        var x = start
        resetResidual()
        if let iterations = try newton(&x, context, limit: iterationLimit) {
            return (x, iterations, .newton)
        }
        var total = iterationLimit

        // gmin stepping: a shunt conductance on every node keeps the Jacobian well conditioned; it
        // is reduced until it is gone, each solution starting the next. A failed step backs off to a
        // smaller reduction.
        portVoltages = savedPorts
        context.initializeJunctions = guess == nil
        var shunt = 1e-3
        var factor = 10.0
        var good: (x: [Double], ports: [PortVector], shunt: Double)? = nil
        for _ in 0..<400 {
            var trial = good?.x ?? start
            var c = context
            c.shunt = shunt
            if let n = try newton(&trial, c, limit: stepLimit) {
                total += n
                if shunt == 0 { return (trial, total, .gminStepping) }
                good = (trial, portVoltages, shunt)
                context.initializeJunctions = false
                shunt = shunt / factor < options.gmin ? 0 : shunt / factor
            } else {
                total += stepLimit
                if let g = good {
                    portVoltages = g.ports
                    factor = factor.squareRoot()
                    if factor < 1.001 { break }
                    shunt = g.shunt / factor
                } else {
                    shunt *= 10
                    if shunt > 1 { break }
                    portVoltages = savedPorts
                }
            }
        }

        // Source stepping: ramp all sources from 0 to their values.
        portVoltages = savedPorts
        context.initializeJunctions = true
        var scale = 0.0
        var increment = 0.1
        x = [Double](repeating: 0, count: size)
        var accepted = false
        for _ in 0..<1000 {
            var trial = x
            var c = context
            c.sourceScale = scale
            let before = portVoltages
            if let n = try newton(&trial, c, limit: stepLimit) {
                total += n
                x = trial
                accepted = true
                context.initializeJunctions = false
                if scale >= 1 { return (x, total, .sourceStepping) }
                increment = min(increment * 1.5, 0.25)
                scale = min(scale + increment, 1)
            } else {
                total += stepLimit
                portVoltages = before
                if !accepted { break }
                scale -= increment
                increment /= 4
                if increment < 1e-7 { break }
                scale += increment
            }
        }
        throw SimulationError("no DC solution: Newton, gmin stepping and source stepping all failed to converge; the largest current imbalance is at \(residualDescription)")
    }
}

