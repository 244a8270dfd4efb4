// The eigendecomposition of a real symmetric matrix, A = V diag(lambda) V^T with V orthogonal, in float64:
// the matrix square roots that the Frechet distance needs. Householder reduction to tridiagonal form,
// then the implicit QL iteration with Wilkinson shifts (Golub & Van Loan, "Matrix Computations", 8.3).
#pragma once

#include <cstdint>
#include <vector>

namespace muse::metrics {

struct SymmetricEigen {
  std::vector<double> values;   // (D), ascending
  std::vector<double> vectors;  // (D, D) row-major; column j is the unit eigenvector of values[j]
                                // (as numpy.linalg.eigh); empty when not asked for
};

// a: (n, n) row-major and symmetric (within 1e-10 of its largest entry). Cost about 9 n^3 flops with
// vectors, 4/3 n^3 without. Throws muse::Error for a wrong size, non-finite entries or an asymmetric a.
SymmetricEigen symmetric_eigen(std::vector<double> a, int64_t n, bool with_vectors = true);

}  // namespace muse::metrics
