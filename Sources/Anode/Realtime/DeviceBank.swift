/// One device of a processor with its per-sample memory.
@usableFromInline
struct DeviceSlot<Device: PortDevice> {
    /// The device model.
    @usableFromInline var device: Device
    /// Index of its first port in the port vectors.
    @usableFromInline var offset: Int
    /// Number of ports.
    @usableFromInline var ports: Int
    /// Whether it stores charge.
    @usableFromInline var hasCharge: Bool
    /// Its linearization G₀ at the operating point.
    @usableFromInline var linearization: PortMatrix
    /// Charge and charge current at the last accepted sample (the integration's history); the
    /// current is held times the history weight w (`Processor.historyWeight`: 1, the current
    /// itself, under the trapezoidal rule), the part of it the next step's current subtracts.
    @usableFromInline var charge: PortVector
    @usableFromInline var chargeCurrent: PortVector
    /// Charge at the latest evaluation (accepted at the end of the sample).
    @usableFromInline var pendingCharge: PortVector
    /// Where its ports×ports block of ∂ĩ/∂v goes in the processor's block buffer, and the distance
    /// between the block's rows there (the port count for a packed block; the system's port count
    /// when the blocks are laid out on the diagonal of one dense matrix).
    @usableFromInline var blockOffset: Int
    @usableFromInline var blockStride: Int
    /// Charge at the operating point, and its current there times the history weight (0 but at
    /// held nodes, see `StateSpaceModel.initialChargeCurrents`).
    @usableFromInline var restCharge: PortVector
    @usableFromInline var restChargeCurrent: PortVector
}

extension DeviceSlot {
    /// ∂iᵣ/∂v_c at the device's latest evaluation, from that evaluation's ∂ĩ/∂v in `blocks` and
    /// ∂q/∂v in `chargeBlocks`: ∂ĩ/∂v + G₀ − a0·∂q/∂v.
    @inlinable @inline(__always)
    func conductance(_ r: Int, _ c: Int, blocks: UnsafePointer<Double>, chargeBlocks: UnsafePointer<Double>, a0: Double) -> Double {
        let at = blockOffset &+ r &* blockStride &+ c
        let g = blocks[at] + linearization[r, c]
        return hasCharge ? g - a0 * chargeBlocks[at] : g
    }

    /// Leaves `g` as ∂iᵣ/∂v_c of the latest evaluation for `conductance(_:_:blocks:chargeBlocks:a0:)`:
    /// ∂ĩ/∂v = g − G₀ and ∂q/∂v = 0 (what the register kernel hands on; see `Processor.blocks`).
    @inlinable @inline(__always)
    func setConductance(_ r: Int, _ c: Int, _ g: Double, blocks: UnsafeMutablePointer<Double>, chargeBlocks: UnsafeMutablePointer<Double>) {
        let at = blockOffset &+ r &* blockStride &+ c
        blocks[at] = g - linearization[r, c]
        if hasCharge { chargeBlocks[at] = 0 }
    }
}

/// The devices of a processor, kept in one preallocated array per device type so that evaluating
/// them is a loop of direct, specialized calls.
@usableFromInline
struct DeviceArray<Device: PortDevice> {
    @usableFromInline let slots: UnsafeMutablePointer<DeviceSlot<Device>>
    @usableFromInline let count: Int
    /// Each device's second derivatives of its port currents at its latest evaluation, for device
    /// types that report them (`PortDevice.reportsSecondDerivatives`; kept apart from the slots,
    /// which the other types' loops walk).
    @usableFromInline let secondDerivatives: UnsafeMutablePointer<PortMatrix>
    /// Whether evaluations keep them: for systems of one or two ports, the only ones that use them.
    @usableFromInline let recordsSecondDerivatives: Bool
    /// Each device's charge current saved by `saveChargeCurrents` (for sub-steps).
    @usableFromInline let savedChargeCurrents: UnsafeMutablePointer<PortVector>

