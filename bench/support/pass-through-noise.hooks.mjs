/**
 * A Node module-customisation hook (module.register, Node 20.6+) that swaps baileys' Noise layer
 * for the wire tests' pass-through one (test/support/pass-through-noise.ts): what vi.mock does in
 * test/wire, for a bench that runs outside vitest. Only that one file is swapped; every other
 * module, baileys included, loads as it does in the product. Registered by
 * pass-through-noise.register.mjs (`node --import tsx --import ./bench/support/pass-through-noise.register.mjs …`);
 * hooks registered later run first, so this one asks tsx's (and Node's) resolution where the file
 * is and only then redirects it, and tsx loads the TypeScript it points to.
 */
const NOISE_HANDLER = '/node_modules/baileys/lib/Utils/noise-handler.js';
const PASS_THROUGH = new URL('../../test/support/pass-through-noise.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  return resolved.url.endsWith(NOISE_HANDLER) ? { url: PASS_THROUGH, format: 'module', shortCircuit: true } : resolved;
}
