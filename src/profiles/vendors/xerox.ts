/**
 * Xerox: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const xerox: Profile = {
  id: 'xerox',
  version: 1,
  vendor: 'Xerox',
  match: {},
  fixtures: [],
};
