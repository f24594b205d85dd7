/**
 * The full read of a host the probe recognised as a printer. It continues from the probe's
 * answers instead of asking again.
 */
import { inspectRead } from '../profiles/engine.js';
import { fetchReadPlan } from '../reading/read-device.js';
import type { Profile } from '../profiles/types.js';
import { SnmpClient, type SnmpStats, type SnmpTarget } from '../snmp/client.js';
import type { SnmpValue } from '../snmp/values.js';
import type { DataProblem } from '../reading/quality.js';
import type { Reading } from '../contract/reading.js';

export async function readAfterProbe(
  target: SnmpTarget,
  probe: ReadonlyMap<string, SnmpValue>,
  profile: Profile | undefined,
  readAt: () => Date,
  /** Told how many requests the read sent, also when it fails (for the rate limiter). */
  charge: (requests: number) => void = () => undefined,
): Promise<{ reading: Reading; problems: DataProblem[]; stats: SnmpStats }> {
  const client = new SnmpClient(target);
  try {
    const view = new Map(probe);
    await fetchReadPlan(client, view, profile);
    return { ...inspectRead(view, profile, target.host, readAt(), client.stats.brokenWalks), stats: client.stats };
  } finally {
    charge(client.stats.requests);
    client.close();
  }
}
