/**
 * Keeping secrets out of output: the masked config for `config show`, and a stream that masks any known secret value wherever it appears in a log line (an error message
 * quoting a proxy URL, a misplaced log field), as a second line of defence behind the redact
 * paths (src/log.ts).
 */
import { Writable } from 'node:stream';
import type { MeterboxConfig, SecretRef } from './schema.js';

export const MASK = '********';

function maskRef(ref: SecretRef | undefined): SecretRef | undefined {
  if (ref === undefined || typeof ref !== 'string') return ref;
  return MASK;
}

function maskProxy(ref: SecretRef | undefined): SecretRef | undefined {
  if (ref === undefined || typeof ref !== 'string') return ref;
  return ref.replace(/^(https?:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => `${scheme}${auth.split(':')[0] ?? ''}:${MASK}@`);
}

/** The effective config with every inline secret masked; file and env references are shown as references. */
export function maskConfig(c: MeterboxConfig): MeterboxConfig {
  return {
    ...c,
    provider: { ...c.provider, token: maskRef(c.provider.token) as SecretRef, ...(c.provider.proxy !== undefined ? { proxy: maskProxy(c.provider.proxy) } : {}) },
    ...(c.health.lan ? { health: { ...c.health, lan: { ...c.health.lan, password: maskRef(c.health.lan.password) as SecretRef } } } : {}),
    credentials: c.credentials.map((k) =>
      k.version === '3'
        ? { ...k, ...(k.authKey !== undefined ? { authKey: maskRef(k.authKey) } : {}), ...(k.privKey !== undefined ? { privKey: maskRef(k.privKey) } : {}) }
        : { ...k, community: maskRef(k.community) as SecretRef },
    ),
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every known secret (also in its JSON-escaped form) by the mask. */
export class SecretMasker {
  private re?: RegExp;

  constructor(secrets: readonly string[] = []) {
    this.set(secrets);
  }

  set(secrets: readonly string[]): void {
    const forms = new Set<string>();
    for (const s of secrets) {
      if (s.length < 3) continue;
      forms.add(s);
      forms.add(JSON.stringify(s).slice(1, -1));
    }
    const list = [...forms].sort((a, b) => b.length - a.length).map(escapeRe);
    this.re = list.length > 0 ? new RegExp(list.join('|'), 'g') : undefined;
  }

  mask(text: string): string {
    return this.re ? text.replace(this.re, MASK) : text;
  }
}

/** A line stream for pino that masks secrets, then writes to `out` (stdout by default). */
export function maskingStream(masker: SecretMasker, out: NodeJS.WritableStream = process.stdout): Writable {
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      const text = masker.mask(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      if (out.write(text)) cb();
      else out.once('drain', () => cb());
    },
  });
}