    init(_ list: [DeviceSlot<Device>], recordingSecondDerivatives: Bool) {
        count = list.count
        recordsSecondDerivatives = Device.reportsSecondDerivatives && recordingSecondDerivatives
            && list.allSatisfy { !$0.hasCharge && $0.ports <= 2 }
        slots = .allocate(capacity: max(list.count, 1))
        slots.initialize(from: list, count: list.count)
        let second = Device.reportsSecondDerivatives ? max(list.count, 1) : 1
        secondDerivatives = .allocate(capacity: second)
        secondDerivatives.initialize(repeating: PortMatrix(), count: second)
        savedChargeCurrents = .allocate(capacity: max(list.count, 1))
        savedChargeCurrents.initialize(repeating: PortVector(), count: max(list.count, 1))
    }

    func deallocate() {
        slots.deinitialize(count: count)
        slots.deallocate()
        secondDerivatives.deallocate()
        savedChargeCurrents.deallocate()
    }

    /// Evaluates every device at port voltages `v`: writes ĩ = i(v) + a0·q(v) − (a0·q_prev + w·i_q,prev) − G₀·v
    /// into `current` and ∂ĩ/∂v into `blocks` (row-major, one ports×ports block per device, rows
    /// `blockStride` apart), and keeps q(v) in the slots.
    @inlinable @inline(never)
    func evaluate(_ v: UnsafePointer<Double>, into current: UnsafeMutablePointer<Double>, blocks: UnsafeMutablePointer<Double>,
                  chargeBlocks: UnsafeMutablePointer<Double>, a0: Double) {
        for s in 0..<count {
            let slot = slots + s
            // The port count as a compile-time constant (one case survives for most device types),
            // so that every SIMD lane index below is a constant: a lane chosen at run time goes
            // through memory.
            switch slot.pointee.device.portCount {
            case 1: evaluate(slot, OnePort.self, v, current, blocks, chargeBlocks, a0)
            case 2: evaluate(slot, TwoPorts.self, v, current, blocks, chargeBlocks, a0)
            case 3: evaluate(slot, ThreePorts.self, v, current, blocks, chargeBlocks, a0)
            default: evaluate(slot, FourPorts.self, v, current, blocks, chargeBlocks, a0)
            }
        }
    }

    /// `evaluate` for one device of `Ports.ports` ports.
    @inlinable @inline(__always)
    func evaluate<Ports: KernelShape>(_ slot: UnsafeMutablePointer<DeviceSlot<Device>>, _: Ports.Type, _ v: UnsafePointer<Double>,
                                       _ current: UnsafeMutablePointer<Double>, _ blocks: UnsafeMutablePointer<Double>,
                                       _ chargeBlocks: UnsafeMutablePointer<Double>, _ a0: Double) {
        let o = slot.pointee.offset, m = Ports.ports
        var pv = PortVector()
        for k in 0..<m { pv[k] = v[o &+ k] }
        let hasCharge = slot.pointee.hasCharge
        let e = Device.reportsSecondDerivatives && recordsSecondDerivatives ? evaluateRecording(slot, pv, hasCharge)
            : slot.pointee.device.evaluate(pv, withCharges: hasCharge)
        let b = blocks + slot.pointee.blockOffset
        let cb = chargeBlocks + slot.pointee.blockOffset
        let stride = slot.pointee.blockStride
        for r in 0..<m {
            var i = e.currents.current[r]
            if hasCharge {
                i += a0 * (e.charges.charge[r] - slot.pointee.charge[r]) - slot.pointee.chargeCurrent[r]
            }
            for c in 0..<m {
                let g0 = slot.pointee.linearization[r, c]
                i -= g0 * pv[c]
                var g = e.currents.conductance[r, c] - g0
                if hasCharge {
                    let cap = e.charges.capacitance[r, c]
                    g += a0 * cap
                    cb[r &* stride &+ c] = cap
                }
                b[r &* stride &+ c] = g
            }
            current[o &+ r] = i
        }
        if hasCharge { slot.pointee.pendingCharge = e.charges.charge }
    }

