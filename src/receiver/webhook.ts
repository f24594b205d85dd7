/**
 * Stale-agent alerts: a JSON POST to the configured URL when an agent goes stale and when it
 * recovers. The alerts wait in the database (any node may deliver them, each once); this module
 * only sends one and says whether it arrived. With a secret, the body is signed
 * (`X-Meterbox-Signature: sha256=<HMAC-SHA256 hex>`), so the receiving end can trust it.
 */
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { WebhookOptions } from './types.js';

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs one alert; resolves on 2xx, rejects with a short reason otherwise (the URL's credentials never appear). */
export function postWebhook(opts: WebhookOptions, payload: Record<string, unknown>): Promise<number> {
  const body = JSON.stringify(payload);
  const url = new URL(opts.url);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'meterbox-receiver' };
  if (opts.secret) headers['x-meterbox-signature'] = signature(opts.secret, body);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', headers, timeout: opts.timeoutMs ?? 10_000, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(status);
        else reject(new Error(`webhook answered HTTP ${status}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`webhook timed out after ${opts.timeoutMs ?? 10_000} ms`)));
    req.on('error', (err) => reject(new Error(`webhook unreachable: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
    req.end(body);
  });
}

/** When to try a failed alert again: 5 s, 10 s, 20 s … capped at 1 h; undefined after `maxAttempts` (given up, reported). */
export function nextAttempt(attempts: number, now: Date, maxAttempts = 20): Date | undefined {
  if (attempts >= maxAttempts) return undefined;
  return new Date(now.getTime() + Math.min(3600_000, 5_000 * 2 ** Math.max(0, attempts - 1)));
}
