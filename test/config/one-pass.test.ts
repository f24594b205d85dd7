/**
 * The configuration checked the way an installer meets it: every problem of the file in one pass
 * (schema and cross-field together), JSON syntax errors with line and column, secret fields never
 * shown whatever their type, `config check --no-secrets`, the sweep-size limit named after
 * snmp.maxAddresses, and secrets from systemd credentials.
 */
import { chownSync, chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadDiscoveryConfig, validateConfig } from '../../src/config/load.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { problemsOf } from '../helpers/config-problems.js';

const dir = () => mkdtempSync(join(tmpdir(), 'mbx-config-'));


const base = { agentId: 'box-1', provider: { url: 'https://p.test', token: 'tok-0d5e1f-SECRET' }, credentials: [{ name: 'pub', version: '2c', community: 'c0mm-s3cret' }] };

describe('one validation pass', () => {
  it('reports schema problems and target / credential-name problems of the same file together', () => {
    const problems = problemsOf(() =>
      validateConfig(
        {
          ...base,
          agentId: 'has spaces',
          credentials: [
            { name: 'a', version: '2c', community: 'x1y2z3' },
            { name: 'b', version: '9', community: 'y1y2y3' },
          ],
          targets: [{ target: '10.1.0.0/24', credentials: ['nope'] }, '10.0.0.0/33', { target: '10.2.0.0/24', credentials: ['b'] }],
        },
        'c.json',
        { env: {} },
      ),
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.agentId', '$.credentials[1].version', '$.targets[0].credentials[0]', '$.targets[1]']));
    // 'b' is a name even though the rest of its set is wrong: a target naming it is not a second problem.
    expect(paths).not.toContain('$.targets[2].credentials[0]');
  });

  it('never shows the value of a secret field, whatever its type', () => {
    const problems = problemsOf(() =>
      validateConfig(
        {
          ...base,
          provider: { url: 'https://p.test', token: 98765432101 },
          credentials: [
            { name: 'list', version: '2c', community: ['s3cret-in-a-list'] },
            { name: 'obj', version: '3', user: 'u', authKey: { key: 'auth-s3cret-obj' } },
          ],
        },
        'c.json',
        { env: {} },
      ),
    );
    const text = JSON.stringify(problems);
    for (const s of ['s3cret-in-a-list', '98765432101', 'auth-s3cret-obj']) expect(text).not.toContain(s);
    const by = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(by['$.credentials[0].community']?.value).toBe('a list (not shown: the field holds a secret)');
    expect(by['$.provider.token']?.value).toBe('a number (not shown: the field holds a secret)');
  });

  it('locates a JSON syntax error by line and column, also where V8 gives no position', async () => {
    const d = dir();
    const file = join(d, 'config.json');
    writeFileSync(file, '{\n  "agentId": "box-1",\n  "targets": ["10.1.0.0/24",,]\n}\n', { mode: 0o600 });
    const problems = problemsOf(() => loadConfig(file, { env: {} }));
    expect(problems).toEqual([expect.objectContaining({ path: '$', line: 3, column: 29, expected: expect.stringMatching(/^valid JSON: value expected/) })]);
    const r = await runCli(['config', 'check', file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/\$ \(line 3, column 29\): expected valid JSON/);
  });

  it('gives the line of each problem in the file', async () => {
    const d = dir();
    const file = join(d, 'config.json');
    writeFileSync(file, JSON.stringify({ ...base, snmp: { retries: 99 } }, null, 2), { mode: 0o600 });
    const r = await runCli(['config', 'check', file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/\$\.snmp\.retries \(line 15, column 5\): got 99; expected retries, 0\.\.10/);
  });
});

describe('config check --no-secrets', () => {
  const example = join(PACKAGE_ROOT, 'config', 'meterbox.example.json');

  it('passes the example, whose secrets do not exist here, and lists what it did not read', async () => {
    const plain = await runCli(['config', 'check', example], { env: { METERBOX_V3_AUTH: '', METERBOX_V3_PRIV: '' } });
    expect(plain.code).toBe(78);
    const r = await runCli(['config', 'check', '--no-secrets', example]);
    expect(r.stderr).not.toMatch(/problem/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid in shape \(agent acme-hq-box-01/);
    expect(r.stdout).toContain('$.provider.token: {"credential":"token"}');
    expect(r.stdout).toContain('$.credentials[0].authKey: {"env":"METERBOX_V3_AUTH"}');
    expect(r.stderr).toMatch(/warning: provider\.url https:\/\/mps\.provider\.example is a placeholder/);
  });

  it('still checks shape, references and which keys a v3 level needs', async () => {
    const d = dir();
    const file = join(d, 'config.json');
    writeFileSync(file, JSON.stringify({ ...base, provider: { url: 'https://p.test', token: { file: 'missing-token' } }, credentials: [{ name: 'v3', version: '3', user: 'u', level: 'authPriv', authKey: { env: 'A' } }], targets: [{ target: '10.1.0.0/24', credentials: ['v2'] }] }), { mode: 0o600 });
    const r = await runCli(['config', 'check', '--no-secrets', file]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/\$\.credentials\[0\].*needs a privacy key/);
    expect(r.stderr).toMatch(/\$\.targets\[0\]\.credentials\[0\].*got "v2"/);
    expect(r.stderr).not.toMatch(/missing-token/);
  });
});

describe('the sweep-size limit', () => {
  it('is checked by config check, naming snmp.maxAddresses; raising it lets the config through', () => {
    const problems = problemsOf(() => validateConfig({ ...base, targets: ['10.0.0.0/8'] }, 'c.json', { env: {} }));
    expect(problems).toEqual([expect.objectContaining({ path: '$.targets', value: '16,777,214 addresses', expected: expect.stringMatching(/^at most snmp\.maxAddresses \(65,536\).*raise snmp\.maxAddresses/) })]);
    expect(validateConfig({ ...base, targets: ['10.0.0.0/8'], snmp: { maxAddresses: 16_777_216 } }, 'c.json', { env: {} }).config.targets).toEqual(['10.0.0.0/8']);
    // Exclusions count: a /15 less one of its /16s fits.
    expect(validateConfig({ ...base, targets: [{ target: '10.4.0.0/15', exclude: ['10.5.0.0/16'] }] }, 'c.json', { env: {} }).config.targets).toHaveLength(1);
  });
});

describe('secrets from systemd credentials', () => {
  it('reads { "credential": name } from $CREDENTIALS_DIRECTORY, by name or as the unit loads the store (meterbox_<name>)', () => {
    const creds = dir();
    writeFileSync(join(creds, 'token'), 'tok-from-credential\n', { mode: 0o400 });
    writeFileSync(join(creds, 'meterbox_v2c'), 'community-from-store', { mode: 0o400 });
    const r = validateConfig(
      { ...base, provider: { url: 'https://p.test', token: { credential: 'token' } }, credentials: [{ name: 'c', version: '2c', community: { credential: 'v2c' } }] },
      'c.json',
      { env: { CREDENTIALS_DIRECTORY: creds } },
    );
    expect(r.provider.token).toBe('tok-from-credential');
    expect(r.credentials[0]?.credentials).toEqual({ version: '2c', community: 'community-from-store' });
    expect(r.secrets).toEqual(expect.arrayContaining(['tok-from-credential', 'community-from-store']));
  });

  it('finds an { "env" } secret in the unit\'s EnvironmentFile when the environment lacks it (config check from a shell)', () => {
    const d = dir();
    writeFileSync(join(d, 'environment'), '# secrets for meterbox.service\nMETERBOX_TOKEN="tok-from-environment-file"\n', { mode: 0o640 });
    const r = validateConfig({ ...base, provider: { url: 'https://p.test', token: { env: 'METERBOX_TOKEN' } } }, 'c.json', { env: {}, environmentFile: join(d, 'environment') });
    expect(r.provider.token).toBe('tok-from-environment-file');
    expect(validateConfig({ ...base, provider: { url: 'https://p.test', token: { env: 'METERBOX_TOKEN' } } }, 'c.json', { env: { METERBOX_TOKEN: 'from-env' }, environmentFile: join(d, 'environment') }).provider.token).toBe('from-env');
  });

  it('says where to put a credential that is missing', () => {
    const problems = problemsOf(() => validateConfig({ ...base, provider: { url: 'https://p.test', token: { credential: 'token' } } }, 'c.json', { env: { CREDENTIALS_DIRECTORY: dir() } }));
    expect(problems).toEqual([
      expect.objectContaining({ path: '$.provider.token', expected: expect.stringMatching(/the systemd credential "token": no token in \$CREDENTIALS_DIRECTORY .*put the secret in \/etc\/meterbox\/credentials\/token \(root:root 0600\).*LoadCredential=/) }),
    ]);
  });
});

describe.skipIf(process.getuid?.() !== 0)('secret file permissions (as root)', () => {
  it('advise 0640 root:meterbox, which the service user can read, when a secret file is readable by another group', () => {
    const d = dir();
    mkdirSync(join(d, 'etc'));
    const token = join(d, 'etc', 'token');
    writeFileSync(token, 'tok-group-readable');
    chmodSync(token, 0o640);
    chownSync(token, 0, 65534);
    const r = validateConfig({ ...base, provider: { url: 'https://p.test', token: { file: token } } }, join(d, 'config.json'), { env: {} });
    expect(r.warnings).toEqual([expect.stringMatching(/secret file .*token is readable by group \S+ \(mode 0640\); the service \(user meterbox\) must read it.*chown root:meterbox .*token && chmod 0640/)]);
  });
});

describe('discover --config through the same loader', () => {
  it('takes a file with only the discovery sections: credentials resolved, v3 level implied once, targets parsed once', () => {
    const file = join(dir(), 'discovery.json');
    writeFileSync(
      file,
      JSON.stringify({
        credentials: [
          { name: 'office', version: '2c', community: 'alpha-1' },
          { name: 'ops', version: '3', user: 'ops', authProtocol: 'sha', authKey: 'auth-key-1' },
        ],
        targets: ['vlan20=10.1.20.0/28', { target: '10.1.30.1', credentials: ['ops'] }],
        exclude: ['10.1.20.1'],
        devices: { allow: ['SN1'] },
      }),
      { mode: 0o600 },
    );
    const d = loadDiscoveryConfig(file, { env: {} });
    expect(d.credentials.map((c) => c.name)).toEqual(['office', 'ops']);
    expect(d.credentials[1]?.credentials).toMatchObject({ version: '3', user: 'ops', level: 'authNoPriv' });
    expect(d.targets).toEqual([{ label: 'vlan20', target: '10.1.20.0/28' }, { target: '10.1.30.1', credentials: ['ops'] }]);
    expect(d.exclude).toEqual(['10.1.20.1']);
    expect(d.allow).toEqual(['SN1']);
    expect(d.warnings).toEqual([]);
  });

  it('refuses what the agent would refuse, naming the field', () => {
    const file = join(dir(), 'discovery.json');
    writeFileSync(file, JSON.stringify({ credentials: [{ name: 'x', version: '3' }], targets: ['10.0.0.0/33'] }), { mode: 0o600 });
    const paths = problemsOf(() => loadDiscoveryConfig(file, { env: {} })).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.credentials[0].user', '$.targets[0]']));
  });
});
