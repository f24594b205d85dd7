/**
 * Sharp: TODO(profile author) — recognition, identity and counters with the reference for every OID.
 */
import type { Profile } from '../types.js';

export const sharp: Profile = {
  id: 'sharp',
  version: 1,
  vendor: 'Sharp',
  match: {},
  fixtures: [],
};
