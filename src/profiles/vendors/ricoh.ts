/**
 * Ricoh: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const ricoh: Profile = {
  id: 'ricoh',
  version: 1,
  vendor: 'Ricoh',
  match: {},
  fixtures: [],
};
