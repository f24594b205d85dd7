/**
 * Lexmark: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const lexmark: Profile = {
  id: 'lexmark',
  version: 1,
  vendor: 'Lexmark',
  match: {},
  fixtures: [],
};
