/*
 * The diode clipper of circuits/diode-clipper.cir (2.2k, 10n, two antiparallel 1N914 junctions:
 * IS = 2.52n, N = 1.752, no series resistance and no junction charge) written by hand in C the two
 * ways the virtual-analog field writes it, to calibrate a machine: Docs/Benchmarks.md compares
 * Anode's per-sample cost with these on the same machine, since the figures in the design notes
 * were measured on another.
 *
 *   wdf     a wave digital filter (resistive source and capacitor in a parallel adaptor, the diode
 *           pair at the root in closed form through the Wright omega function, one correction
 *           step after a cubic first guess: Werner et al., "An improved and generalized diode
 *           clipper model for wave digital filters", 2015, the form chowdsp_wdf uses);
 *   newton  the nodal equation discretized by the trapezoidal rule, solved by scalar Newton with
 *           libm's exp from the last sample's voltage to 1e-9 V.
 *
 * Both are simpler than Anode's clipper, which keeps the 1N914's series resistance (RS = 0.568)
 * and its depletion and diffusion charge (CJO = 4p, M = 0.4, VJ = 1, FC = 0.5, TT = 20n) as
 * ngspice does. A third way computes that model, to compare like with like:
 *
 *   full    the whole 1N914 as SPICE models it (RS, GMIN, the reverse region's cubic, depletion
 *           charge with its linear continuation above FC·VJ, diffusion charge TT·I), trapezoidal
 *           rule, at 27 °C. Unknowns: the output v and the two junction voltages; the Jacobian is
 *           an arrow (each junction's node touches only the output), so a Newton step is solved in
 *           closed form. Prediction: the tangent, a Newton step from the last solution with the
 *           junctions' last values (no evaluation), as Anode predicts; a step is accepted once its
 *           largest change is within 1 µV + 10⁻⁹·|v| (Anode's default tolerances), the step
 *           itself applied. libm's exp and pow.
 *
 * Usage: diode-clipper wdf|newton|full [seconds [amplitude]] (a 1 kHz sine at 48 kHz, 1 V unless
 * given). Prints ns per sample and a checksum (the output's peak), so that the work cannot be
 * optimized away; `full` also its largest difference from a file of samples given as
 * DIODE_CLIPPER_COMPARE (one value per line, as `anode simulate --engine realtime` writes
 * v(out)). Build: scripts/reference-clipper.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double rate = 48000, frequency = 1000;
static const double r1 = 2.2e3, c1 = 10e-9, is = 2.52e-9, vt = 1.752 * 0.025851991;

/* ω(x), the solution w of w + log w = x: a cubic fit on [-3.34, 8] (zero below, x - log x above),
   then one step of w - (w - e^(x - w)) / (w + 1). */
static inline double omega(double x) {
    double w;
    if (x < -3.341459552768620) w = 0;
    else if (x < 8) w = 0.6314658084 + x * (0.3662215611 + x * (0.04302519225 + x * -0.000692421863));
    else w = x - log(x);
    return w - (w - exp(x - w)) / (w + 1);
}

/* The 1N914 of circuits/models/diodes.lib as SPICE models it (junction voltage x): the current
   with GMIN and its conductance, the charge (diffusion TT·I plus depletion) and its capacitance. */
static const double rs = 0.568, cjo = 4e-12, m = 0.4, vj = 1, fc = 0.5, tt = 20e-9, gmin = 1e-12;

typedef struct { double i, g, q, c; } junction;