    /// The device's evaluation, its second derivatives kept in `secondDerivatives`.
    @inlinable @inline(__always)
    func evaluateRecording(_ slot: UnsafeMutablePointer<DeviceSlot<Device>>, _ v: PortVector, _ withCharges: Bool) -> PortEvaluation {
        let (e, h) = slot.pointee.device.evaluateWithSecondDerivatives(v, withCharges: withCharges)
        secondDerivatives[slot - slots] = h
        return e
    }

    /// The second-order remainder r = ½·δᵀ·H·δ of each device's port currents for the step `step`
    /// into `r`, NaN for the ports of devices that report no second derivatives.
    @usableFromInline
    func secondOrder(_ step: UnsafePointer<Double>, into r: UnsafeMutablePointer<Double>) {
        for s in 0..<count {
            let o = slots[s].offset, ports = slots[s].ports
            guard Device.reportsSecondDerivatives && recordsSecondDerivatives else {
                for k in 0..<ports { r[o &+ k] = .nan }
                continue
            }
            let h = secondDerivatives[s]
            let d0 = step[o], d1 = ports == 2 ? step[o &+ 1] : 0
            for k in 0..<ports { r[o &+ k] = secondOrderRemainder(h, port: k, d0, d1) }
        }
    }

    /// Moves the last evaluation to port voltages v + Δ to first order: ĩ += (∂ĩ/∂v)·Δ and
    /// q += (∂q/∂v)·Δ (used when a Newton step is small enough that its square is negligible).
    @inlinable @inline(never)
    func correct(_ delta: UnsafePointer<Double>, current: UnsafeMutablePointer<Double>, blocks: UnsafePointer<Double>,
                 chargeBlocks: UnsafePointer<Double>) {
        for s in 0..<count {
            let slot = slots + s
            let o = slot.pointee.offset, m = slot.pointee.device.portCount
            let b = blocks + slot.pointee.blockOffset
            let cb = chargeBlocks + slot.pointee.blockOffset
            let hasCharge = slot.pointee.hasCharge
            let stride = slot.pointee.blockStride
            for r in 0..<m {
                var di = 0.0, dq = 0.0
                for c in 0..<m {
                    di += b[r &* stride &+ c] * delta[o &+ c]
                    if hasCharge { dq += cb[r &* stride &+ c] * delta[o &+ c] }
                }
                current[o &+ r] += di
                if hasCharge { slot.pointee.pendingCharge[r] += dq }
            }
        }
    }

    /// Returns every device to its operating point.
    func reset() {
        for s in 0..<count {
            slots[s].charge = slots[s].restCharge
            slots[s].pendingCharge = slots[s].restCharge
            slots[s].chargeCurrent = slots[s].restChargeCurrent
        }
    }

    /// Accepts the sample: the charge history moves on (i_q = a0·(q − q_prev) − w·i_q,prev with the
    /// history weight w, see `chargeHistoryStep`), and the change of each port's history
    /// h = a0·q + w·i_q goes to `historyChange`.
    @inlinable @inline(never)
    func accept(a0: Double, historyWeight: Double, historyChange: UnsafeMutablePointer<Double>) {
        for s in 0..<count where slots[s].hasCharge {
            let slot = slots + s
            let q = slot.pointee.pendingCharge
            let (current, change) = chargeHistoryStep(charge: q, previous: slot.pointee.charge,
                                                      current: slot.pointee.chargeCurrent, a0: a0, weight: historyWeight)
            for r in 0..<slot.pointee.ports { historyChange[slot.pointee.offset &+ r] = change[r] }
            slot.pointee.chargeCurrent = current
            slot.pointee.charge = q
        }
    }

    /// Takes over the charges and charge currents of `other`, the same devices in another model;
    /// with `smoothing`, each charge current as the mean of `other`'s last two (see
    /// `saveChargeCurrents`).
    func copyCharges(from other: DeviceArray<Device>, smoothing: Bool) {
        for s in 0..<count {
            slots[s].charge = other.slots[s].charge
            slots[s].chargeCurrent = smoothing ? 0.5 * (other.slots[s].chargeCurrent + other.savedChargeCurrents[s])
                : other.slots[s].chargeCurrent
            slots[s].pendingCharge = other.slots[s].pendingCharge
        }
    }

