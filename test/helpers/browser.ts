/**
 * A real browser for the page tests: Debian's Chromium (/usr/bin/chromium, installed by .ci/run)
 * driven by playwright-core, which never downloads a browser of its own. Headless, no sandbox
 * (root), no network of its own (the flags keep it from calling home), a fresh profile each time.
 * Where Chromium is absent the tests skip and say so; with METERBOX_REQUIRE_BROWSER=1 (CI) that
 * is a failure instead. axe-core is injected from node_modules to judge accessibility.
 */
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM } from '../../bench/browser.js';

export { launchBrowser, type Browser } from '../../bench/browser.js';

/** Why the browser tests cannot run here, or undefined. Throws when CI requires them. */
export function browserSkipReason(): string | undefined {
  let why: string | undefined;
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    why = `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
  }
  if (why && process.env.METERBOX_REQUIRE_BROWSER === '1') throw new Error(`METERBOX_REQUIRE_BROWSER=1 but the browser tests cannot run: ${why}`);
  return why;
}

/** Screenshots land here (git-ignored). */
export const RESULTS_DIR = join(process.cwd(), 'test-results');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core's WCAG 2 A/AA rules on the page as it is; evaluated through the driver, so the page's CSP stays on. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  const r = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
  });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
}

/** The serious and critical ones, as readable lines (the test expects none). */
export function serious(violations: readonly AxeViolation[]): string[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
}
