/**
 * Signed documents from the provider: a remote configuration or an update manifest travels in the
 * heartbeat answer as `{ envelope, signature, keyId }`, where `envelope` is the JSON text of
 * `{ kind, agentId, version, expiresAt, payload }` and `signature` the Ed25519 signature (base64) of
 * exactly those UTF-8 bytes. Signing the text as sent, not a re-serialised object, needs no
 * canonical JSON: the box verifies the bytes first and parses them only after.
 *
 * The box pins the provider's public keys in its local file (`remote.keys`, `ed25519:<base64url of
 * the 32-byte key>`); more than one lets a provider rotate. Pure: node:crypto only (Ed25519 is in
 * OpenSSL since Node 12), no I/O.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { MeterboxError, type ErrorCode } from '../contract/errors.js';

export const DOCUMENT_KINDS = ['config', 'update'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface Envelope<P = unknown> {
  kind: DocumentKind;
  agentId: string;
  /** Increases with every document of this kind for this agent: an older one is a replay. */
  version: number;
  expiresAt: string;
  payload: P;
}

/** What the heartbeat answer carries. */
export interface SignedDocument {
  envelope: string;
  signature: string;
  /** Which pinned key to try first (sha256 of the raw key, 16 hex digits); a hint, never trusted alone. */
  keyId: string;
}

export const PUBLIC_KEY_PREFIX = 'ed25519:';

/** The form pinned in the config: `ed25519:<base64url raw key>`. */
export function publicKeyText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new MeterboxError('MBX_USAGE', 'not an Ed25519 key');
  return `${PUBLIC_KEY_PREFIX}${jwk.x}`;
}

/** A pinned key as written in the config; throws MBX_CONFIG_INVALID naming what is wrong. */
export function parsePublicKey(text: string): KeyObject {
  const m = /^ed25519:([A-Za-z0-9_-]{43})$/.exec(text.trim());
  if (!m) throw new MeterboxError('MBX_CONFIG_INVALID', `not a pinned Ed25519 key: expected "ed25519:" and 43 base64url characters (as \`meterbox receiver keygen\` prints), got ${JSON.stringify(text.slice(0, 60))}`);
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: m[1] as string }, format: 'jwk' });
  } catch (err) {
    throw new MeterboxError('MBX_CONFIG_INVALID', `not a usable Ed25519 public key: ${(err as Error).message}`, {}, { cause: err });
  }
}

export function keyId(publicText: string): string {
  return createHash('sha256').update(publicText.trim()).digest('hex').slice(0, 16);
}

/** A new signing key pair: the private key as PKCS#8 PEM (keep it off the receiver's disk if you can), the public key as pinned. */
export function generateSigningKey(): { privatePem: string; publicText: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), publicText: publicKeyText(publicKey) };
}