    /// Keeps each device's present charge current for `copyCharges(from:smoothing:)`.
    func saveChargeCurrents() {
        for s in 0..<count { savedChargeCurrents[s] = slots[s].chargeCurrent }
    }

    /// Rejects the sample: the charges evaluated during it are dropped (the history stays).
    @inlinable @inline(never)
    func reject() {
        for s in 0..<count where slots[s].hasCharge { slots[s].pendingCharge = slots[s].charge }
    }

    /// Limits the Newton step of each device from `old` to `new` (in place in `new`).
    @inlinable @inline(never)
    func limit(_ new: UnsafeMutablePointer<Double>, old: UnsafePointer<Double>) -> Bool {
        var any = false
        for s in 0..<count {
            let slot = slots + s
            let changed = switch slot.pointee.device.portCount {
            case 1: limit(slot, OnePort.self, new, old)
            case 2: limit(slot, TwoPorts.self, new, old)
            case 3: limit(slot, ThreePorts.self, new, old)
            default: limit(slot, FourPorts.self, new, old)
            }
            any = any || changed
        }
        return any
    }

    /// `limit` for one device of `Ports.ports` ports.
    @inlinable @inline(__always)
    func limit<Ports: KernelShape>(_ slot: UnsafeMutablePointer<DeviceSlot<Device>>, _: Ports.Type,
                                    _ new: UnsafeMutablePointer<Double>, _ old: UnsafePointer<Double>) -> Bool {
        let o = slot.pointee.offset, m = Ports.ports
        var a = PortVector(), b = PortVector()
        for k in 0..<m { a[k] = new[o &+ k]; b[k] = old[o &+ k] }
        let (limited, changed) = slot.pointee.device.limit(a, old: b)
        if changed {
            for k in 0..<m { new[o &+ k] = limited[k] }
        }
        return changed
    }
}

extension DeviceArray {
    /// Whether the devices give the prediction a second-order term: second derivatives they
    /// record, or junction curvatures it takes (`PortDevice.hasJunctionCurvatures`).
    var givesSecondOrderTerm: Bool {
        count > 0 && ((Device.reportsSecondDerivatives && recordsSecondDerivatives) || Device.hasJunctionCurvatures)
    }

    /// The second-order part of each device's port currents for a move `delta` of its port
    /// voltages into `r`: ½·Δᵀ·H·Δ from the second derivatives it recorded (`secondOrder`), or by
    /// its junctions' curvatures κ (`PortDevice.junctionCurvatures`) rⱼ = ½·Σₖ Gⱼₖ·κₖ·Δₖ², with G the
    /// conductances ∂i/∂v of the latest evaluation (`DeviceSlot.conductance`). Ports of devices
    /// that give neither are left as they are.
    @inlinable @inline(never)
    func predictionSecondOrder(_ delta: UnsafePointer<Double>, blocks: UnsafePointer<Double>, chargeBlocks: UnsafePointer<Double>,
                               a0: Double, into r: UnsafeMutablePointer<Double>) {
        if Device.reportsSecondDerivatives && recordsSecondDerivatives { return secondOrder(delta, into: r) }
        guard Device.hasJunctionCurvatures else { return }
        for s in 0..<count {
            let slot = slots + s
            let o = slot.pointee.offset, m = slot.pointee.ports
            let kappa = slot.pointee.device.junctionCurvatures
            var w = PortVector()
            for k in 0..<m { w[k] = 0.5 * kappa[k] * delta[o &+ k] * delta[o &+ k] }
            for j in 0..<m {
                var sum = 0.0
                for k in 0..<m { sum += slot.pointee.conductance(j, k, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) * w[k] }
                r[o &+ j] = sum
            }
        }
    }

    /// Each device's ports' curvature scales at port voltages `v` into `scale`
    /// (`PortDevice.curvatureScales`: a pentode's plate, a transistor's collector), or `floor` where
    /// that is larger.
    @inlinable @inline(never)
    func curvatureScales(_ v: UnsafePointer<Double>, into scale: UnsafeMutablePointer<Double>, floor: Double) {
        guard Device.hasCurvatureScales else { return }
        for s in 0..<count {
            let slot = slots[s], o = slot.offset
            var x = PortVector()
            for k in 0..<slot.ports { x[k] = v[o &+ k] }
            let scales = slot.device.curvatureScales(x)
            for k in 0..<slot.ports { scale[o &+ k] = max(scales[k], floor) }
        }
    }

