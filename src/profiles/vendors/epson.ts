/**
 * Epson: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const epson: Profile = {
  id: 'epson',
  version: 1,
  vendor: 'Epson',
  match: {},
  fixtures: [],
};
