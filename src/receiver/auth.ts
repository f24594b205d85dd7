/**
 * Who is asking: a bearer token → an agent (may post its own readings and heartbeats, nothing
 * else) or a provider token with a role (`read`: the read endpoints; `admin`: also commands and
 * fault injection). Tokens come from the tokens file / options (the embedded default) and from the
 * database (`meterbox receiver token add`); revoked database tokens are refused at once on every
 * node, since nothing is cached.
 */
import type { Logger } from 'pino';
import type { ReceiverStore } from './store/types.js';
import { hashToken, issuedTokenId, loadTokens, matchFileToken, parseTokenEntries, sameHash, tokensFileStamp, type FileToken } from './tokens.js';
import type { Principal, TokenEntries } from './types.js';

export class Authenticator {
  private file: FileToken[];
  private stamp: number;

  constructor(
    private readonly opts: { tokens?: TokenEntries; tokensFile?: string; store: ReceiverStore; log: Logger },
  ) {
    this.file = opts.tokens ? parseTokenEntries(opts.tokens, 'tokens') : [];
    this.stamp = opts.tokensFile ? tokensFileStamp(opts.tokensFile) : 0;
    if (opts.tokensFile) this.file = [...this.file, ...loadTokens(opts.tokensFile)];
  }

  /** Agent ids named by the tokens file / options (listed by GET /v1/agents even before they speak). */
  fileAgents(): string[] {
    return this.file.filter((t) => t.kind === 'agent').map((t) => t.name);
  }

  /** Whether there is no live token at all (every request would be refused). */
  async none(): Promise<boolean> {
    return this.file.length === 0 && !(await this.opts.store.listTokens()).some((t) => !t.revokedAt);
  }

  /** Whether any admin provider token exists (fault injection refuses to start without one). */
  async hasAdmin(): Promise<boolean> {
    if (this.file.some((t) => t.role === 'admin')) return true;
    return (await this.opts.store.listTokens()).some((t) => t.role === 'admin' && !t.revokedAt);
  }

  /**
   * Who a token belongs to. With `countAt` (an agent's post), the request is also counted in its
   * rate window; `hits` is then the count so far, when the store counted it with the lookup.
   */
  async principal(token: string, countAt?: Date): Promise<(Principal & { hits?: number }) | undefined> {
    const id = issuedTokenId(token);
    if (id) {
      const hash = hashToken(token);
      const t = await this.opts.store.findToken(id, countAt ? { windowStart: countAt, hash } : undefined);
      if (!t || t.revokedAt || !sameHash(t.hash, hash)) return undefined;
      if (t.kind === 'agent' && t.agentId) return { kind: 'agent', agentId: t.agentId, tokenId: t.id, ...(t.hits !== undefined ? { hits: t.hits } : {}) };
      if (t.kind === 'provider' && t.role) return { kind: 'provider', name: t.name ?? t.id, role: t.role, tokenId: t.id };
      return undefined;
    }
    let e = matchFileToken(this.file, token);
    if (!e) e = this.reloadIfChanged() ? matchFileToken(this.file, token) : undefined;
    if (!e) return undefined;
    return e.kind === 'agent' ? { kind: 'agent', agentId: e.name, tokenId: `file:${e.name}` } : { kind: 'provider', name: e.name, role: e.role ?? 'read', tokenId: `file:${e.name}` };
  }

  /**
   * A live provider token by its id (`file:<name>` for the tokens file), with its stored hash: the
   * fleet view signs a session with it, so the session ends when the token is revoked or removed.
   */
  async providerById(tokenId: string): Promise<{ principal: Principal & { kind: 'provider' }; hash: string } | undefined> {
    if (tokenId.startsWith('file:')) {
      this.reloadIfChanged();
      const e = this.file.find((t) => t.kind === 'provider' && `file:${t.name}` === tokenId);
      return e ? { principal: { kind: 'provider', name: e.name, role: e.role ?? 'read', tokenId }, hash: e.hash } : undefined;
    }
    const t = await this.opts.store.findToken(tokenId);
    if (!t || t.revokedAt || t.kind !== 'provider' || !t.role) return undefined;
    return { principal: { kind: 'provider', name: t.name ?? t.id, role: t.role, tokenId: t.id }, hash: t.hash };
  }

  /** Re-reads the tokens file when it changed on disk; a broken file keeps the previous tokens. */
  private reloadIfChanged(): boolean {
    const path = this.opts.tokensFile;
    if (!path) return false;
    const stamp = tokensFileStamp(path);
    if (stamp === this.stamp) return false;
    this.stamp = stamp;
    try {
      this.file = [...(this.opts.tokens ? parseTokenEntries(this.opts.tokens, 'tokens') : []), ...loadTokens(path)];
      this.opts.log.info({ path, entries: this.file.length }, 'tokens file re-read');
      return true;
    } catch (err) {
      this.opts.log.warn({ path, err: (err as Error).message }, 'tokens file unreadable; keeping the previous tokens');
      return false;
    }
  }
}
