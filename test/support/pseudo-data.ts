/**
 * Deterministic pseudo-data for the GP tests: n points in [0, 1]^d (the last dimension
 * categorical with 3 choices when `cat`), and a smooth y.
 */
export function pseudoData(n: number, d: number, cat: boolean, seed = 1): { X: Float64Array; y: Float64Array; isCategorical: Uint8Array } {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const X = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) X[i * d + j] = cat && j === d - 1 ? Math.floor(3 * u()) : u();
    y[i] = Math.sin(5 * X[i * d]!) + (d > 1 ? X[i * d + 1]! : 0) - 0.3;
  }
  const isCategorical = new Uint8Array(d);
  if (cat) isCategorical[d - 1] = 1;
  return { X, y, isCategorical };
}
