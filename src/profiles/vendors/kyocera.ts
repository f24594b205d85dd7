/**
 * Kyocera: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const kyocera: Profile = {
  id: 'kyocera',
  version: 1,
  vendor: 'Kyocera',
  match: {},
  fixtures: [],
};
