/**
 * The two ways bo code fails, kept apart so that a bug can never pass for bad luck:
 *
 * - InvariantError: a programmer's error (shapes that do not match, an argument outside
 *   its documented domain). The service must fail loudly on it, never fall back.
 * - NumericalError: the numbers themselves gave out (a non-finite value where the math
 *   promises a finite one). The engine reports it as 'numerical-failure', and the service
 *   may answer with a counted, logged random point instead.
 *
 * NotPositiveDefiniteError (cholesky.ts) is a NumericalError. InvariantError is a
 * RangeError, the built-in for an argument outside its domain.
 */

export class InvariantError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantError';
  }
}

export class NumericalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumericalError';
  }
}
