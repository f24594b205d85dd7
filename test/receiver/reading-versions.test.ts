/**
 * The Reading contract's versions (docs/provider-api.yaml, Reading.readingVersion): the reference
 * receiver accepts version-1 Readings (older agents) and version-2 Readings (units, totals, the
 * new counter names) over real HTTPS and gives them back as stored; an agent configured for a
 * version-1 receiver (provider.readingVersion: 1) sends Readings that a version-1 schema accepts. The version-1 schema is the
 * current one with the version-2 additions taken out, which is what an older receiver validates.
 */
import axios from 'axios';
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { API_DOCUMENT_URL, apiValidators } from '../../src/receiver/schema.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { Uploader } from '../../src/upload/index.js';
import { READING_V1_COUNTERS, READING_VERSION, readingForVersion, type Reading } from '../../src/contract/reading.js';
import { readFixture } from '../helpers/fixtures.js';
import { makeReading } from '../store/helpers.js';
import { AGENT, READ_TOKEN, TOKEN, captureLogger, makePki, openStore, startTestReceiver, tempDir, type TestPki } from '../upload/helpers.js';

const tmp = tempDir('mbx-reading-versions-');
let pki: TestPki;
let rx: RunningReceiver;
const cap = captureLogger();
const v = apiValidators();

/** A Reading validator as a receiver of version 1 has it: no readingVersion, units, totals or new counter names. */
function versionOneValidator(): (r: unknown) => boolean {
  const doc = parseYaml(readFileSync(API_DOCUMENT_URL, 'utf8')) as { components: { schemas: Record<string, { properties?: Record<string, unknown>; enum?: string[] }> } };
  const schemas = doc.components.schemas;
  for (const k of ['readingVersion', 'units', 'totals']) delete schemas.Reading?.properties?.[k];
  (schemas.CounterName as { enum: string[] }).enum = [...READING_V1_COUNTERS];
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(doc as object, 'v1');
  const check = ajv.getSchema('v1#/components/schemas/Reading');
  if (!check) throw new Error('no Reading schema');
  return (r) => check(r) as boolean;
}

/** A version-2 Reading from a fixture: units, both totals, large and scans by colour and use. */
function versionTwoReading(): Reading {
  const r = readFixture('kyocera-taskalfa-5053ci', new Date('2026-11-22T07:30:00.000Z'));
  return { ...r, device: { ...r.device, host: '127.0.0.9' } };
}

beforeAll(async () => {
  pki = await makePki(tmp.dir);
  rx = await startTestReceiver(tmp.dir, pki.good, {});
});
afterAll(async () => {
  await rx?.close();
  tmp.cleanup();
});

const prov = () => axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: pki.caCert }), validateStatus: () => true, headers: { authorization: `Bearer ${READ_TOKEN}` }, proxy: false });

describe('Reading versions', () => {
  it('the fixtures make version-2 Readings that use the version-2 fields', () => {
    const r = versionTwoReading();
    expect(r.readingVersion).toBe(READING_VERSION);
    expect(r.units?.largeMono).toBe('impressions');
    expect(r.totals?.difference).toBe(-434);
    expect(v.check('Reading', r)).toEqual([]);
  });

  it('the receiver accepts a version-1 and a version-2 Reading and gives both back as stored', async () => {
    const old = makeReading(1, '2026-11-22T07:00:00.000Z');
    expect(old.readingVersion).toBeUndefined();
    const now = versionTwoReading();
    const store = openStore(tmp.dir, 'both.db');
    store.saveCycle([old, now]);
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger });
    expect(await u.drainOnce()).toMatchObject({ delivered: 2, rejected: 0, quarantined: 0 });

    const back = await prov().get(`/v1/devices/${encodeURIComponent(now.device.key)}/readings`);
    expect(back.status).toBe(200);
    const stored = (back.data as { readings: Reading[] }).readings.find((r) => r.id === now.id);
    expect(stored).toMatchObject({ readingVersion: 2, units: now.units, totals: now.totals, counters: { largeMono: 3470, largeColor: 2310, scanSend: 40312 } });
    const oldBack = await prov().get(`/v1/devices/${encodeURIComponent(old.device.key)}/readings`);
    const storedOld = (oldBack.data as { readings: Reading[] }).readings.find((r) => r.id === old.id);
    expect(storedOld?.counters).toEqual(old.counters);
    expect(storedOld).not.toHaveProperty('readingVersion');
    store.close();
  });

  it('an agent set to readingVersion 1 sends what a version-1 receiver accepts', async () => {
    const v1 = versionOneValidator();
    const now = { ...versionTwoReading(), id: '019ab1c2-0000-7000-8000-000000000002' };
    expect(v1(now)).toBe(false);
    const cut = readingForVersion(now, 1);
    expect(v1(cut)).toBe(true);
    expect(cut.counters).not.toHaveProperty('largeMono');
    expect(cut.counters.large).toBe(now.counters.large);

    const store = openStore(tmp.dir, 'v1.db');
    store.saveCycle([now]);
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger, readingVersion: 1 });
    expect(await u.drainOnce()).toMatchObject({ delivered: 1 });
    const sent = rx.requests().filter((q) => q.path === '/v1/readings').at(-1)?.body as { readings: unknown[] };
    expect(sent.readings).toHaveLength(1);
    expect(v1(sent.readings[0])).toBe(true);
    expect(sent.readings[0]).not.toHaveProperty('units');
    store.close();
  });
});
