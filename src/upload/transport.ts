/**
 * The HTTP shell shared by the uploader and the heartbeat: axios over an https.Agent (or an
 * HttpsProxyAgent for CONNECT proxies) with TLS 1.2+, system CAs plus caFile, optional mTLS.
 * Verification cannot be switched off. axios's own proxy handling is disabled (`proxy: false`):
 * it does not tunnel HTTPS, and it would read the environment behind our back.
 */
import axios, { type AxiosInstance } from 'axios';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientRequest } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import * as tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import { MeterboxError } from '../contract/errors.js';
import type { ConnectionOptions } from './types.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request that got no HTTP answer from the provider. */
export interface TransportFailure {
  errCode?: string;
  errMessage: string;
  viaProxy: boolean;
  tunnelUp: boolean;
  /** CONNECT answered with this (non-200) status. */
  proxyStatus?: number;
}

export type PostOutcome = { ok: true; answer: HttpAnswer; ms: number } | { ok: false; failure: TransportFailure; ms: number };

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

function readPem(path: string, what: string, code: 'MBX_UPLOAD_CONFIG' | 'MBX_TLS_CLIENT_CERT'): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (!text.includes('-----BEGIN')) throw new Error('no PEM block in the file');
    return text;
  } catch (err) {
    throw new MeterboxError(code, `${path}: cannot use it as ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { path }, { cause: err });
  }
}

/** System CAs: Node's bundled Mozilla store plus the OS bundle (where the distribution keeps locally added CAs). */
export function systemCaCertificates(): string[] {
  const getCa = (tls as unknown as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof getCa === 'function') {
    try {
      return [...getCa('bundled'), ...getCa('system')];
    } catch {
      // fall through to the file lookup
    }
  }
  const out = [...tls.rootCertificates];
  for (const p of SYSTEM_BUNDLES) {
    if (!existsSync(p)) continue;
    try {
      out.push(readFileSync(p, 'utf8'));
    } catch {
      // unreadable bundle: Node's own store still applies
    }
    break;
  }
  return out;
}

let lastContext: { key: string; context: tls.SecureContext } | undefined;

/**
 * One TLS context for the same CAs and client certificate: without it every new connection (each
 * heartbeat and upload once the provider closed the idle socket) parsed the ~300 CA certificates
 * again, about 70 ms of CPU and 1.3 MB of native memory that stayed until V8 happened to collect
 * the connection (it does not see that memory, so an idle daemon collected rarely and grew). The
 * uploader and the heartbeat ask with the same material, and again after a reload: they share it.
 * Undefined when OpenSSL refuses the material.
 */
function sharedSecureContext(material: tls.SecureContextOptions): tls.SecureContext | undefined {
  const key = createHash('sha256').update(JSON.stringify(material)).digest('hex');
  if (lastContext?.key === key) return lastContext.context;
  try {
    lastContext = { key, context: tls.createSecureContext(material) };
    return lastContext.context;
  } catch {
    return undefined;
  }
}

export interface ResolvedProxy {
  url: URL;
  /** For logs: scheme://host:port, no credentials. */
  display: string;
}

/** The proxy for `target`: the configured one, or HTTPS_PROXY/NO_PROXY from the environment, or none. */
export function resolveProxy(target: string, proxy: ConnectionOptions['proxy']): ResolvedProxy | undefined {
  let raw: string;
  if (proxy === null) return undefined;
  if (proxy) raw = proxy.url;
  else {
    raw = getProxyForUrl(target);
    if (!raw) return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new MeterboxError('MBX_UPLOAD_CONFIG', `proxy URL '${raw.replace(/\/\/[^@/]*@/, '//***@')}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new MeterboxError('MBX_UPLOAD_CONFIG', `proxy URL must be http:// or https://, got ${url.protocol}`);
  if (proxy?.username !== undefined) url.username = encodeURIComponent(proxy.username);
  if (proxy?.password !== undefined) url.password = encodeURIComponent(proxy.password);
  return { url, display: `${url.protocol}//${url.host}` };
}

/**
 * HttpsProxyAgent takes the TLS options for the origin from each request, not from its
 * constructor (those go to the proxy connection); axios does not pass them per request, so
 * they are merged in here: the tunnelled connection is verified exactly like a direct one.
 */
class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    private readonly originTls: AgentOptions,
  ) {
    super(proxy, { ...originTls });
  }
  override connect(req: ClientRequest, opts: Parameters<HttpsProxyAgent<string>['connect']>[1]): ReturnType<HttpsProxyAgent<string>['connect']> {
    return super.connect(req, { ...opts, ...this.originTls, rejectUnauthorized: true } as typeof opts);
  }
}

export class Transport {
  readonly http: AxiosInstance;
  readonly proxy?: ResolvedProxy;
  readonly tlsOptions: AgentOptions;
  private readonly agent: HttpsAgent;
  private readonly connectStatus = new WeakMap<ClientRequest, number>();

