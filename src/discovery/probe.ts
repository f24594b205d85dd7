/**
 * The light probe: one GET of the recognition objects (sysObjectID, sysDescr, hrDeviceType.1,
 * prtGeneralPrinterName.1 and what profiles match on; profiles/match.ts probeOids) per credential.
 *
 * Cost rules:
 * - Each attempt sends the GET once with every credential still in play, each packet paid for in
 *   the rate limiter, and waits one timeout at most. net-snmp's own retries are off so that every
 *   packet passes the limiter. A silent host therefore costs exactly timeout × (retries + 1),
 *   however many credentials there are, and nothing more.
 * - Credentials are ranked in order: the answer of the first credential that works wins, and the
 *   attempt ends as soon as every earlier credential has failed. A host that answered one credential
 *   is alive, so the others get no retries.
 * - A credential the agent rejects (SNMPv3 wrong key or user: EAuthFailure) is out at once.
 */
import { MeterboxError, isMeterboxError } from '../contract/errors.js';
import { SnmpClient } from '../snmp/client.js';
import type { SnmpValue } from '../snmp/values.js';
import type { NamedCredentials } from './credentials.js';
import type { TokenBucket } from './rate.js';

export interface ProbeSettings {
  port: number;
  timeoutMs: number;
  retries: number;
  oids: readonly string[];
  bucket: TokenBucket;
}

export type ProbeOutcome =
  | { kind: 'silent' }
  | { kind: 'answered'; credential: NamedCredentials; view: Map<string, SnmpValue> }
  /** Something answered but no credential could be used (auth failure, malformed answers). */
  | { kind: 'failed'; error: MeterboxError };

type State = { s: 'pending' } | { s: 'ok'; view: Map<string, SnmpValue> } | { s: 'timeout' } | { s: 'failed'; error: MeterboxError };

function toMbx(err: unknown): MeterboxError {
  return err instanceof MeterboxError ? err : new MeterboxError('MBX_SNMP_ERROR', String((err as Error)?.message ?? err));
}

export async function probeHost(host: string, creds: readonly NamedCredentials[], p: ProbeSettings): Promise<ProbeOutcome> {
  const failures = new Map<number, MeterboxError>();
  let live = creds.map((_, i) => i);
  for (let attempt = 0; attempt <= p.retries && live.length > 0; attempt++) {
    await p.bucket.take(live.length);
    const clients = live.map((i) => new SnmpClient({ host, port: p.port, credentials: (creds[i] as NamedCredentials).credentials, timeoutMs: p.timeoutMs, retries: 0 }));
    const states: State[] = live.map(() => ({ s: 'pending' }));
    const winner = await new Promise<number | undefined>((resolve) => {
      const decide = (): void => {
        for (let k = 0; k < states.length; k++) {
          const st = states[k] as State;
          if (st.s === 'pending') return;
          if (st.s === 'ok') return resolve(k);
        }
        resolve(undefined);
      };
      clients.forEach((c, k) => {
        c.get(p.oids).then(
          (view) => {
            // An answer without any probe object still proves the credential works (an empty MIB view).
            states[k] = { s: 'ok', view: new Map(view) };
            decide();
          },
          (err: unknown) => {
            states[k] = isMeterboxError(err, 'MBX_SNMP_TIMEOUT') ? { s: 'timeout' } : { s: 'failed', error: toMbx(err) };
            decide();
          },
        );
      });
    });
    // Closing cancels whatever is still outstanding (later-ranked credentials).
    for (const c of clients) c.close();
    if (winner !== undefined) {
      const st = states[winner] as Extract<State, { s: 'ok' }>;
      return { kind: 'answered', credential: creds[live[winner] as number] as NamedCredentials, view: st.view };
    }
    const next: number[] = [];
    states.forEach((st, k) => {
      const i = live[k] as number;
      if (st.s === 'failed') failures.set(i, st.error);
      else if (st.s === 'timeout' || st.s === 'pending') next.push(i);
    });
    live = next;
  }
  if (failures.size === 0) return { kind: 'silent' };
  // Prefer the most telling failure: an authentication failure names what to fix.
  const all = [...failures.values()];
  const error = all.find((e) => e.code === 'MBX_SNMP_AUTH') ?? (all[0] as MeterboxError);
  return { kind: 'failed', error };
}
