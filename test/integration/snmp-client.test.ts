import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnmpClient } from '../../src/snmp/client.js';
import { startAgent, type RunningAgent } from '../../src/simulator/agent.js';
import { MibData } from '../../src/simulator/mib-data.js';
import { parseSnmprec } from '../../src/snmp/snmprec.js';
import { asNumber, asText } from '../../src/snmp/values.js';
import { freeUdpPort } from '../helpers/ports.js';
import { isMeterboxError } from '../../src/contract/errors.js';

const REC = [
  '1.3.6.1.2.1.1.1.0|4|Test Printer',
  '1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.18334.1.1.1.2.1.117.2.2',
  '1.3.6.1.2.1.43.10.2.1.4.1.1|65|12345',
  '1.3.6.1.2.1.43.11.1.1.6.1.1|4|Toner (Black)',
  '1.3.6.1.2.1.43.11.1.1.6.1.2|4x|546f6e657220284379616e29',
  '1.3.6.1.2.1.43.11.1.1.9.1.1|2|40',
  '1.3.6.1.2.1.43.11.1.1.9.1.2|2|-3',
  '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0|70|9876543210',
  ...Array.from({ length: 120 }, (_, i) => `1.3.6.1.4.1.99.1.${i + 1}|2|${i}`),
  // A 12-column, 3-row table.
  ...Array.from({ length: 36 }, (_, i) => `1.3.6.1.4.1.98.1.${(i % 12) + 1}.${Math.floor(i / 12) + 1}|2|${i}`),
].join('\n');

describe('SnmpClient against the simulator agent', () => {
  const agents: RunningAgent[] = [];
  let port = 0;
  beforeAll(async () => {
    port = await freeUdpPort();
    const data = new MibData(parseSnmprec(REC).varbinds);
    agents.push(await startAgent({ address: '127.0.0.1', port, data, auth: { communities: ['public'], users: [
      { version: '3', user: 'meter', level: 'authPriv', authProtocol: 'sha256', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' },
    ] }, faults: { maxGetOids: 10 } }));
  });
  afterAll(async () => {
    for (const a of agents) await a.close();
  });

  // The agent answers from this process: a timeout that outlasts a starved event loop (with 500 ms,
  // a half-second stall let the timer fire before the waiting answer was read: MBX_SNMP_TIMEOUT).
  const client = (over: Partial<ConstructorParameters<typeof SnmpClient>[0]> = {}) =>
    new SnmpClient({ host: '127.0.0.1', port, credentials: { version: '2c', community: 'public' }, timeoutMs: 1500, retries: 0, ...over });

  it('gets scalars, decodes hex strings and Counter64, and splits on tooBig', async () => {
    const c = client();
    const oids = ['1.3.6.1.2.1.1.1.0', '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0', '1.3.6.1.2.1.43.11.1.1.6.1.2', '1.3.6.1.2.1.1.99.0',
      ...Array.from({ length: 20 }, (_, i) => `1.3.6.1.4.1.99.1.${i + 1}`)];
    const res = await c.get(oids);
    c.close();
    expect(asText(res.get('1.3.6.1.2.1.1.1.0'))).toBe('Test Printer');
    expect(res.get('1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0')).toEqual({ type: 'counter64', value: 9876543210n });
    expect(asText(res.get('1.3.6.1.2.1.43.11.1.1.6.1.2'))).toBe('Toner (Cyan)');
    expect(res.has('1.3.6.1.2.1.1.99.0')).toBe(false);
    expect(res.size).toBe(23);
    expect(c.stats.requests).toBeGreaterThan(1);
  });

  it('walks subtrees with GETBULK and stops at the end of each', async () => {
    const c = client();
    const res = await c.walkMany(['1.3.6.1.2.1.43.11.1.1.6', '1.3.6.1.2.1.43.11.1.1.9', '1.3.6.1.4.1.99.1']);
    c.close();
    expect(res.get('1.3.6.1.2.1.43.11.1.1.6')?.map((v) => v.oid)).toEqual(['1.3.6.1.2.1.43.11.1.1.6.1.1', '1.3.6.1.2.1.43.11.1.1.6.1.2']);
    expect(res.get('1.3.6.1.2.1.43.11.1.1.9')?.map((v) => asNumber(v.value))).toEqual([40, -3]);
    expect(res.get('1.3.6.1.4.1.99.1')?.length).toBe(120);
  });

  it('walks many columns side by side with GETNEXT, splitting the PDU when the agent says tooBig', async () => {
    const c = client({ bulk: false });
    const roots = Array.from({ length: 12 }, (_, i) => `1.3.6.1.4.1.98.1.${i + 1}`);
    const res = await c.walkMany(roots);
    c.close();
    expect([...res.values()].map((v) => v.length)).toEqual(Array(12).fill(3));
    // One refused 12-OID PDU, then two halves of 6 columns, each 3 rows plus the step that leaves the table.
    expect(c.stats.requests).toBe(9);
  });

  it('walks with GETNEXT in v1 and handles noSuchName', async () => {
    const c = client({ credentials: { version: '1', community: 'public' } });
    const res = await c.walk('1.3.6.1.4.1.99.1');
    const got = await c.get(['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.98.0']);
    c.close();
    expect(res.length).toBe(120);
    expect(asText(got.get('1.3.6.1.2.1.1.1.0'))).toBe('Test Printer');
    expect(got.size).toBe(1);
  });

  it('reads with v3 authPriv', async () => {
    const c = client({ credentials: { version: '3', user: 'meter', level: 'authPriv', authProtocol: 'sha256', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' } });
    const res = await c.get(['1.3.6.1.2.1.1.1.0']);
    c.close();
    expect(asText(res.get('1.3.6.1.2.1.1.1.0'))).toBe('Test Printer');
  });

  it('times out with MBX_SNMP_TIMEOUT on a wrong community', async () => {
    const c = client({ credentials: { version: '2c', community: 'wrong' }, timeoutMs: 200 });
    const err = await c.get(['1.3.6.1.2.1.1.1.0']).catch((e: unknown) => e);
    c.close();
    expect(isMeterboxError(err, 'MBX_SNMP_TIMEOUT')).toBe(true);
  });
});
