/**
 * Konica Minolta: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const konicaMinolta: Profile = {
  id: 'konica-minolta',
  version: 1,
  vendor: 'Konica Minolta',
  match: {},
  fixtures: [],
};