    /// Marks in `scaled` the ports to which a device may give a curvature scale
    /// (`PortDevice.curvatureScalePorts`).
    func markCurvatureScalePorts(_ scaled: UnsafeMutablePointer<Bool>) {
        guard Device.hasCurvatureScales else { return }
        for s in 0..<count {
            let slot = slots[s], ports = slot.device.curvatureScalePorts
            for k in 0..<slot.ports where ports[k] != 0 { scaled[slot.offset &+ k] = true }
        }
    }
}

/// All devices of a processor, by type.
@usableFromInline
struct DeviceBank {
    @usableFromInline var diodes: DeviceArray<Diode>
    @usableFromInline var bjts: DeviceArray<GummelPoon>
    @usableFromInline var jfets: DeviceArray<ShichmanHodges>
    @usableFromInline var mosfets: DeviceArray<MOSFET>
    @usableFromInline var vdmos: DeviceArray<VDMOS>
    @usableFromInline var quasiSaturation: DeviceArray<QuasiSaturationResistance>
    @usableFromInline var korenTriodes: DeviceArray<KorenTriode>
    @usableFromInline var dzTriodes: DeviceArray<DempwolfZolzerTriode>
    @usableFromInline var pentodes: DeviceArray<KorenPentode>
    @usableFromInline var capacitances: DeviceArray<DepletionCharge>
    @usableFromInline var behavioral: DeviceArray<BehavioralSource>
    @usableFromInline var switches: DeviceArray<SwitchPort>

    /// The devices of `model`, with device k's Jacobian block at `blockOffsets[k]`, rows `blockStrides[k]` apart.
    init(_ model: StateSpaceModel, blockOffsets: [Int], blockStrides: [Int]) {
        let record = model.portCount <= 2
        var diodes: [DeviceSlot<Diode>] = [], bjts: [DeviceSlot<GummelPoon>] = [], jfets: [DeviceSlot<ShichmanHodges>] = []
        var mosfets: [DeviceSlot<MOSFET>] = [], vdmos: [DeviceSlot<VDMOS>] = [], quasi: [DeviceSlot<QuasiSaturationResistance>] = [], korens: [DeviceSlot<KorenTriode>] = []
        var dzs: [DeviceSlot<DempwolfZolzerTriode>] = [], pentodes: [DeviceSlot<KorenPentode>] = []
        var caps: [DeviceSlot<DepletionCharge>] = [], behavioral: [DeviceSlot<BehavioralSource>] = []
        var switches: [DeviceSlot<SwitchPort>] = []
        func slot<D: PortDevice>(_ d: D, _ k: Int) -> DeviceSlot<D> {
            DeviceSlot(device: d, offset: model.devices[k].offset, ports: d.portCount, hasCharge: d.hasCharge,
                       linearization: model.linearization[k], charge: model.initialCharges[k], chargeCurrent: model.initialChargeCurrents[k],
                       pendingCharge: model.initialCharges[k], blockOffset: blockOffsets[k], blockStride: blockStrides[k],
                       restCharge: model.initialCharges[k], restChargeCurrent: model.initialChargeCurrents[k])
        }
        for (k, entry) in model.devices.enumerated() {
            switch entry.device {
            case .diode(let d): diodes.append(slot(d, k))
            case .bjt(let d): bjts.append(slot(d, k))
            case .jfet(let d): jfets.append(slot(d, k))
            case .mosfet(let d): mosfets.append(slot(d, k))
            case .vdmos(let d): vdmos.append(slot(d, k))
            case .quasiSaturation(let d): quasi.append(slot(d, k))
            case .korenTriode(let d): korens.append(slot(d, k))
            case .dempwolfZolzerTriode(let d): dzs.append(slot(d, k))
            case .korenPentode(let d): pentodes.append(slot(d, k))
            case .depletionCapacitance(let d): caps.append(slot(d, k))
            case .behavioral(let d): behavioral.append(slot(d, k))
            case .controlledSwitch(let d): switches.append(slot(d, k))
            }
        }
        self.diodes = DeviceArray(diodes, recordingSecondDerivatives: record)
        self.bjts = DeviceArray(bjts, recordingSecondDerivatives: record)
        self.jfets = DeviceArray(jfets, recordingSecondDerivatives: record)
        self.mosfets = DeviceArray(mosfets, recordingSecondDerivatives: record)
        self.vdmos = DeviceArray(vdmos, recordingSecondDerivatives: record)
        self.quasiSaturation = DeviceArray(quasi, recordingSecondDerivatives: record)
        self.korenTriodes = DeviceArray(korens, recordingSecondDerivatives: record)
        self.dzTriodes = DeviceArray(dzs, recordingSecondDerivatives: record)
        self.pentodes = DeviceArray(pentodes, recordingSecondDerivatives: record)
        self.capacitances = DeviceArray(caps, recordingSecondDerivatives: record)
        self.behavioral = DeviceArray(behavioral, recordingSecondDerivatives: record)
        self.switches = DeviceArray(switches, recordingSecondDerivatives: record)
    }

