/**
 * OKI: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const oki: Profile = {
  id: 'oki',
  version: 1,
  vendor: 'OKI',
  match: {},
  fixtures: [],
};
