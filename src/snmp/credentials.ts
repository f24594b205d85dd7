/** SNMP credentials as the user states them (CLI flags, the config file). */

export const V3_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'authPriv'] as const;
export type V3Level = (typeof V3_LEVELS)[number];

/** Every authentication protocol net-snmp implements. */
export const AUTH_PROTOCOLS = ['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type AuthProtocol = (typeof AUTH_PROTOCOLS)[number];

/** Every privacy protocol net-snmp implements (aes256b = Blumenthal, aes256r = Reeder key extension). */
export const PRIV_PROTOCOLS = ['des', 'aes', 'aes256b', 'aes256r'] as const;
export type PrivProtocol = (typeof PRIV_PROTOCOLS)[number];

export interface CommunityCredentials {
  version: '1' | '2c';
  community: string;
}

export interface V3Credentials {
  version: '3';
  user: string;
  level: V3Level;
  authProtocol?: AuthProtocol;
  authKey?: string;
  privProtocol?: PrivProtocol;
  privKey?: string;
  context?: string;
}

export type SnmpCredentials = CommunityCredentials | V3Credentials;

/**
 * The security level when none is stated: what the keys given allow (a privacy key: authPriv; an
 * auth key: authNoPriv; none: noAuthNoPriv), as Net-SNMP's tools decide it. Flags, the config file
 * and discovery all take it from here.
 */
export function impliedLevel(keys: { authKey?: unknown; privKey?: unknown }): V3Level {
  return keys.privKey ? 'authPriv' : keys.authKey ? 'authNoPriv' : 'noAuthNoPriv';
}

/** Problems with a credential set, each naming the field; empty when usable. */
export function credentialProblems(c: SnmpCredentials): string[] {
  if (c.version !== '3') return c.community === '' ? ['community must not be empty'] : [];
  const problems: string[] = [];
  if (!c.user) problems.push('v3 user must not be empty');
  if (c.level !== 'noAuthNoPriv') {
    if (!c.authKey) problems.push(`v3 level ${c.level} needs an auth key (--v3-auth-key)`);
    else if (c.authKey.length < 8) problems.push('v3 auth key must be at least 8 characters (RFC 3414)');
  }
  if (c.level === 'authPriv') {
    if (!c.privKey) problems.push('v3 level authPriv needs a privacy key (--v3-priv-key)');
    else if (c.privKey.length < 8) problems.push('v3 privacy key must be at least 8 characters (RFC 3414)');
  }
  return problems;
}
