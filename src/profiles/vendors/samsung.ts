/**
 * Samsung: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const samsung: Profile = {
  id: 'samsung',
  version: 1,
  vendor: 'Samsung',
  match: {},
  fixtures: [],
};
