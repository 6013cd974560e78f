// Prototype of glibc's vector math library (libmvec, part of libc6 on x86-64): the two-lane
// SSE variant of exp under its vector-ABI name. glibc's <math.h> declares it only
// to compilers that vectorize loops with OpenMP SIMD; Anode calls it directly. Each lane is
// computed on its own (the result of a lane depends only on that lane's argument), within 4 ulp.
#ifndef ANODE_LIBMVEC_SHIM_H
#define ANODE_LIBMVEC_SHIM_H
#if defined(__x86_64__) && defined(__linux__)

/// Two doubles in one SSE register (imported by Swift as SIMD2<Double>).
typedef double anode_double2 __attribute__((ext_vector_type(2)));

/// e^x in each lane.
anode_double2 _ZGVbN2v_exp(anode_double2 x);

#endif
#endif
