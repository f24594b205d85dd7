/**
 * Canon: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const canon: Profile = {
  id: 'canon',
  version: 1,
  vendor: 'Canon',
  match: {},
  fixtures: [],
};
