/** Targets: parsing, expansion, exclusions, the size limit and interleaving. Pure (no packets). */
import { describe, expect, it } from 'vitest';
import { expandTargets, interleave, parseEntry, parseTargetArg, worstCaseSeconds } from '../../src/net/targets.js';
import { credentialsFor, preferFirst, validateCredentialSets, type NamedCredentials } from '../../src/discovery/credentials.js';
import { isMeterboxError, MeterboxError } from '../../src/contract/errors.js';

const hosts = async (...specs: Parameters<typeof expandTargets>) => [...interleave(await expandTargets(...specs))].map((a) => a.host);

async function rejects(p: Promise<unknown>): Promise<MeterboxError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MeterboxError) return err;
    throw err;
  }
  throw new Error('expected a MeterboxError');
}

describe('target parsing', () => {
  it('reads CIDR blocks, ranges, short ranges, single addresses and host names', () => {
    expect(parseEntry('10.1.20.0/24')).toMatchObject({ kind: 'cidr' });
    expect(parseEntry('10.1.20.10-10.1.20.99')).toMatchObject({ kind: 'range' });
    expect(parseEntry('10.1.20.10-99')).toEqual(parseEntry('10.1.20.10-10.1.20.99') && expect.objectContaining({ kind: 'range' }));
    expect(parseEntry('10.1.20.7')).toMatchObject({ kind: 'ip' });
    expect(parseEntry('printer-3.example.lan')).toMatchObject({ kind: 'hostname', name: 'printer-3.example.lan' });
    expect(parseEntry('fd00::10')).toMatchObject({ kind: 'ip', range: { family: 6 } });
  });

  it.each([
    ['10.1.20.99-10.1.20.10', /runs backwards/],
    ['10.1.20.10-10.1.20', /not an IPv4 or IPv6 address/],
    ['10.1.20.10-10.1.21.300', /not an IPv4 or IPv6 address/],
    ['10.1.20.0/33', /prefix length must be 0\.\.32/],
    ['10.1.20.300', /not a valid IPv4 address/],
    ['10.1.20.10-fd00::1', /one address family/],
    ['not a host!', /not a CIDR block, range, IP address or host name/],
    ['', /empty/],
  ])('refuses %j with a clear message', (text, why) => {
    let err: unknown;
    try {
      parseEntry(text);
    } catch (e) {
      err = e;
    }
    expect(isMeterboxError(err, 'MBX_TARGET_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(why);
  });

  it('takes label=target on the command line', () => {
    expect(parseTargetArg('vlan20=10.1.20.0/24')).toEqual({ label: 'vlan20', target: '10.1.20.0/24' });
    expect(parseTargetArg('10.1.20.0/24')).toEqual({ target: '10.1.20.0/24' });
  });
});

describe('expansion', () => {
  it('a /24 is its 254 host addresses; /31 and /32 keep every address', async () => {
    const a = await hosts([{ target: '10.1.20.0/24' }]);
    expect(a).toHaveLength(254);
    expect(a[0]).toBe('10.1.20.1');
    expect(a.at(-1)).toBe('10.1.20.254');
    expect(await hosts([{ target: '10.1.20.4/31' }])).toEqual(['10.1.20.4', '10.1.20.5']);
    expect(await hosts([{ target: '10.1.20.9/32' }])).toEqual(['10.1.20.9']);
  });

  it('applies per-target and global exclusions of every form', async () => {
    const a = await hosts([{ target: '10.1.20.0/28', exclude: ['10.1.20.2-10.1.20.4', '10.1.20.8/30'] }], ['10.1.20.14', 'localhost']);
    expect(a).toEqual(['10.1.20.1', '10.1.20.5', '10.1.20.6', '10.1.20.7', '10.1.20.12', '10.1.20.13']);
  });

  it('resolves host names (targets and exclusions) and sweeps an address listed twice only once, for the first target', async () => {
    const t = await expandTargets([{ target: 'localhost', label: 'a' }, { target: '127.0.0.1-127.0.0.3', label: 'b' }], [], {});
    expect(t.map((x) => x.count)).toEqual([1, 2]);
    expect([...interleave(t)]).toEqual([
      { host: '127.0.0.1', target: 0, label: 'a' },
      { host: '127.0.0.2', target: 1, label: 'b' },
      { host: '127.0.0.3', target: 1, label: 'b' },
    ]);
    const err = await rejects(expandTargets([{ target: 'no-such-host.invalid' }]));
    expect(err.code).toBe('MBX_TARGET_INVALID');
    expect(err.message).toMatch(/cannot resolve host name/);
  });

  it('interleaves addresses across targets so one big VLAN does not starve the others', async () => {
    const a = [...interleave(await expandTargets([{ target: '10.1.0.1-10.1.0.5', label: 'big' }, { target: '10.2.0.1-10.2.0.2', label: 'small' }]))];
    expect(a.map((x) => `${x.label}:${x.host}`)).toEqual([
      'big:10.1.0.1',
      'small:10.2.0.1',
      'big:10.1.0.2',
      'small:10.2.0.2',
      'big:10.1.0.3',
      'big:10.1.0.4',
      'big:10.1.0.5',
    ]);
  });

  it('refuses a /8 without force, saying how big it is and how long it would take', async () => {
    const err = await rejects(expandTargets([{ target: '10.0.0.0/8' }], [], { estimate: { concurrency: 128, timeoutMs: 1000, retries: 1 } }));
    expect(err.code).toBe('MBX_TARGET_TOO_LARGE');
    expect(err.message).toContain('16,777,214 addresses');
    expect(err.message).toContain('limit of 65,536');
    expect(err.message).toMatch(/about 72\.8 h/);
    expect(err.message).toContain('--force');
    // With force it is accepted, and expansion stays lazy: the first addresses come at once.
    const t = await expandTargets([{ target: '10.0.0.0/8' }], [], { force: true });
    expect(t[0]?.count).toBe(16_777_214);
    const it8 = interleave(t);
    expect([it8.next().value?.host, it8.next().value?.host]).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(worstCaseSeconds(4014, { concurrency: 128, timeoutMs: 1000, retries: 1 })).toBe(64);
  });
});

describe('credential sets', () => {
  const sets: NamedCredentials[] = [
    { name: 'office', credentials: { version: '2c', community: 'c1' } },
    { name: 'secure', credentials: { version: '3', user: 'meter', level: 'authPriv', authKey: 'authpass123', privKey: 'privpass123' } },
  ];
  it('resolves the names a target gives, in its order, and refuses an unknown name', () => {
    expect(credentialsFor(sets, ['secure', 'office'], 'vlan20').map((s) => s.name)).toEqual(['secure', 'office']);
    expect(credentialsFor(sets, undefined, 'vlan20').map((s) => s.name)).toEqual(['office', 'secure']);
    let err: unknown;
    try {
      credentialsFor(sets, ['ops-v3'], 'vlan20');
    } catch (e) {
      err = e;
    }
    expect(isMeterboxError(err, 'MBX_CREDENTIAL_UNKNOWN')).toBe(true);
    expect((err as Error).message).toBe("target 'vlan20' names credential 'ops-v3', which is not defined; defined: office, secure");
  });
  it('puts the remembered credential first and checks sets are usable', () => {
    expect(preferFirst(sets, 'secure').map((s) => s.name)).toEqual(['secure', 'office']);
    expect(preferFirst(sets, 'gone').map((s) => s.name)).toEqual(['office', 'secure']);
    expect(() => validateCredentialSets([...sets, { name: 'office', credentials: { version: '1', community: 'x' } }])).toThrow(/used twice/);
    expect(() => validateCredentialSets([{ name: 'short', credentials: { version: '3', user: 'u', level: 'authNoPriv', authKey: 'short' } }])).toThrow(/at least 8/);
  });
});
