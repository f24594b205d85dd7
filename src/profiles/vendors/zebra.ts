/**
 * Zebra: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const zebra: Profile = {
  id: 'zebra',
  version: 1,
  vendor: 'Zebra',
  match: {},
  fixtures: [],
};
