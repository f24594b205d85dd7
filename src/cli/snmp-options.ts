/** The SNMP flags shared by `read`, `dump` and `discover`, turned into an SnmpTarget. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { MeterboxError } from '../contract/errors.js';
import { AUTH_PROTOCOLS, PRIV_PROTOCOLS, V3_LEVELS, credentialProblems, impliedLevel, type SnmpCredentials } from '../snmp/credentials.js';
import type { SnmpTarget } from '../snmp/client.js';
import type { NamedCredentials } from '../discovery/credentials.js';

export interface SnmpFlags {
  port: number;
  community: string;
  snmpVersion: '1' | '2c' | '3';
  v3User?: string;
  v3Level?: (typeof V3_LEVELS)[number];
  v3AuthProto?: (typeof AUTH_PROTOCOLS)[number];
  v3AuthKey?: string;
  v3PrivProto?: (typeof PRIV_PROTOCOLS)[number];
  v3PrivKey?: string;
  v3Context?: string;
  timeout: number;
  retries: number;
  maxRepetitions?: number;
  noBulk?: boolean;
  bulk?: boolean;
}

export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}`);
    return n;
  };
}

export interface SnmpOptionsConfig {
  /** `discover`: --community may be given several times; the communities are tried in order. */
  repeatableCommunity?: boolean;
}

export function addSnmpOptions(cmd: Command, cfg: SnmpOptionsConfig = {}): Command {
  cmd.option('--port <port>', 'UDP port of the SNMP agent', intArg('--port', 1, 65535), 161);
  if (cfg.repeatableCommunity) {
    cmd.option('--community <community>', 'v1/v2c community; repeat to try several, in order (default: public)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
  } else {
    cmd.option('--community <community>', 'v1/v2c community', 'public');
  }
  return cmd
    .addOption(new Option('--snmp-version <version>', 'SNMP version').choices(['1', '2c', '3']).default('2c'))
    .option('--v3-user <name>', 'SNMPv3 user name (implies --snmp-version 3)')
    .addOption(new Option('--v3-level <level>', 'SNMPv3 security level').choices([...V3_LEVELS]))
    .addOption(new Option('--v3-auth-proto <proto>', 'SNMPv3 authentication protocol').choices([...AUTH_PROTOCOLS]).default('sha'))
    .option('--v3-auth-key <key>', 'SNMPv3 authentication pass phrase')
    .addOption(new Option('--v3-priv-proto <proto>', 'SNMPv3 privacy protocol').choices([...PRIV_PROTOCOLS]).default('aes'))
    .option('--v3-priv-key <key>', 'SNMPv3 privacy pass phrase')
    .option('--v3-context <name>', 'SNMPv3 context name')
    .option('--timeout <ms>', 'per-request timeout in milliseconds', intArg('--timeout', 10, 600000), 2000)
    .option('--retries <n>', 'retries per request', intArg('--retries', 0, 10), 1)
    .option('--max-repetitions <n>', 'GETBULK max-repetitions', intArg('--max-repetitions', 1, 200))
    .option('--no-bulk', 'walk with GETNEXT instead of GETBULK');
}

function credentialsFromFlags(f: SnmpFlags): SnmpCredentials {
  if (f.snmpVersion === '3' || f.v3User) {
    const level = f.v3Level ?? impliedLevel({ authKey: f.v3AuthKey, privKey: f.v3PrivKey });
    const creds: SnmpCredentials = {
      version: '3',
      user: f.v3User ?? '',
      level,
      authProtocol: f.v3AuthProto,
      authKey: f.v3AuthKey,
      privProtocol: f.v3PrivProto,
      privKey: f.v3PrivKey,
      context: f.v3Context,
    };
    const problems = credentialProblems(creds);
    if (problems.length > 0) throw new MeterboxError('MBX_USAGE', problems.join('; '));
    return creds;
  }
  return { version: f.snmpVersion === '1' ? '1' : '2c', community: f.community };
}

export function targetFromFlags(host: string, f: SnmpFlags): SnmpTarget {
  return {
    host,
    port: f.port,
    credentials: credentialsFromFlags(f),
    timeoutMs: f.timeout,
    retries: f.retries,
    maxRepetitions: f.maxRepetitions,
    bulk: f.bulk !== false,
  };
}

/** The flags of `discover`: like SnmpFlags, with the community repeatable. */
export type DiscoverSnmpFlags = Omit<SnmpFlags, 'community'> & { community?: string[] };

/**
 * Named credential sets from the flags, in the order they are tried: the v3 user first when one
 * is given (the stronger one wins when a device answers both), then each --community
 * (`v2c-1`, `v2c-2`, … or `v1-1`, …). Without either: the community `public`.
 */
export function credentialSetsFromFlags(f: DiscoverSnmpFlags): NamedCredentials[] {
  const sets: NamedCredentials[] = [];
  if (f.snmpVersion === '3' || f.v3User) {
    const v3 = credentialsFromFlags({ ...f, community: '' });
    sets.push({ name: `v3-${f.v3User ?? 'user'}`, credentials: v3 });
  }
  const version = f.snmpVersion === '1' ? '1' : '2c';
  const given = f.community ?? [];
  const communities = given.length > 0 ? given : sets.length === 0 ? ['public'] : [];
  communities.forEach((community, i) => sets.push({ name: `v${version}-${i + 1}`, credentials: { version, community } }));
  return sets;
}
