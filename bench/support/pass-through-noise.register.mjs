// Loaded with --import: see pass-through-noise.hooks.mjs.
import { register } from 'node:module';

register('./pass-through-noise.hooks.mjs', import.meta.url);
