/** Per-agent bearer tokens: a JSON file `{ "<agentId>": "<token>", … }`. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MeterboxError } from '../errors.js';

export function loadTokens(path: string): Record<string, string> {
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
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MeterboxError('MBX_RECEIVER_TOKENS', `${path}: expected an object { "<agentId>": "<token>" }`, { path });
  }
  const out: Record<string, string> = {};
  for (const [agent, token] of Object.entries(parsed)) {
    if (typeof token !== 'string' || token.length < 8) {
      throw new MeterboxError('MBX_RECEIVER_TOKENS', `${path}: the token of agent '${agent}' must be a string of 8 or more characters`, { path, agent });
    }
    out[agent] = token;
  }
  return out;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Finds the agent a bearer token belongs to, comparing in constant time. */
export function agentForToken(tokens: Record<string, string>, token: string): string | undefined {
  const d = digest(token);
  let found: string | undefined;
  for (const [agent, t] of Object.entries(tokens)) if (timingSafeEqual(digest(t), d)) found = agent;
  return found;
}
