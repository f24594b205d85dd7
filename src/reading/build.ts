/**
 * The Reading of one read, pure apart from its id: counters (the profile's rules), identity,
 * supplies and status decoded from everything the device answered, strings cleaned and capped,
 * and the data problems of the read beside it.
 */
import { v7 as uuidv7 } from 'uuid';
import { decodeCounters } from '../profiles/counters.js';
import { profileLabel, selectProfile } from '../profiles/match.js';
import type { Profile } from '../profiles/types.js';
import type { BrokenWalk } from '../snmp/client.js';
import type { MibView } from '../snmp/values.js';
import { READING_VERSION, type Reading } from '../contract/reading.js';
import { cleanReading } from './clean.js';
import { decodeIdentity } from './identity.js';
import { readProblems, type DataProblem } from './quality.js';
import { decodeStatus } from './status.js';
import { decodeSupplies } from './supplies.js';

/** Everything read from one device → the Reading. Pure apart from the id. */
function buildReading(view: MibView, profile: Profile | undefined, host: string, readAt: Date): Reading {
  return inspectRead(view, profile, host, readAt).reading;
}

/**
 * The Reading (strings cleaned and capped) and the data problems of this read: invalid counters,
 * walks that broke (from the SNMP client), no counter at all, fields cut. Pure apart from the id.
 */
export function inspectRead(view: MibView, profile: Profile | undefined, host: string, readAt: Date, walks: readonly BrokenWalk[] = []): { reading: Reading; problems: DataProblem[] } {
  const { counters, sources, units, totals, failedChecks, invalid } = decodeCounters(view, profile);
  const { reading, cuts } = cleanReading({
    readingVersion: READING_VERSION,
    id: uuidv7({ msecs: readAt.getTime() }),
    readAt: readAt.toISOString(),
    device: decodeIdentity(view, profile, host),
    counters,
    sources,
    supplies: decodeSupplies(view),
    status: decodeStatus(view),
    profile: profileLabel(profile),
    ...(Object.keys(units).length ? { units } : {}),
    ...(totals ? { totals } : {}),
  });
  const problems = readProblems({ host, profile: reading.profile, invalid, walks, counters: Object.keys(counters).length, cut: cuts, totals, failedChecks });
  return { reading, problems };
}

/**
 * The Reading a complete recording yields, without the network: what the profile tests assert.
 * The over-the-wire path (reader/read-device.ts) fetches a subset of the same objects and must agree.
 */
export function readingFromRecording(view: MibView, profiles: readonly Profile[], host = 'recording', readAt = new Date(0)): Reading {
  return buildReading(view, selectProfile(profiles, view), host, readAt);
}
