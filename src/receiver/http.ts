/** Small HTTP pieces of the receiver: an error that carries its status, and JSON answers. */
import type { ServerResponse } from 'node:http';
import type { ReceiverErrorCode } from '../contract/errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ReceiverErrorCode,
    message: string,
    /** Extra headers of the answer (Retry-After of a 429/503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function errorBody(code: ReceiverErrorCode, message: string): { error: { code: ReceiverErrorCode; message: string } } {
  return { error: { code, message } };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'bad-json', `the body is not JSON: ${(err as Error).message}`);
  }
}
