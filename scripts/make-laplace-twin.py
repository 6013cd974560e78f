#!/usr/bin/env python3
"""The ngspice twin of Tests/AnodeTests/LTspice/laplace-filters.net, the test of LAPLACE sources.

ngspice has no LAPLACE source; its XSPICE code model s_xfer is the same transfer function,
N(s/w0)/D(s/w0) with the coefficients highest power first. This script writes each of the
netlist's Laplace sources as that model, the coefficients worked out here by hand from the
transfer functions the netlist writes (a current output as s_xfer into a unit VCCS), so that

    scripts/make-laplace-twin.py && scripts/make-fixtures.py Tests/AnodeTests/LTspice/laplace-filters.cir

gives the reference. ngspice's s_xfer holds its states at zero at DC; the circuit has no DC input,
so the operating points agree.
"""
import math, os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
f0, Q, tau = 2e3, 0.7071, 200e-6
w0, w1 = 2 * math.pi * f0, 2 * math.pi * 150

TWIN = f"""laplace-filters.net written out in ngspice's syntax (the reference for the LAPLACE source test)
* Written by scripts/make-laplace-twin.py: each Laplace source as XSPICE's s_xfer.
* E1: w0^2/(s^2 + s*w0/Q + w0^2) = 1/(s'^2 + s'/Q + 1), s' = s/w0, w0 = 2*pi*2k.
* G1: 1m*s/(s + w1) = 1m*s'/(s' + 1), s' = s/w1, w1 = 2*pi*150, as a voltage into a unit VCCS.
* E2: 1/(1 + s*tau) = 1/(s' + 1), s' = s*tau, of V(in,clip).
V1 in 0 SIN(0 1.5 700) AC 1
R1 in clip 1k
D1 clip 0 1N914
D2 0 clip 1N914
a1 clip lp butterworth
.model butterworth s_xfer(gain=1 num_coeff=[1] den_coeff=[1 {1 / Q!r} 1] int_ic=[0 0] denormalized_freq={w0!r})
a2 lp hpv highpass
.model highpass s_xfer(gain=1 num_coeff=[1e-3 0] den_coeff=[1 1] int_ic=[0] denormalized_freq={w1!r})
G1 0 hp hpv 0 1
R2 hp 0 1k
a3 %vd(in clip) sh shelf
.model shelf s_xfer(gain=1 num_coeff=[1] den_coeff=[1 1] int_ic=[0] denormalized_freq={1 / tau!r})
R3 sh 0 10k
.model 1N914 D(IS=2.52n RS=0.568 N=1.752 CJO=4p M=0.4 TT=20n)
.tran 5u 5m
.ac dec 20 10 100k
.print tran v(clip) v(lp) v(hp) v(sh)
.print ac vm(lp) vp(lp) vm(hp) vp(hp) vm(sh) vp(sh)
.end
"""


def main():
    path = os.path.join(ROOT, 'Tests', 'AnodeTests', 'LTspice', 'laplace-filters.cir')
    with open(path, 'w') as f:
        f.write(TWIN)
    print('wrote', os.path.relpath(path, ROOT))


if __name__ == '__main__':
    main()