    func reset() {
        diodes.reset(); bjts.reset(); jfets.reset(); mosfets.reset(); vdmos.reset(); quasiSaturation.reset()
        korenTriodes.reset(); dzTriodes.reset(); pentodes.reset(); capacitances.reset(); behavioral.reset()
        switches.reset()
        for s in 0..<switches.count { switches.slots[s].device.reset() }
    }

    func deallocate() {
        diodes.deallocate(); bjts.deallocate(); jfets.deallocate(); mosfets.deallocate(); vdmos.deallocate(); quasiSaturation.deallocate()
        korenTriodes.deallocate(); dzTriodes.deallocate(); pentodes.deallocate(); capacitances.deallocate()
        behavioral.deallocate(); switches.deallocate()
    }

    @inlinable @inline(__always)
    func evaluate(_ v: UnsafePointer<Double>, into current: UnsafeMutablePointer<Double>, blocks: UnsafeMutablePointer<Double>,
                  chargeBlocks: UnsafeMutablePointer<Double>, a0: Double) {
        if diodes.count > 0 { diodes.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if bjts.count > 0 { bjts.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if jfets.count > 0 { jfets.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if mosfets.count > 0 { mosfets.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if vdmos.count > 0 { vdmos.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if quasiSaturation.count > 0 { quasiSaturation.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if korenTriodes.count > 0 { korenTriodes.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if dzTriodes.count > 0 { dzTriodes.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if pentodes.count > 0 { pentodes.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if capacitances.count > 0 { capacitances.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if behavioral.count > 0 { behavioral.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0) }
        if switches.count > 0 {
            for s in 0..<switches.count {
                let slot = switches.slots + s
                slot.pointee.device.decide(control: v[slot.pointee.offset &+ 1])
            }
            switches.evaluate(v, into: current, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0)
        }
    }

    @inlinable @inline(__always)
    func correct(_ delta: UnsafePointer<Double>, current: UnsafeMutablePointer<Double>, blocks: UnsafePointer<Double>,
                 chargeBlocks: UnsafePointer<Double>) {
        if diodes.count > 0 { diodes.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if bjts.count > 0 { bjts.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if jfets.count > 0 { jfets.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if mosfets.count > 0 { mosfets.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if vdmos.count > 0 { vdmos.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if quasiSaturation.count > 0 { quasiSaturation.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if korenTriodes.count > 0 { korenTriodes.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if dzTriodes.count > 0 { dzTriodes.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if pentodes.count > 0 { pentodes.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if capacitances.count > 0 { capacitances.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if behavioral.count > 0 { behavioral.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
        if switches.count > 0 { switches.correct(delta, current: current, blocks: blocks, chargeBlocks: chargeBlocks) }
    }

    /// Every device's second-order part of its port currents for the move `delta` (see
    /// `DeviceArray.predictionSecondOrder`; ports of devices that give none are left as they are).
    @inlinable @inline(__always)
    func predictionSecondOrder(_ delta: UnsafePointer<Double>, blocks: UnsafePointer<Double>, chargeBlocks: UnsafePointer<Double>,
                               a0: Double, into r: UnsafeMutablePointer<Double>) {
        if diodes.count > 0 { diodes.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if bjts.count > 0 { bjts.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if jfets.count > 0 { jfets.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if mosfets.count > 0 { mosfets.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if vdmos.count > 0 { vdmos.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if quasiSaturation.count > 0 { quasiSaturation.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if korenTriodes.count > 0 { korenTriodes.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if dzTriodes.count > 0 { dzTriodes.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if pentodes.count > 0 { pentodes.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if capacitances.count > 0 { capacitances.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
        if behavioral.count > 0 { behavioral.predictionSecondOrder(delta, blocks: blocks, chargeBlocks: chargeBlocks, a0: a0, into: r) }
    }

    /// Marks in `scaled` the ports to which a device may give a curvature scale: the transistors'
    /// collectors and the pentodes' plates (the devices `Processor.curvatureScalesAllow` asks).
    func markCurvatureScalePorts(_ scaled: UnsafeMutablePointer<Bool>) {
        bjts.markCurvatureScalePorts(scaled)
        pentodes.markCurvatureScalePorts(scaled)
    }

    /// Whether some device gives the prediction a second-order term (`DeviceArray.givesSecondOrderTerm`).
    var givesSecondOrderTerm: Bool {
        diodes.givesSecondOrderTerm || bjts.givesSecondOrderTerm || jfets.givesSecondOrderTerm || mosfets.givesSecondOrderTerm || vdmos.givesSecondOrderTerm || quasiSaturation.givesSecondOrderTerm
            || korenTriodes.givesSecondOrderTerm || dzTriodes.givesSecondOrderTerm || pentodes.givesSecondOrderTerm
            || capacitances.givesSecondOrderTerm || behavioral.givesSecondOrderTerm || switches.givesSecondOrderTerm
    }

    /// Every device's second-order remainder for the step `step` into `r` (see
    /// `DeviceArray.secondOrder`; NaN where a device reports no second derivatives).
    @usableFromInline
    func secondOrder(_ step: UnsafePointer<Double>, into r: UnsafeMutablePointer<Double>) {
        if diodes.count > 0 { diodes.secondOrder(step, into: r) }
        if bjts.count > 0 { bjts.secondOrder(step, into: r) }
        if jfets.count > 0 { jfets.secondOrder(step, into: r) }
        if mosfets.count > 0 { mosfets.secondOrder(step, into: r) }
        if vdmos.count > 0 { vdmos.secondOrder(step, into: r) }
        if quasiSaturation.count > 0 { quasiSaturation.secondOrder(step, into: r) }
        if korenTriodes.count > 0 { korenTriodes.secondOrder(step, into: r) }
        if dzTriodes.count > 0 { dzTriodes.secondOrder(step, into: r) }
        if pentodes.count > 0 { pentodes.secondOrder(step, into: r) }
        if capacitances.count > 0 { capacitances.secondOrder(step, into: r) }
        if behavioral.count > 0 { behavioral.secondOrder(step, into: r) }
        if switches.count > 0 { switches.secondOrder(step, into: r) }
    }

    /// Accepts the sample's charges; writes the change of each charged port's history to `historyChange`.
    @inlinable @inline(__always)
    func accept(a0: Double, historyWeight: Double, historyChange: UnsafeMutablePointer<Double>) {
        if diodes.count > 0 { diodes.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
        if bjts.count > 0 { bjts.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
        if jfets.count > 0 { jfets.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
        if mosfets.count > 0 { mosfets.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
        if vdmos.count > 0 { vdmos.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
        if capacitances.count > 0 { capacitances.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
        // Behavioral sources hold charges only as Q= capacitors and Flux= inductors' cores.
        if behavioral.count > 0 { behavioral.accept(a0: a0, historyWeight: historyWeight, historyChange: historyChange) }
    }

    /// Takes over the charges and charge currents of `other`, the same circuit's devices in another model.
    @usableFromInline
    func copyCharges(from other: DeviceBank, smoothing: Bool = false) {
        diodes.copyCharges(from: other.diodes, smoothing: smoothing); bjts.copyCharges(from: other.bjts, smoothing: smoothing)
        jfets.copyCharges(from: other.jfets, smoothing: smoothing); mosfets.copyCharges(from: other.mosfets, smoothing: smoothing)
        vdmos.copyCharges(from: other.vdmos, smoothing: smoothing)
        quasiSaturation.copyCharges(from: other.quasiSaturation, smoothing: smoothing)
        korenTriodes.copyCharges(from: other.korenTriodes, smoothing: smoothing)
        dzTriodes.copyCharges(from: other.dzTriodes, smoothing: smoothing); pentodes.copyCharges(from: other.pentodes, smoothing: smoothing)
        capacitances.copyCharges(from: other.capacitances, smoothing: smoothing)
        behavioral.copyCharges(from: other.behavioral, smoothing: smoothing)
        // A switch's state travels with the charges: the same circuit, at another step.
        for s in 0..<switches.count { switches.slots[s].device = other.switches.slots[s].device }
    }

    /// Keeps every device's present charge current (see `DeviceArray.saveChargeCurrents`).
    @usableFromInline
    func saveChargeCurrents() {
        diodes.saveChargeCurrents(); bjts.saveChargeCurrents(); jfets.saveChargeCurrents(); mosfets.saveChargeCurrents(); vdmos.saveChargeCurrents(); quasiSaturation.saveChargeCurrents()
        korenTriodes.saveChargeCurrents(); dzTriodes.saveChargeCurrents(); pentodes.saveChargeCurrents()
        capacitances.saveChargeCurrents(); behavioral.saveChargeCurrents()
    }

    /// Starts a sample's Newton iteration: each switch from its accepted state.
    @inlinable @inline(__always)
    func beginSwitchStep() {
        for s in 0..<switches.count { switches.slots[s].device.beginStep() }
    }

    /// Takes each switch's state at the accepted sample (its last evaluation's) as the one the
    /// next sample starts from (a rejected sample keeps the states it had).
    @inlinable @inline(__always)
    func acceptSwitches() {
        for s in 0..<switches.count { switches.slots[s].device.accept() }
    }

    /// Whether every switch keeps at port voltages `v` the state of its latest evaluation: a
    /// Newton step that turns one cannot be taken to first order (the law changes with the state).
    @inlinable @inline(__always)
    func switchesHold(at v: UnsafePointer<Double>) -> Bool {
        for s in 0..<switches.count {
            let slot = switches.slots + s
            if slot.pointee.device.state(control: v[slot.pointee.offset &+ 1]) != slot.pointee.device.iterateOn { return false }
        }
        return true
    }

    /// Drops the charges evaluated during a rejected sample.
    @inlinable @inline(__always)
    func reject() {
        diodes.reject(); bjts.reject(); jfets.reject(); mosfets.reject(); vdmos.reject(); capacitances.reject(); behavioral.reject()
    }

    /// Limits the Newton step of every junction and pentode plate; true when any step was changed.
    @inlinable @inline(__always)
    func limit(_ new: UnsafeMutablePointer<Double>, old: UnsafePointer<Double>) -> Bool {
        // Plain `if`s, not `count > 0 && array.limit(…)`: the right side of `&&` is a closure,
        // which captured a copy of the whole bank (76 instructions of `memcpy` per call).
        var changed = false
        if diodes.count > 0, diodes.limit(new, old: old) { changed = true }
        if bjts.count > 0, bjts.limit(new, old: old) { changed = true }
        if jfets.count > 0, jfets.limit(new, old: old) { changed = true }
        if mosfets.count > 0, mosfets.limit(new, old: old) { changed = true }
        if vdmos.count > 0, vdmos.limit(new, old: old) { changed = true }
        if pentodes.count > 0, pentodes.limit(new, old: old) { changed = true }
        return changed
    }
}
