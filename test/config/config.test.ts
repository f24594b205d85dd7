/**
 * The configuration: validation messages (path, bad value, expectation; all problems at once),
 * secrets from inline / file / env, permission warnings, masking in `config show` and in logs,
 * and the generated JSON Schema kept in sync with the zod source.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { maskConfig } from '../../src/config/redact.js';
import { SCHEMA_FILE, schemaText } from '../../src/config/write-schema.js';
import { createDaemonLogger } from '../../src/daemon/logger.js';
import { runCli } from '../helpers/cli.js';
import { problemsOf } from '../helpers/config-problems.js';

const TOKEN = 'tok-4f9a1c2e7b-SECRET';

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    agentId: 'box-1',
    provider: { url: 'https://provider.test', token: TOKEN },
    credentials: [{ name: 'pub', version: '2c', community: 'c0mmunity-s3cret' }],
    targets: ['10.9.0.0/28'],
    ...extra,
  };
}


const dir = () => mkdtempSync(join(tmpdir(), 'mbx-config-'));

describe('config validation', () => {
  it('accepts a minimal config and fills in the defaults', () => {
    const r = validateConfig(minimal(), '/etc/meterbox/config.json', { env: {} });
    expect(r.config.schedules).toMatchObject({ discovery: '0 3 * * *', poll: '0 * * * *', upload: '*/15 * * * *', heartbeat: '*/5 * * * *', retention: '30 4 * * *' });
    expect(r.config.health).toEqual({ enabled: true, host: '127.0.0.1', port: 9161, statusPage: true });
    expect(r.config.storage.path).toBe('/var/lib/meterbox/outbox.db');
    expect(r.provider.token).toBe(TOKEN);
    expect(r.credentials).toEqual([{ name: 'pub', credentials: { version: '2c', community: 'c0mmunity-s3cret' } }]);
  });

  it('reports every problem at once, each with its JSON path, the bad value and what is expected', () => {
    const problems = problemsOf(() =>
      validateConfig(
        {
          agentId: 'has spaces',
          provider: { url: 'ftp://provider.test', token: { file: 3 } },
          credentials: [{ name: 'x', version: '4', community: 'c' }],
          schedules: { poll: '99 * * * *', jitterSeconds: -1 },
          health: { port: 70000 },
          storage: { maxAgeDays: 'ninety' },
          colour: 'blue',
        },
        'cfg.json',
        { env: {} },
      ),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(Object.keys(byPath).sort()).toEqual(
      ['$.agentId', '$.colour', '$.credentials[0].version', '$.health.port', '$.provider.token', '$.provider.url', '$.schedules.jitterSeconds', '$.schedules.poll', '$.storage.maxAgeDays'].sort(),
    );
    expect(byPath['$.agentId']).toMatchObject({ value: '"has spaces"', expected: expect.stringMatching(/letters, digits/) });
    expect(byPath['$.provider.url']).toMatchObject({ value: '"ftp://provider.test"', expected: expect.stringMatching(/https:\/\//) });
    expect(byPath['$.provider.token']?.expected).toMatch(/"file"/);
    expect(byPath['$.credentials[0].version']).toMatchObject({ value: '"4"', expected: expect.stringMatching(/'1', '2c' or '3'/) });
    expect(byPath['$.schedules.poll']).toMatchObject({ value: '"99 * * * *"', expected: expect.stringMatching(/cron expression.*minute/) });
    expect(byPath['$.health.port']).toMatchObject({ value: '70000', expected: 'a port 0..65535' });
    expect(byPath['$.storage.maxAgeDays']).toMatchObject({ value: '"ninety"', expected: expect.stringMatching(/number/) });
    expect(byPath['$.colour']?.expected).toMatch(/unknown key "colour"/);
  });

  it('names missing required settings and cross-field problems together', () => {
    const problems = problemsOf(() => validateConfig({ provider: { url: 'https://p.test', token: 't' }, credentials: [] }, 'c.json', { env: {} }));
    expect(problems.map((p) => p.path).sort()).toEqual(['$.agentId', '$.credentials']);
    expect(problems.find((p) => p.path === '$.agentId')?.expected).toMatch(/missing/);

    const cross = problemsOf(() =>
      validateConfig(
        minimal({
          credentials: [
            { name: 'a', version: '2c', community: 'x' },
            { name: 'a', version: '3', user: 'u', level: 'authPriv', authKey: 'short' },
          ],
          targets: [{ target: '10.0.0.0/33' }, { target: '10.1.0.0/24', credentials: ['nope'] }],
        }),
        'c.json',
        { env: {} },
      ),
    );
    const paths = cross.map((p) => p.path);
    expect(paths).toContain('$.credentials[1].name');
    expect(paths).toContain('$.credentials[1]');
    expect(paths).toContain('$.targets[0].target');
    expect(paths).toContain('$.targets[1].credentials[0]');
    expect(cross.find((p) => p.path === '$.targets[1].credentials[0]')?.expected).toMatch(/credential set in \$\.credentials \(a\)/);
    expect(cross.find((p) => p.path === '$.credentials[1]')?.expected).toMatch(/auth key must be at least 8/);
  });

  it('masks secret values in problems', () => {
    const problems = problemsOf(() => validateConfig(minimal({ provider: { url: 'https://p.test', token: TOKEN, colour: 1 }, credentials: [{ name: 'a', version: '2c', community: 'x', extra: TOKEN }] }), 'c.json', { env: {} }));
    expect(JSON.stringify(problems)).not.toContain(TOKEN);
  });

  it('reads secrets from a file and from the environment, and says what is wrong when it cannot', () => {
    const d = dir();
    writeFileSync(join(d, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const cfg = minimal({
      provider: { url: 'https://p.test', token: { file: 'token' } },
      credentials: [{ name: 'v3', version: '3', user: 'mbx', authKey: { env: 'MBX_AUTH' }, privKey: { env: 'MBX_PRIV' } }],
    });
    const r = validateConfig(cfg, join(d, 'config.json'), { env: { MBX_AUTH: 'auth-pass-123', MBX_PRIV: 'priv-pass-456' } });
    expect(r.provider.token).toBe(TOKEN);
    expect(r.credentials[0]?.credentials).toEqual({ version: '3', user: 'mbx', level: 'authPriv', authKey: 'auth-pass-123', privKey: 'priv-pass-456' });
    expect(r.secrets).toEqual(expect.arrayContaining([TOKEN, 'auth-pass-123', 'priv-pass-456']));
    expect(r.warnings).toEqual([]);

    const problems = problemsOf(() => validateConfig({ ...cfg, provider: { url: 'https://p.test', token: { file: 'missing' } } }, join(d, 'config.json'), { env: { MBX_AUTH: 'auth-pass-123' } }));
    expect(problems.map((p) => [p.path, p.expected])).toEqual([
      ['$.provider.token', expect.stringMatching(/readable file .*missing \(ENOENT\)/)],
      ['$.credentials[0].privKey', 'the environment variable MBX_PRIV to be set and non-empty (for the service: in /etc/meterbox/environment)'],
    ]);
  });

  it('warns when the config or a secret file is readable by group or others', () => {
    const d = dir();
    writeFileSync(join(d, 'token'), TOKEN, { mode: 0o644 });
    chmodSync(join(d, 'token'), 0o644);
    const file = join(d, 'config.json');
    writeFileSync(file, JSON.stringify(minimal({ provider: { url: 'https://p.test', token: { file: 'token' } } })));
    chmodSync(file, 0o644);
    const r = loadConfig(file, { env: {} });
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/config file .*config\.json is readable by everyone \(mode 0644\)/);
    expect(r.warnings[1]).toMatch(/secret file .*token is readable by everyone.*chown root:meterbox .*token && chmod 0640/);
    chmodSync(file, 0o600);
    chmodSync(join(d, 'token'), 0o600);
    expect(loadConfig(file, { env: {} }).warnings).toEqual([]);
  });

  it('masks inline secrets in the effective config but shows file and env references', () => {
    const r = validateConfig(
      minimal({ provider: { url: 'https://p.test', token: TOKEN, proxy: 'http://user:pr0xy-pass@proxy.lan:3128' }, credentials: [{ name: 'v3', version: '3', user: 'u', authKey: { env: 'A' }, privKey: 'inline-priv-key' }] }),
      'c.json',
      { env: { A: 'auth-from-env' } },
    );
    const shown = JSON.stringify(maskConfig(r.config));
    for (const s of [TOKEN, 'pr0xy-pass', 'inline-priv-key', 'auth-from-env']) expect(shown).not.toContain(s);
    expect(shown).toContain('"env":"A"');
    expect(shown).toContain('http://user:********@proxy.lan:3128');
  });
});

describe('secrets in logs', () => {
  it('never writes a secret, whether in a redacted field, a nested object or free text', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const logs = createDaemonLogger('debug', [TOKEN, 'c0mmunity-s3cret', 'pr0xy-pass']);
    const log2 = createDaemonLogger('debug', [TOKEN, 'c0mmunity-s3cret', 'pr0xy-pass'], out);
    void logs;
    const log = log2.child('test');
    log.info({ token: TOKEN }, 'plain field');
    log.info({ provider: { token: TOKEN, url: 'https://p' } }, 'nested field');
    log.info({ req: { headers: { authorization: `Bearer ${TOKEN}` } } }, 'header');
    log.info({ credentials: [{ name: 'pub', credentials: { version: '2c', community: 'c0mmunity-s3cret' } }] }, 'credential sets');
    log.error({ err: `connect via http://u:pr0xy-pass@proxy:3128 failed` }, `free text ${TOKEN} in the message`);
    log.warn({ weird: { deeply: { nested: { value: `x${TOKEN}y` } } } }, 'unknown place');
    expect(text.split('\n').filter(Boolean)).toHaveLength(6);
    for (const s of [TOKEN, 'c0mmunity-s3cret', 'pr0xy-pass']) expect(text).not.toContain(s);
    expect(text).toContain('********');
    for (const line of text.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ component: 'test' });
  });
});

describe('config files and commands', () => {
  it('config/meterbox.schema.json is the one generated from the zod schema (run npm run config:schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  it('the example config is valid once its secrets exist', () => {
    const d = dir();
    const example = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'config', 'meterbox.example.json'), 'utf8')) as Record<string, unknown> & { provider: Record<string, unknown> };
    writeFileSync(join(d, 'token'), TOKEN, { mode: 0o600 });
    writeFileSync(join(d, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n', { mode: 0o600 });
    example.provider = { ...example.provider, token: { file: join(d, 'token') }, caFile: join(d, 'ca.pem') };
    const r = validateConfig(example, join(d, 'config.json'), { env: { METERBOX_V3_AUTH: 'auth-pass-1', METERBOX_V3_PRIV: 'priv-pass-1' } });
    expect(r.credentials.map((c) => c.name)).toEqual(['office-v3', 'public']);
  });

  it('`config check` lists every problem and exits 78 (EX_CONFIG); `config show` masks secrets', async () => {
    const d = dir();
    const bad = join(d, 'bad.json');
    writeFileSync(bad, JSON.stringify({ agentId: 'box 1', provider: { url: 'http://x', token: TOKEN }, credentials: [] }), { mode: 0o600 });
    const r = await runCli(['config', 'check', bad]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/3 problems/);
    expect(r.stderr).toMatch(/\$\.agentId \(line 1, column 2\): got "box 1"; expected/);
    expect(r.stderr).toMatch(/\$\.provider\.url \(line 1, column \d+\): got "http:\/\/x"; expected the provider base URL/);
    expect(r.stderr).toMatch(/\$\.credentials \(line 1, column \d+\): got \[\]; expected at least one credential set/);
    expect(r.stderr + r.stdout).not.toContain(TOKEN);

    const good = join(d, 'good.json');
    writeFileSync(good, JSON.stringify(minimal()), { mode: 0o600 });
    const ok = await runCli(['config', 'check', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid \(agent box-1/);
    const show = await runCli(['config', 'show', '--config', good]);
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as { provider: { token: string }; schedules: { poll: string } };
    expect(shown.provider.token).toBe('********');
    expect(shown.schedules.poll).toBe('0 * * * *');
    expect(show.stdout).not.toContain(TOKEN);
    expect(show.stdout).not.toContain('c0mmunity-s3cret');
  });
});
