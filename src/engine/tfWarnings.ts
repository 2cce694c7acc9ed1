/** TF.js console noise that tells a user nothing they can act on. No imports: the standalone server uses it too. */

/**
 * TF.js warns "Orthogonal initializer is being called on a matrix with more than 2000 (…) elements:
 * Slowness may result." for every large recurrent kernel it initialises, in every model built or
 * loaded (the backend probe builds one too). It is a one-off QR decomposition of a few milliseconds, not
 * something to act on: while layers are built or loaded, that warning is dropped; every other one passes through.
 */
export function withoutInitializerWarnings(): { restore(): void } {
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (typeof a[0] === 'string' && a[0].startsWith('Orthogonal initializer is being called on a matrix')) return;
    warn.apply(console, a);
  };
  return { restore: () => { console.warn = warn; } };
}
