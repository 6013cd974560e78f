// Prototypes of the reference LAPACK routines Anode calls (Fortran calling convention: every
// argument by pointer, a trailing hidden length for each character argument). Debian's
// liblapack-dev ships the library but no C header for it.
#ifndef ANODE_LAPACK_SHIM_H
#define ANODE_LAPACK_SHIM_H
#include <stddef.h>

/// LU factorization with partial pivoting of a general real matrix (column-major).
void dgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
/// Solves A·X = B with the factors from dgetrf_.
void dgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info, size_t trans_len);
/// Reciprocal condition number estimate of a factored real matrix.
void dgecon_(const char *norm, const int *n, const double *a, const int *lda, const double *anorm,
             double *rcond, double *work, int *iwork, int *info, size_t norm_len);
/// LU factorization of a general complex matrix (interleaved real, imaginary; column-major).
void zgetrf_(const int *m, const int *n, double *a, const int *lda, int *ipiv, int *info);
/// Solves A·X = B with the complex factors from zgetrf_.
void zgetrs_(const char *trans, const int *n, const int *nrhs, const double *a, const int *lda,
             const int *ipiv, double *b, const int *ldb, int *info, size_t trans_len);
/// Inverse of a real matrix from its dgetrf_ factors.
void dgetri_(const int *n, double *a, const int *lda, const int *ipiv, double *work,
             const int *lwork, int *info);
/// Generalized eigenvalues (alphar + i·alphai)/beta of the pencil (A, B), by the QZ algorithm
/// (eigenvectors not computed with jobvl = jobvr = 'N').
void dggev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda, double *b,
            const int *ldb, double *alphar, double *alphai, double *beta, double *vl, const int *ldvl,
            double *vr, const int *ldvr, double *work, const int *lwork, int *info,
            size_t jobvl_len, size_t jobvr_len);

#endif