static inline junction diode(double x, double nvt) {
    junction d;
    if (x >= -3 * nvt) {
        double e = exp(x / nvt);
        d.i = is * (e - 1) + gmin * x;
        d.g = is * e / nvt + gmin;
    } else {
        double a = 3 * nvt / (x * M_E);
        a = a * a * a;
        d.i = -is * (1 + a) + gmin * x;
        d.g = is * 3 * a / x + gmin;
    }
    if (x < fc * vj) {
        double arg = 1 - x / vj, s = pow(arg, -m);
        d.q = vj * cjo * (1 - arg * s) / (1 - m);
        d.c = cjo * s;
    } else {
        double f1 = vj * (1 - pow(1 - fc, 1 - m)) / (1 - m), f2 = pow(1 - fc, 1 + m), f3 = 1 - fc * (1 + m);
        d.q = cjo * (f1 + (f3 * (x - fc * vj) + m / (2 * vj) * (x * x - fc * fc * vj * vj)) / f2);
        d.c = cjo / f2 * (f3 + m * x / vj);
    }
    d.q += tt * d.i;
    d.c += tt * d.g;
    return d;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "wdf") && strcmp(argv[1], "newton") && strcmp(argv[1], "full"))) {
        fprintf(stderr, "usage: %s wdf|newton|full [seconds [amplitude]]\n", argv[0]);
        return 2;
    }
    int wdf = !strcmp(argv[1], "wdf"), full = !strcmp(argv[1], "full");
    long n = (long)(rate * (argc > 2 ? atof(argv[2]) : 10));
    double amplitude = argc > 3 ? atof(argv[3]) : 1;
    double *in = malloc(n * sizeof *in), *out = malloc(n * sizeof *out);
    if (!in || !out) return 1;
    for (long k = 0; k < n; k++) in[k] = amplitude * sin(2 * M_PI * frequency * k / rate);

    double t = 1 / rate, iterations = 0;
    double start = now();
    if (wdf) {
        /* Port resistances: the source's R1, the capacitor's T/(2C); the parallel adaptor's
           port towards the root 1/(G1 + G2). */
        double g1 = 1 / r1, g2 = 2 * c1 / t, rp = 1 / (g1 + g2);
        double logRIsOverVt = log(rp * is / vt), z = 0;
        for (long k = 0; k < n; k++) {
            double b1 = in[k], b2 = z;                  /* reflected by source and capacitor */
            double a = (g1 * b1 + g2 * b2) * rp;        /* up through the adaptor */
            double s = a < 0 ? -1 : 1;                  /* diode pair: b = a + 2s(R·Is - Vt·ω(...)) */
            double b = a + 2 * s * (rp * is - vt * omega(logRIsOverVt + s * a / vt));
            double v = 0.5 * (a + b);
            z = 2 * v - b2;                             /* back down to the capacitor */
            out[k] = v;
        }
    } else if (full) {
        /* At 27 °C: N·Vt with Vt = kT/q. Capacitor C1 and the junctions' charges by the
           trapezoidal rule: a current g·(v − v') − i' (C1, g = 2C/T) or a0·(q − q') − i' (charge q). */
        double nvt = 1.752 * 1.38064852e-23 * 300.15 / 1.6021766208e-19, a0 = 2 / t, g = 2 * c1 / t;
        /* D1: anode at the output through RS, junction x1 to ground; D2: anode at ground through
           RS, junction x2 to the output. Rest: capacitor and junction currents zero. */
        double v = 0, x1 = 0, x2 = 0, ic = 0;
        junction d1 = diode(x1, nvt), d2 = diode(x2, nvt);
        double q1 = d1.q, q2 = d2.q, iq1 = 0, iq2 = 0;
        /* The junctions' values at the last solution (first order in the last step). */
        double i1 = d1.i, i2 = d2.i;
        for (long k = 0; k < n; k++) {
            double vin = in[k], vOld = v;
            double y = v, y1 = x1, y2 = x2, dx1 = 0, dx2 = 0;
            double qa = q1, qb = q2;
            for (int i = 0; i < 51; i++) {
                /* Iteration 0: the tangent from the last solution; then Newton on evaluations. */
                if (i > 0) {
                    d1 = diode(y1, nvt);
                    d2 = diode(y2, nvt);
                    i1 = d1.i; i2 = d2.i; qa = d1.q; qb = d2.q;
                }
                double f1 = i1 + a0 * (qa - q1) - iq1, g1 = d1.g + a0 * d1.c;
                double f2 = i2 + a0 * (qb - q2) - iq2, g2 = d2.g + a0 * d2.c;
                /* KCL at the output, at D1's internal node, at D2's (x2 + v its voltage). */
                double r0 = (vin - y) / r1 - (g * (y - vOld) - ic) - f1 + f2;
                double ra = (y - y1) / rs - f1;
                double rb = -(y2 + y) / rs - f2;
                double a = -1 / r1 - g, e1 = -1 / rs - g1, e2 = -1 / rs - g2;
                double dv = (-r0 - g1 * ra / e1 + g2 * rb / e2) / (a + g1 / (rs * e1) + g2 / (rs * e2));
                dx1 = (-ra - dv / rs) / e1;
                dx2 = (-rb + dv / rs) / e2;
                y += dv; y1 += dx1; y2 += dx2;
                if (i == 0) continue;
                iterations += 1;
                double tolerance = 1e-6 + 1e-9 * fabs(y);
                if (fabs(dv) <= tolerance && fabs(dx1) <= tolerance && fabs(dx2) <= tolerance) break;
            }
            /* The junctions at the accepted point to first order in the last step (within the
               tolerance, so their error is of its square), as Anode takes them: no evaluation more. */
            i1 = d1.i + d1.g * dx1; i2 = d2.i + d2.g * dx2;
            qa = d1.q + d1.c * dx1; qb = d2.q + d2.c * dx2;
            iq1 = a0 * (qa - q1) - iq1; q1 = qa;
            iq2 = a0 * (qb - q2) - iq2; q2 = qb;
            ic = g * (y - vOld) - ic;
            v = y; x1 = y1; x2 = y2;
            out[k] = v;
        }
    } else {
        /* C dv/dt = (vin - v)/R1 - 2 Is sinh(v/Vt); trapezoidal: the capacitor current
           i = g(v - v') - i' with g = 2C/T. */
        double g = 2 * c1 / t, v = 0, ic = 0;
        for (long k = 0; k < n; k++) {
            double vin = in[k], vPrevious = v, x = v;
            for (int i = 0; i < 50; i++) {
                double e = exp(x / vt), f = (vin - x) / r1 - is * (e - 1 / e) - (g * (x - vPrevious) - ic);
                double df = -1 / r1 - is * (e + 1 / e) / vt - g;
                double dx = f / df;
                x -= dx;
                iterations += 1;
                if (fabs(dx) < 1e-9) break;
            }
            ic = g * (x - vPrevious) - ic;
            v = x;
            out[k] = v;
        }
    }
    double elapsed = now() - start, peak = 0;
    for (long k = 0; k < n; k++) if (fabs(out[k]) > peak) peak = fabs(out[k]);
    printf("%.1f ns/sample (%s", 1e9 * elapsed / n, argv[1]);
    if (!wdf) printf(", %.2f Newton iterations/sample", iterations / n);
    const char *compare = getenv("DIODE_CLIPPER_COMPARE");
    if (full && compare) {
        FILE *f = fopen(compare, "r");
        double x, worst = 0;
        long k = 0;
        while (f && k < n && fscanf(f, "%lf", &x) == 1) { if (fabs(x - out[k]) > worst) worst = fabs(x - out[k]); k++; }
        if (f) fclose(f);
        printf(", %ld samples of %s within %.3g V", k, compare, worst);
    }
    printf("), peak %.4f V\n", peak);
    free(in);
    free(out);
    return 0;
}
