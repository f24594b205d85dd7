/**
 * Bearer tokens, pure parts. Nothing keeps a token's secret: the database and (optionally) the
 * tokens file hold `sha256:<hex>` of it, and a presented token is hashed and compared in constant
 * time (crypto.timingSafeEqual). SHA-256 rather than a slow KDF is sound here because the tokens
 * this receiver issues are 256 random bits, not passwords; a plain entry in the tokens file is the
 * embedded default's convenience and is hashed when loaded.
 *
 * Issued tokens read `mbx_<id>_<secret>`: the id is a lookup key (listed, revoked by), the secret
 * never leaves the `token add` output.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { MeterboxError } from '../contract/errors.js';
import type { ProviderRole, TokenEntries } from './types.js';

const ISSUED = /^mbx_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const HASHED = /^sha256:([0-9a-f]{64})$/;
export const AGENT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** Compares two `sha256:<hex>` strings in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A new token with its id and hash; the token itself is shown once and never stored. */
export function generateToken(): { id: string; token: string; hash: string } {
  const id = randomBytes(8).toString('hex');
  const token = `mbx_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, token, hash: hashToken(token) };
}

/** The id of an issued token, or undefined for anything else (a tokens-file token). */
export function issuedTokenId(token: string): string | undefined {
  return ISSUED.exec(token)?.[1];
}

/** One entry of the tokens file (or of ReceiverOptions.tokens), hashed. */
export interface FileToken {
  name: string;
  kind: 'agent' | 'provider';
  role?: ProviderRole;
  hash: string;
}

function entryHash(where: string, name: string, v: string): string {
  if (HASHED.test(v)) return v;
  if (v.startsWith('sha256:')) throw new MeterboxError('MBX_RECEIVER_TOKENS', `${where}: the token of '${name}' starts with sha256: but is not 64 lowercase hex digits`, { path: where, entry: name });
  if (v.length < 8) throw new MeterboxError('MBX_RECEIVER_TOKENS', `${where}: the token of '${name}' must be 8 or more characters (or sha256:<64 hex>)`, { path: where, entry: name });
  return hashToken(v);
}

/** Validates token entries; names and roles are checked, tokens are never echoed in errors. */
export function parseTokenEntries(value: unknown, where: string): FileToken[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MeterboxError('MBX_RECEIVER_TOKENS', `${where}: expected an object { "<agentId>": "<token>", "<name>": { "role": "read" | "admin", "token": "<token>" } }`, { path: where });
  }
  const out: FileToken[] = [];
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!AGENT_ID.test(name)) throw new MeterboxError('MBX_RECEIVER_TOKENS', `${where}: '${name.slice(0, 140)}' is not a valid name (letters, digits, . _ : @ -; at most 128)`, { path: where });
    if (typeof v === 'string') {
      out.push({ name, kind: 'agent', hash: entryHash(where, name, v) });
      continue;
    }
    const o = v as { role?: unknown; token?: unknown } | null;
    if (typeof o !== 'object' || o === null || typeof o.token !== 'string' || (o.role !== 'read' && o.role !== 'admin')) {
      throw new MeterboxError('MBX_RECEIVER_TOKENS', `${where}: the entry '${name}' must be a token string (an agent) or { "role": "read" | "admin", "token": "…" } (a provider token)`, { path: where, entry: name });
    }
    out.push({ name, kind: 'provider', role: o.role, hash: entryHash(where, name, o.token) });
  }
  return out;
}

export function loadTokens(path: string): FileToken[] {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MeterboxError('MBX_RECEIVER_TOKENS', `${path}: cannot read the tokens file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { path }, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new MeterboxError('MBX_RECEIVER_TOKENS', `${path}: not JSON (${(err as Error).message}); expected { "<agentId>": "<token>" }`, { path });
  }
  return parseTokenEntries(parsed, path);
}

/** Modification time of the tokens file, to re-read it only when it changed. */
export function tokensFileStamp(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** The entry a token belongs to. Every entry is compared (no early exit), each in constant time. */
export function matchFileToken(entries: readonly FileToken[], token: string): FileToken | undefined {
  const h = hashToken(token);
  let found: FileToken | undefined;
  for (const e of entries) if (sameHash(e.hash, h) && !found) found = e;
  return found;
}

export type { TokenEntries };
