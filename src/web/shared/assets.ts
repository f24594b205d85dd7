/**
 * The pages' static files, all from the installed package (no CDN): the browser code compiled
 * from src/web/**\/client/ into dist/web/, the shared style sheet, and vendored libraries from
 * node_modules (uPlot for the fleet view's charts). Each page names the folders it may serve; a
 * name outside them, or with anything but plain characters, is not found. Files are read once
 * and answered with an ETag, so a refresh costs a 304.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, posix } from 'node:path';
import { PACKAGE_ROOT } from '../../paths.js';
import { sendBytes } from './http.js';
import { STYLE_SHEET } from './style.js';

/** Compiled browser code: dist/web even when the server runs from src/ (tests build dist first). */
export const WEB_DIST = join(PACKAGE_ROOT, 'dist', 'web');

const TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** Vendored files a page may ask for, by name under vendor/. */
const VENDOR: Record<string, string> = {
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/** The static imports of a compiled module (`import … from './x.js'`, `export … from`, `import './x.js'`); never dynamic import(). */
const STATIC_IMPORT = /(?:^|[;}\n])\s*(?:import|export)\s+(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]/g;

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export class Assets {
  private readonly cache = new Map<string, Asset | null>();
  private readonly graphs = new Map<string, readonly string[]>();
  private readonly require = createRequire(import.meta.url);

  /** `folders`: the dist/web folders this page serves (`client`, `box/client`, …); `vendor`: whether vendor/ is served. */
  constructor(
    private readonly prefix: string,
    private readonly folders: readonly string[],
    private readonly vendor = false,
  ) {}

  url(name: string): string {
    return `${this.prefix}${name}`;
  }

  private load(name: string): Asset | null {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    let file: string | undefined;
    if (name === 'style.css') return this.make(Buffer.from(STYLE_SHEET, 'utf8'), 'css');
    if (name.startsWith('vendor/')) {
      const v = VENDOR[name.slice(7)];
      if (this.vendor && v) file = this.require.resolve(v);
    } else {
      const dir = name.slice(0, name.lastIndexOf('/'));
      if (ext === 'js' && this.folders.includes(dir)) file = join(WEB_DIST, name);
    }
    if (!file || !TYPES[ext]) return null;
    try {
      return this.make(readFileSync(file), ext);
    } catch {
      return null;
    }
  }

  private make(body: Buffer, ext: string): Asset {
    return { body, type: TYPES[ext] as string, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
  }

  /** An asset by name (relative to the prefix), read once; null when it is not one of this page's. */
  private asset(name: string): Asset | null {
    let a = this.cache.get(name);
    if (a === undefined) {
      a = this.load(name);
      this.cache.set(name, a);
    }
    return a;
  }

  /**
   * The URLs of every module `entry` imports, directly or through another, read from the compiled
   * files: the page names them as <link rel="modulepreload">, so the browser asks for them all at
   * once instead of one level of imports per round trip (three levels here; each a request, or a
   * revalidation on later loads, queued behind whatever the daemon is doing).
   */
  modules(entry: string): readonly string[] {
    const known = this.graphs.get(entry);
    if (known) return known;
    const seen = new Set<string>([entry]);
    const visit = (name: string) => {
      const a = this.asset(name);
      if (!a || !name.endsWith('.js')) return;
      for (const m of a.body.toString('utf8').matchAll(STATIC_IMPORT)) {
        const dep = posix.normalize(posix.join(posix.dirname(name), m[1] as string));
        if (seen.has(dep) || !this.asset(dep)) continue;
        seen.add(dep);
        visit(dep);
      }
    };
    visit(entry);
    seen.delete(entry);
    const urls = [...seen].sort().map((n) => this.url(n));
    this.graphs.set(entry, urls);
    return urls;
  }

  /** Answers a request under the prefix; false when the path is not one of this page's assets. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    if (!path.startsWith(this.prefix)) return false;
    const name = path.slice(this.prefix.length);
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(name) || name.includes('..')) return false;
    const a = this.asset(name);
    if (!a) return false;
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304, { etag: a.etag, 'cache-control': 'no-cache' }).end();
      return true;
    }
    sendBytes(res, 200, a.type, a.body, { etag: a.etag, 'cache-control': 'no-cache' });
    return true;
  }
}
