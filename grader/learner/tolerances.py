"""Every tolerance the checks use, with the reason for its size (one place, so that the visible
checks and the instructor's judge agree and an instructor can see why an answer passed).

Values: |got - expected| <= ATOL + RTOL |expected| (numpy.isclose), entry by entry.

* RTOL = 1e-7. A correct answer computed in float64 by any route (loops or matrices, another
  order of the sums, the naive or the stable sigmoid) differs from the reference by rounding
  alone: about n * 2.2e-16 for sums of n terms, 1e-13 for the largest sums here. A conceptual
  mistake (a missing f', a transposed matrix, a factor 2, one layer off) changes values by 1e-3
  or more. 1e-7 lies six orders of magnitude from both. Single precision (float32, 6e-8 per
  value, 1e-7 to 1e-6 after a few layers) fails most inputs; the message then says float32.
* ATOL = 1e-10: a floor for values that are 0 or nearly (sigma'(40) = 4e-18, gradients through
  saturated units), where a relative test alone would demand bits that rounding does not keep.
* DERIVATIVE_RTOL = 1e-6, DERIVATIVE_ATOL = 1e-9, for numerical_derivative: the central
  difference with h = 1e-5 is exact to h^2 |f'''| / 6 ~ 1e-10 plus rounding eps |f| / h ~ 1e-11;
  the forward difference (f(x + h) - f(x)) / h is off by h |f''| / 2 ~ 1e-5, and fails.
* INIT_STD = 0.05, for init_params: the spread of n >= 10^4 weights (layers of 100 to 250 units)
  has a relative standard error of 1 / sqrt(2n) <= 0.7%, so 5% is seven standard errors from a
  correct draw, while a wrong scale is off by a factor sqrt(2) ('he_normal' for 'lecun_normal')
  or more ('small'). 'glorot_uniform' and 'glorot_normal' always have the same spread, and
  'lecun_normal' has it too when n_(l-1) = n_l: their shapes tell them apart (GAUSS_TAIL,
  GLOROT_EDGE).
* GAUSS_TAIL = (0.03, 0.065): a Gaussian puts 4.55% of its draws beyond two standard deviations,
  a uniform draw none; with n >= 10^4 draws the fraction's standard error is 0.2%, so the band is
  seven of them wide on each side.
* GLOROT_EDGE = 0.95: the largest of n >= 10^4 uniform draws on [-r, r] lies above 0.95 r except
  with probability 0.95^n < 1e-200.
"""

RTOL, ATOL = 1e-7, 1e-10
DERIVATIVE_RTOL, DERIVATIVE_ATOL = 1e-6, 1e-9
INIT_STD = 0.05
GAUSS_TAIL = (0.03, 0.065)
GLOROT_EDGE = 0.95
