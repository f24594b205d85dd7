/**
 * Brother: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const brother: Profile = {
  id: 'brother',
  version: 1,
  vendor: 'Brother',
  match: {},
  fixtures: [],
};
