import { join } from 'node:path';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/profiles/engine.js';
import { loadSnmprecFile } from '../../src/simulator/fleet.js';
import type { Reading } from '../../src/reading/types.js';

export function fixturePath(name: string): string {
  return join(DEVICE_FIXTURES, name.endsWith('.snmprec') ? name : `${name}.snmprec`);
}

/** The Reading a fixture yields through the profile engine, without id (it is random) and at a fixed time. */
export function readingOfFixture(name: string): Omit<Reading, 'id'> {
  const view = new Map(loadSnmprecFile(fixturePath(name)).map((vb) => [vb.oid, vb.value]));
  const { id: _id, ...rest } = readingFromRecording(view, PROFILES, 'fixture', new Date(0));
  return rest;
}
