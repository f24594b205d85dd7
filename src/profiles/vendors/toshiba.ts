/**
 * Toshiba: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const toshiba: Profile = {
  id: 'toshiba',
  version: 1,
  vendor: 'Toshiba',
  match: {},
  fixtures: [],
};
