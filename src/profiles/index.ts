/**
 * The registry of vendor profiles, in match order (more specific first). Adding a vendor means
 * adding a data file under vendors/ and listing it here; the engine needs no change.
 */
import type { Profile } from './types.js';

export const PROFILES: readonly Profile[] = [];