  constructor(readonly opts: ConnectionOptions) {
    let base: URL;
    try {
      base = new URL(opts.url);
    } catch {
      throw new MeterboxError('MBX_UPLOAD_CONFIG', `upload URL '${opts.url}' is not a URL`);
    }
    if (base.protocol !== 'https:') throw new MeterboxError('MBX_UPLOAD_CONFIG', `upload URL must be https:// (got ${base.protocol}); readings never travel unencrypted`);
    if (!opts.token && !opts.tokenFile) throw new MeterboxError('MBX_UPLOAD_CONFIG', 'no upload token: give token or tokenFile');
    if ((opts.clientCert && !opts.clientKey) || (!opts.clientCert && opts.clientKey)) {
      throw new MeterboxError('MBX_TLS_CLIENT_CERT', 'mTLS needs both clientCert and clientKey');
    }
    const material: tls.SecureContextOptions = {
      minVersion: 'TLSv1.2',
      // Always an explicit list: Node's bundled roots alone would miss CAs the OS administrator added.
      ca: [...systemCaCertificates(), ...(opts.caFile ? [readPem(opts.caFile, 'a CA bundle (caFile)', 'MBX_UPLOAD_CONFIG')] : [])],
      ...(opts.clientCert ? { cert: readPem(opts.clientCert, 'a client certificate (clientCert)', 'MBX_TLS_CLIENT_CERT') } : {}),
      ...(opts.clientKey ? { key: readPem(opts.clientKey, 'a client key (clientKey)', 'MBX_TLS_CLIENT_CERT') } : {}),
    };
    const secureContext = sharedSecureContext(material);
    this.tlsOptions = {
      rejectUnauthorized: true,
      keepAlive: true,
      maxSockets: 4,
      // Material OpenSSL refuses (a key that does not match its certificate) goes to each connection as before, which fails it the way it always did.
      ...(secureContext ? { minVersion: material.minVersion, secureContext } : material),
    };
    this.proxy = resolveProxy(opts.url, opts.proxy);
    if (this.proxy) {
      const pa = new TunnelAgent(this.proxy.url, this.tlsOptions);
      pa.on('proxyConnect', (connect: { statusCode: number }, req: ClientRequest) => this.connectStatus.set(req, connect.statusCode));
      this.agent = pa as unknown as HttpsAgent;
    } else {
      this.agent = new HttpsAgent(this.tlsOptions);
    }
    this.http = axios.create({
      baseURL: base.toString().replace(/\/$/, ''),
      httpsAgent: this.agent,
      proxy: false,
      maxRedirects: 0,
      timeout: opts.timeoutMs ?? 30_000,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      maxContentLength: 4 * 1024 * 1024,
      maxBodyLength: Infinity,
      decompress: true,
    });
  }

  /** The bearer token, from the option or (re-read each time) from the token file. */
  token(): string {
    if (this.opts.token) return this.opts.token;
    const path = this.opts.tokenFile as string;
    let t: string;
    try {
      t = readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new MeterboxError('MBX_UPLOAD_CONFIG', `${path}: cannot read the upload token file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { path }, { cause: err });
    }
    if (!t) throw new MeterboxError('MBX_UPLOAD_CONFIG', `${path}: the upload token file is empty`, { path });
    return t;
  }

  async post(path: string, body: Buffer, headers: Record<string, string>): Promise<PostOutcome> {
    const started = Date.now();
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    let req: ClientRequest | undefined;
    try {
      const res = await this.http.post<string>(path, body, {
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${this.token()}`, ...headers },
        // axios's timeout starts with the request; the signal also bounds proxy CONNECT and TLS set-up.
        signal: AbortSignal.timeout(timeoutMs + 2_000),
      });
      req = res.request as ClientRequest | undefined;
      const proxyStatus = req ? this.connectStatus.get(req) : undefined;
      if (proxyStatus !== undefined && proxyStatus !== 200) {
        return { ok: false, failure: { errCode: `PROXY_${proxyStatus}`, errMessage: `proxy answered ${proxyStatus} to CONNECT`, viaProxy: true, tunnelUp: false, proxyStatus }, ms: Date.now() - started };
      }
      return { ok: true, answer: { status: res.status, headers: res.headers as HttpAnswer['headers'], body: typeof res.data === 'string' ? res.data : String(res.data ?? '') }, ms: Date.now() - started };
    } catch (err) {
      if (err instanceof MeterboxError) throw err;
      const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string }; request?: ClientRequest };
      req = e.request;
      const proxyStatus = req ? this.connectStatus.get(req) : undefined;
      const errCode = e.cause?.code && e.code === 'ERR_CANCELED' ? 'ERR_CANCELED' : (e.code ?? e.cause?.code);
      return {
        ok: false,
        failure: {
          ...(errCode ? { errCode } : {}),
          errMessage: e.cause?.message ?? e.message ?? String(err),
          viaProxy: this.proxy !== undefined,
          tunnelUp: proxyStatus === 200,
          ...(proxyStatus !== undefined && proxyStatus !== 200 ? { proxyStatus } : {}),
        },
        ms: Date.now() - started,
      };
    }
  }

  /**
   * GET `path` into `dest`, resuming from what `dest` already holds (`Range: bytes=N-`): a 206
   * appends, a 200 starts over. What arrived before a cut stays in `dest` for the next attempt.
   */
  async download(path: string, dest: string, timeoutMs: number): Promise<DownloadOutcome> {
    let offset = 0;
    try {
      offset = statSync(dest).size;
    } catch {
      // nothing yet
    }
    try {
      const res = await this.http.get<Readable>(path, {
        headers: { authorization: `Bearer ${this.token()}`, ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        responseType: 'stream',
        transformResponse: [],
        maxContentLength: Infinity,
        decompress: false,
        timeout: timeoutMs,
      });
      if (res.status !== 200 && res.status !== 206) {
        res.data.resume();
        return { ok: false, status: res.status, offset, error: `HTTP ${res.status}` };
      }
      const append = res.status === 206 && offset > 0;
      await pipeline(res.data, createWriteStream(dest, { flags: append ? 'a' : 'w', mode: 0o640 }));
      return { ok: true, status: res.status, offset: append ? offset : 0 };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return { ok: false, offset, error: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}` };
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

export type DownloadOutcome = { ok: true; status: number; offset: number } | { ok: false; status?: number; offset: number; error: string };
