/**
 * A real CONNECT proxy on loopback (written here: http.createServer + 'connect'), with and
 * without basic auth: the uploader tunnels through it (configured or from HTTPS_PROXY), a wrong
 * password gives MBX_PROXY_AUTH, NO_PROXY bypasses it, and the token never reaches the proxy in clear.
 */
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { Uploader, type UploaderOptions } from '../../src/upload/index.js';
import { makeReading } from '../store/helpers.js';
import { AGENT, TOKEN, captureLogger, makePki, openStore, startTestReceiver, tempDir, type TestPki } from './helpers.js';

interface Proxy {
  url: string;
  connects: { target: string; auth?: string }[];
  bytes: Buffer[];
  close(): Promise<void>;
}

async function startProxy(creds?: { user: string; pass: string }): Promise<Proxy> {
  const connects: Proxy['connects'] = [];
  const bytes: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    const auth = req.headers['proxy-authorization'];
    connects.push({ target: req.url ?? '', ...(auth ? { auth } : {}) });
    if (creds && auth !== `Basic ${Buffer.from(`${creds.user}:${creds.pass}`).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host as string, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.on('data', (b: Buffer) => bytes.push(b));
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    bytes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const tmp = tempDir();
let pki: TestPki;
let rx: RunningReceiver;
let n = 0;
const cap = captureLogger();

beforeAll(async () => {
  pki = await makePki(tmp.dir);
  rx = await startTestReceiver(tmp.dir, pki.good);
});
afterAll(async () => {
  await rx?.close();
  tmp.cleanup();
});

function uploader(extra: Partial<UploaderOptions>) {
  const store = openStore(tmp.dir, `outbox-${++n}.db`);
  store.saveCycle([makeReading(n, '2026-11-22T08:00:00Z'), makeReading(n + 100, '2026-11-22T08:00:01Z')]);
  const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, timeoutMs: 3000, logger: cap.logger, random: () => 0, ...extra });
  return { store, u };
}

describe('HTTPS through a CONNECT proxy', () => {
  it('without auth: tunnels to the receiver; the proxy sees only TLS, never the token', async () => {
    const p = await startProxy();
    const { u, store } = uploader({ proxy: { url: p.url } });
    expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
    expect(store.readings.counts().delivered).toBe(2);
    expect(p.connects[0]?.target).toBe(`127.0.0.1:${rx.port}`);
    expect(Buffer.concat(p.bytes).includes(Buffer.from(TOKEN))).toBe(false);
    u.close();
    await p.close();
  });

  it('with basic auth from the config: delivered; a wrong password is MBX_PROXY_AUTH (407), nothing sent', async () => {
    const p = await startProxy({ user: 'meter', pass: 's3cret-proxy' });
    const ok = uploader({ proxy: { url: p.url, username: 'meter', password: 's3cret-proxy' } });
    expect(await ok.u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });

    const bad = uploader({ proxy: { url: p.url, username: 'meter', password: 'wrong' } });
    const before = await rx.readingCount();
    const r = await bad.u.drainOnce();
    expect(r).toMatchObject({ stop: 'retry', error: { code: 'MBX_PROXY_AUTH' } });
    expect(r.error?.message).toMatch(/407/);
    expect(bad.store.readings.counts().pending).toBe(2);
    expect(await rx.readingCount()).toBe(before);

    const none = uploader({ proxy: { url: p.url } });
    expect((await none.u.drainOnce()).error?.code).toBe('MBX_PROXY_AUTH');
    expect(cap.text()).not.toContain('s3cret-proxy');
    for (const x of [ok, bad, none]) x.u.close();
    await p.close();
  });

  it('from HTTPS_PROXY with credentials in the URL, and NO_PROXY bypasses it', async () => {
    const p = await startProxy({ user: 'env', pass: 'env-pass' });
    const saved = { HTTPS_PROXY: process.env.HTTPS_PROXY, NO_PROXY: process.env.NO_PROXY, https_proxy: process.env.https_proxy, no_proxy: process.env.no_proxy };
    try {
      delete process.env.https_proxy;
      delete process.env.no_proxy;
      process.env.HTTPS_PROXY = p.url.replace('http://', 'http://env:env-pass@');
      delete process.env.NO_PROXY;
      const a = uploader({});
      expect(await a.u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
      expect(p.connects).toHaveLength(1);
      a.u.close();

      process.env.NO_PROXY = '127.0.0.1';
      const b = uploader({});
      expect(await b.u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
      expect(p.connects).toHaveLength(1);
      b.u.close();

      const c = uploader({ proxy: null });
      delete process.env.NO_PROXY;
      expect(await c.u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
      expect(p.connects).toHaveLength(1);
      c.u.close();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await p.close();
    }
  });

  it('an unreachable proxy is MBX_PROXY_FAILED', async () => {
    const p = await startProxy();
    const url = p.url;
    await p.close();
    const { u } = uploader({ proxy: { url } });
    expect((await u.drainOnce()).error?.code).toBe('MBX_PROXY_FAILED');
    u.close();
  });
});
