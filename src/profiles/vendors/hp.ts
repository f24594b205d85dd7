/**
 * HP: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const hp: Profile = {
  id: 'hp',
  version: 1,
  vendor: 'HP',
  match: {},
  fixtures: [],
};
