/**
 * What a failed exchange means, pure: which error code, what to do with the batch, and a message
 * that says what to check. Inputs are plain values taken from the HTTP answer or the socket error.
 */
import type { ErrorCode } from '../contract/errors.js';

/** retry: nothing delivered, back off; auth: stop uploads; quarantine: set the batch aside; split: halve the batch and resend at once. */
export type FailureClass = 'retry' | 'auth' | 'quarantine' | 'split';

export interface FailureInput {
  /** HTTP status of the provider's answer, when there was one. */
  status?: number;
  /** A proxy answered the CONNECT with this status (not 200). */
  proxyStatus?: number;
  /** The request went through a proxy. */
  viaProxy?: boolean;
  /** The proxy tunnel was established (CONNECT 200) before the error. */
  tunnelUp?: boolean;
  /** Node / OpenSSL / axios error code (ECONNRESET, CERT_HAS_EXPIRED, ECONNABORTED, …). */
  errCode?: string;
  errMessage?: string;
  /** The provider's error message from the body. */
  serverMessage?: string;
  retryAfterMs?: number;
  /** Readings in the batch (decides between split and quarantine on 413). */
  batchSize: number;
  /** Where the request went and as whom, for messages. */
  url: string;
  agentId: string;
  /** Extra words about the certificate, from the TLS probe. */
  tlsDetail?: string;
  /** The extra CA file in use, for messages. */
  caFile?: string;
}

export interface ClassifiedFailure {
  kind: FailureClass;
  code: ErrorCode;
  message: string;
  status?: number;
  retryAfterMs?: number;
}

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'CERT_REJECTED',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const HOSTNAME = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const TIMEOUT = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ABORT_ERR']);
const CLIENT_CERT = /ALERT_(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)/;

/** True for codes that mean the server's certificate failed verification (worth a certificate probe). */
export function isCertificateError(code: string | undefined): boolean {
  return code !== undefined && (UNTRUSTED.has(code) || EXPIRED.has(code) || HOSTNAME.has(code));
}

function host(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export function classifyHttpFailure(f: FailureInput): ClassifiedFailure {
  const where = host(f.url);
  const why = f.serverMessage ? `: ${f.serverMessage}` : '';
  const detail = f.tlsDetail ? ` (${f.tlsDetail})` : '';
  const retry = (code: ErrorCode, message: string): ClassifiedFailure => ({ kind: 'retry', code, message, ...(f.status !== undefined ? { status: f.status } : {}), ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) });

  if (f.proxyStatus !== undefined) {
    if (f.proxyStatus === 407) {
      return retry('MBX_PROXY_AUTH', `the proxy refused our credentials (407 Proxy Authentication Required) for CONNECT ${where}: check proxy.username / proxy.password in the config, or the user:password in HTTPS_PROXY`);
    }
    return retry('MBX_PROXY_FAILED', `the proxy answered ${f.proxyStatus} to CONNECT ${where}: check that the proxy allows HTTPS (CONNECT to port 443) to the provider`);
  }
  if (f.status !== undefined) {
    const s = f.status;
    if (s === 401 || s === 403) {
      return {
        kind: 'auth',
        code: 'MBX_UPLOAD_AUTH',
        status: s,
        message: `the provider refused agent '${f.agentId}' (HTTP ${s}${why}): check the upload token (config value or token file) and that the provider has registered agent id '${f.agentId}' with that token; uploads are paused until the config changes or a heartbeat succeeds`,
      };
    }
    if (s === 429) return retry('MBX_UPLOAD_RATE_LIMITED', `the provider asked us to slow down (HTTP 429${why}); retrying later`);
    if (s === 408) return retry('MBX_UPLOAD_TIMEOUT', `the provider timed out reading the request (HTTP 408${why}); retrying later`);
    if (s === 413) {
      if (f.batchSize > 1) return { kind: 'split', code: 'MBX_UPLOAD_TOO_LARGE', status: s, message: `the provider found the batch of ${f.batchSize} readings too large (HTTP 413${why}); sending smaller batches` };
      return { kind: 'quarantine', code: 'MBX_UPLOAD_TOO_LARGE', status: s, message: `HTTP 413: the provider refuses this single reading as too large${why}` };
    }
    if (s >= 500) return retry('MBX_UPLOAD_SERVER', `the provider failed (HTTP ${s}${why}); retrying later`);
    if (s >= 400) return { kind: 'quarantine', code: 'MBX_UPLOAD_REJECTED', status: s, message: `HTTP ${s}: the provider refused the batch${why}` };
    if (s >= 300) return retry('MBX_UPLOAD_PROTOCOL', `the provider redirected (HTTP ${s}); redirects are not followed with the token: set the upload URL to the final address`);
    return retry('MBX_UPLOAD_PROTOCOL', `the provider answered HTTP ${s} without a usable receipt${why}`);
  }

  const code = f.errCode;
  const msg = f.errMessage ?? code ?? 'unknown error';
  if (code !== undefined && UNTRUSTED.has(code)) {
    return retry(
      'MBX_TLS_UNTRUSTED',
      `the server certificate of ${where} is not signed by a CA this box trusts (${code})${detail}: if a TLS-inspecting proxy sits in the way, put its CA certificate in caFile` +
        (f.caFile ? ` (now ${f.caFile})` : '') +
        '; otherwise the provider serves an incomplete chain',
    );
  }
  if (code !== undefined && EXPIRED.has(code)) {
    return retry('MBX_TLS_EXPIRED', `a certificate of ${where} is ${code === 'CERT_HAS_EXPIRED' ? 'expired' : 'not yet valid'} (${code})${detail}: check this box's clock, then tell the provider`);
  }
  if (code !== undefined && HOSTNAME.has(code)) {
    return retry('MBX_TLS_HOSTNAME', `the server certificate is not for ${where} (${msg})${detail}: check the upload URL's host name`);
  }
  if (code !== undefined && CLIENT_CERT.test(code)) {
    return retry('MBX_TLS_CLIENT_CERT', `the provider refused our client certificate (${code}): check clientCert / clientKey and that the provider trusts their CA`);
  }
  if (code !== undefined && (code.startsWith('ERR_SSL_') || code === 'EPROTO' || code.startsWith('ERR_TLS_'))) {
    return retry('MBX_TLS_HANDSHAKE', `TLS handshake with ${where} failed (${code}: ${msg}): the provider must offer TLS 1.2 or higher`);
  }
  if (code !== undefined && TIMEOUT.has(code)) {
    if (f.viaProxy && !f.tunnelUp) return retry('MBX_PROXY_FAILED', `no answer from the proxy in time (${code}): check the proxy address and that it is up`);
    return retry('MBX_UPLOAD_TIMEOUT', `no answer from ${where} in time (${code}); retrying later`);
  }
  if (f.viaProxy && !f.tunnelUp) {
    return retry('MBX_PROXY_FAILED', `cannot reach the proxy (${code ?? 'error'}: ${msg}): check the proxy address in the config or HTTPS_PROXY`);
  }
  return retry('MBX_UPLOAD_NETWORK', `cannot reach ${where} (${code ?? 'error'}: ${msg}): check the network, DNS and firewall for outbound HTTPS`);
}
