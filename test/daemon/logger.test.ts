/** The daemon's logger: one child per component however often a job asks for it, and levels that follow setLevel. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDaemonLogger } from '../../src/daemon/logger.js';

describe('createDaemonLogger', () => {
  it('hands out one child per component (a poll every minute does not add a logger every minute)', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const logs = createDaemonLogger('info', [], out);
    const first = logs.child('poll');
    for (let i = 0; i < 1000; i++) expect(logs.child('poll')).toBe(first);
    expect(logs.child('discovery')).not.toBe(first);
    first.info('one');
    logs.child('discovery').info('two');
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { component: string }).component)).toEqual(['poll', 'discovery']);
  });

  it('setLevel reaches every child, made before or after', () => {
    const out = new PassThrough();
    let lines = 0;
    out.on('data', (d: Buffer) => (lines += d.toString().split('\n').filter(Boolean).length));
    const logs = createDaemonLogger('info', [], out);
    const before = logs.child('poll');
    logs.setLevel('warn');
    before.info('hidden');
    logs.child('poll').info('hidden too');
    logs.child('upload').info('hidden as well');
    expect(lines).toBe(0);
    logs.setLevel('debug');
    before.debug('shown');
    logs.child('upload').debug('shown too');
    expect(lines).toBe(2);
  });
});
