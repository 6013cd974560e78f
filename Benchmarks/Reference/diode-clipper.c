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
 * Both are simpler than Anode's clipper, which keeps the 1N914's series resistance and its
 * depletion and diffusion charge as ngspice does. Usage: diode-clipper wdf|newton [seconds]
 * (a 1 V, 1 kHz sine at 48 kHz). Prints ns per sample and a checksum (the output's peak), so
 * that the work cannot be optimized away. Build: scripts/reference-clipper.sh.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double rate = 48000, amplitude = 1, frequency = 1000;
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

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "wdf") && strcmp(argv[1], "newton"))) {
        fprintf(stderr, "usage: %s wdf|newton [seconds]\n", argv[0]);
        return 2;
    }
    int wdf = !strcmp(argv[1], "wdf");
    long n = (long)(rate * (argc > 2 ? atof(argv[2]) : 10));
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
    printf("), peak %.4f V\n", peak);
    free(in);
    free(out);
    return 0;
}