/** Signs an envelope with a PKCS#8 PEM private key (what `receiver publish-*` does). */
export function signDocument(env: Envelope, privatePem: string): SignedDocument {
  let key: KeyObject;
  try {
    key = createPrivateKey(privatePem);
  } catch (err) {
    throw new MeterboxError('MBX_USAGE', `the signing key is not a PEM private key (${(err as Error).message})`, {}, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new MeterboxError('MBX_USAGE', `the signing key is ${key.asymmetricKeyType ?? 'unknown'}, not Ed25519 (make one with \`meterbox receiver keygen\`)`);
  const envelope = JSON.stringify(env);
  const signature = sign(null, Buffer.from(envelope, 'utf8'), key).toString('base64');
  return { envelope, signature, keyId: keyId(publicKeyText(createPublicKey(key))) };
}

export type Verdict<P = unknown> =
  | { ok: true; envelope: Envelope<P>; keyId: string }
  | { ok: false; code: Extract<ErrorCode, `MBX_REMOTE_${string}`>; reason: string; version?: number };

export interface Expectation {
  kind: DocumentKind;
  agentId: string;
  /** The pinned keys (`ed25519:…`); none pinned refuses everything. */
  keys: readonly string[];
  /** The last version of this kind this box took; the document must be newer. */
  lastVersion?: number;
  now: Date;
}

function malformed(reason: string): Verdict<never> {
  return { ok: false, code: 'MBX_REMOTE_MALFORMED', reason };
}

/**
 * Checks, in this order: the shape of the wrapper, the signature over the envelope bytes (against
 * every pinned key: nothing inside is looked at before it verifies), then the envelope's fields,
 * kind, agent, version (newer than `lastVersion`) and expiry. Never throws.
 */
export function verifyDocument<P = unknown>(doc: unknown, expect: Expectation): Verdict<P> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return malformed('not an object with envelope, signature and keyId');
  const d = doc as Record<string, unknown>;
  if (typeof d.envelope !== 'string' || d.envelope.length === 0 || d.envelope.length > 1024 * 1024) return malformed('envelope missing, not a string, or over 1 MiB');
  if (typeof d.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(d.signature)) return malformed('signature missing or not 64 bytes of base64');
  if (expect.keys.length === 0) return { ok: false, code: 'MBX_REMOTE_SIGNATURE', reason: 'no provider key is pinned (remote.keys in the local config): signed documents cannot be checked, so none is taken' };
  const bytes = Buffer.from(d.envelope, 'utf8');
  const sig = Buffer.from(d.signature, 'base64');
  const hinted = typeof d.keyId === 'string' ? d.keyId : undefined;
  const ordered = [...expect.keys].sort((a, b) => Number(keyId(b) === hinted) - Number(keyId(a) === hinted));
  let signer: string | undefined;
  for (const k of ordered) {
    let pub: KeyObject;
    try {
      pub = parsePublicKey(k);
    } catch {
      continue; // the loader reports a bad pinned key; here it simply matches nothing
    }
    if (verify(null, bytes, pub, sig)) {
      signer = k;
      break;
    }
  }
  if (!signer) {
    const other = hinted !== undefined && !expect.keys.some((k) => keyId(k) === hinted);
    return { ok: false, code: 'MBX_REMOTE_SIGNATURE', reason: other ? `signed by key ${hinted.slice(0, 16)}, which is not pinned here` : 'the signature does not match the document with any pinned key (altered in transit, or signed by another key)' };
  }
  let env: unknown;
  try {
    env = JSON.parse(d.envelope);
  } catch {
    return malformed('the signed envelope is not JSON');
  }
  if (typeof env !== 'object' || env === null || Array.isArray(env)) return malformed('the signed envelope is not an object');
  const e = env as Record<string, unknown>;
  if (!(DOCUMENT_KINDS as readonly unknown[]).includes(e.kind)) return malformed(`kind must be one of ${DOCUMENT_KINDS.join(', ')}`);
  if (typeof e.agentId !== 'string') return malformed('agentId missing');
  if (typeof e.version !== 'number' || !Number.isSafeInteger(e.version) || e.version < 1) return malformed('version must be a whole number from 1');
  if (typeof e.expiresAt !== 'string' || Number.isNaN(Date.parse(e.expiresAt))) return malformed('expiresAt must be a date-time');
  if (!('payload' in e) || typeof e.payload !== 'object' || e.payload === null) return malformed('payload missing or not an object');
  const version = e.version;
  if (e.kind !== expect.kind) return malformed(`a ${String(e.kind)} document where a ${expect.kind} document was expected`);
  if (e.agentId !== expect.agentId) return { ok: false, code: 'MBX_REMOTE_WRONG_AGENT', reason: `signed for agent '${e.agentId.slice(0, 64)}', not this box ('${expect.agentId}')`, version };
  if (expect.lastVersion !== undefined && version <= expect.lastVersion) return { ok: false, code: 'MBX_REMOTE_REPLAYED', reason: `version ${version} is not newer than ${expect.lastVersion}, the last one taken (a replay)`, version };
  if (Date.parse(e.expiresAt) <= expect.now.getTime()) return { ok: false, code: 'MBX_REMOTE_EXPIRED', reason: `expired at ${e.expiresAt}`, version };
  return { ok: true, envelope: e as unknown as Envelope<P>, keyId: keyId(signer) };
}
