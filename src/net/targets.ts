/**
 * Sweep targets: CIDR blocks, ranges, single addresses and host names, with exclusions and labels.
 * Owns: parsing, expansion into disjoint address ranges, the size limit, and the order in which
 * addresses are visited (interleaved across targets). Pure apart from host-name resolution,
 * which is passed in. Address maths is ipaddr.js; nothing here sends a packet.
 * May import: errors. Must not import: snmp, discovery, cli.
 */
import ipaddr from 'ipaddr.js';
import { MeterboxError } from '../contract/errors.js';

/** One target as the user writes it (CLI argument or config entry). */
export interface TargetSpec {
  /** `10.1.20.0/24`, `10.1.20.10-10.1.20.99` (or `10.1.20.10-99`), `10.1.20.7` or `printer.example.lan`. */
  target: string;
  /** Entries of the same forms that are never probed. */
  exclude?: readonly string[];
  /** A site or VLAN name shown next to what is found there. */
  label?: string;
  /** Names of credential sets to try here, in order (default: all, in their configured order). */
  credentials?: readonly string[];
}

export type Family = 4 | 6;

/** Inclusive range of addresses of one family. */
export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
}

export type TargetEntry =
  | { kind: 'cidr' | 'range' | 'ip'; text: string; range: AddressRange }
  | { kind: 'hostname'; text: string; name: string };

export interface ExpandedTarget {
  spec: TargetSpec;
  label?: string;
  /** Disjoint, sorted; exclusions and addresses already claimed by an earlier target removed. */
  ranges: AddressRange[];
  /** Number of addresses in `ranges`. */
  count: number;
}

/** A sweep wider than this needs `--force`: a /16 is the most a site's printers plausibly span. */
export const DEFAULT_MAX_ADDRESSES = 65_536;

export type Resolver = (name: string) => Promise<string>;

const HOSTNAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/i;

function invalid(text: string, why: string): MeterboxError {
  return new MeterboxError('MBX_TARGET_INVALID', `target '${text}': ${why}`, { target: text });
}

function toBig(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let n = 0n;
  for (const b of addr.toByteArray()) n = (n << 8n) | BigInt(b);
  return n;
}

function addressToString(family: Family, n: bigint): string {
  const len = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = len - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

function parseAddress(text: string, whole: string): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  throw invalid(whole, `'${text}' is not an IPv4 or IPv6 address`);
}

const familyOf = (a: ipaddr.IPv4 | ipaddr.IPv6): Family => (a.kind() === 'ipv4' ? 4 : 6);

/**
 * Parse one target or exclusion entry. Throws MBX_TARGET_INVALID with what is wrong.
 * As a target, an IPv4 CIDR of /30 or wider means its hosts (no network or broadcast address);
 * as an exclusion (`wholeBlock`) it means every address in it.
 */
export function parseEntry(input: string, wholeBlock = false): TargetEntry {
  const text = input.trim();
  if (text === '') throw invalid(input, 'empty');
  if (text.includes('/')) {
    const [addrText = '', bitsText = ''] = text.split('/');
    const addr = parseAddress(addrText, text);
    const max = familyOf(addr) === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > max) throw invalid(text, `prefix length must be 0..${max}`);
    const bits = Number(bitsText);
    const size = 1n << BigInt(max - bits);
    const first = (toBig(addr) / size) * size;
    let last = first + size - 1n;
    let lo = first;
    // IPv4 subnets of /30 and wider: the network and broadcast addresses are not hosts.
    if (familyOf(addr) === 4 && bits <= 30 && !wholeBlock) {
      lo += 1n;
      last -= 1n;
    }
    return { kind: 'cidr', text, range: { family: familyOf(addr), first: lo, last } };
  }
  const dash = text.indexOf('-');
  if (dash > 0 && (ipaddr.isValid(text.slice(0, dash)) || /^[\d.]+$/.test(text.slice(0, dash)))) {
    const left = text.slice(0, dash);
    let right = text.slice(dash + 1);
    const a = parseAddress(left, text);
    // Short form 10.1.20.10-99: the last octet only.
    if (a instanceof ipaddr.IPv4 && /^\d{1,3}$/.test(right)) right = `${a.octets.slice(0, 3).join('.')}.${right}`;
    const b = parseAddress(right, text);
    if (familyOf(a) !== familyOf(b)) throw invalid(text, 'both ends of a range must be of one address family');
    const first = toBig(a);
    const last = toBig(b);
    if (last < first) throw invalid(text, `the range runs backwards (${right} is before ${left})`);
    return { kind: 'range', text, range: { family: familyOf(a), first, last } };
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(':') && ipaddr.IPv6.isValid(text))) {
    const a = parseAddress(text, text);
    return { kind: 'ip', text, range: { family: familyOf(a), first: toBig(a), last: toBig(a) } };
  }
  if (/^[\d.]+$/.test(text)) throw invalid(text, 'not a valid IPv4 address (four numbers 0-255)');
  if (text.includes('-') && /^[\d.:a-f-]+$/i.test(text) && !HOSTNAME.test(text)) throw invalid(text, 'malformed range; write first-last, e.g. 10.1.20.10-10.1.20.99');
  if (!HOSTNAME.test(text)) throw invalid(text, 'not a CIDR block, range, IP address or host name');
  return { kind: 'hostname', text, name: text };
}

const sizeOf = (r: AddressRange): bigint => r.last - r.first + 1n;

/** Sort and merge overlapping or adjacent ranges. */
function normalizeRanges(ranges: readonly AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.family === r.family && r.first <= prev.last + 1n) {
      if (r.last > prev.last) prev.last = r.last;
    } else out.push({ ...r });
  }
  return out;
}

/** `ranges` minus `minus`; both may be unsorted. */
function subtractRanges(ranges: readonly AddressRange[], minus: readonly AddressRange[]): AddressRange[] {
  let current = normalizeRanges(ranges);
  for (const m of normalizeRanges(minus)) {
    const next: AddressRange[] = [];
    for (const r of current) {
      if (r.family !== m.family || m.last < r.first || m.first > r.last) {
        next.push(r);
        continue;
      }
      if (m.first > r.first) next.push({ family: r.family, first: r.first, last: m.first - 1n });
      if (m.last < r.last) next.push({ family: r.family, first: m.last + 1n, last: r.last });
    }
    current = next;
  }
  return current;
}

const countOf = (ranges: readonly AddressRange[]): bigint => ranges.reduce((n, r) => n + sizeOf(r), 0n);

async function entryRanges(text: string, resolve: Resolver, wholeBlock = false): Promise<AddressRange[]> {
  const e = parseEntry(text, wholeBlock);
  if (e.kind !== 'hostname') return [e.range];
  let address: string;
  try {
    address = await resolve(e.name);
  } catch (err) {
    throw new MeterboxError('MBX_TARGET_INVALID', `target '${text}': cannot resolve host name (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the name and the DNS server`, { target: text }, { cause: err });
  }
  const resolved = parseEntry(address);
  if (resolved.kind === 'hostname') throw new MeterboxError('MBX_TARGET_INVALID', `target '${text}': resolved to '${address}', which is not an address`, { target: text });
  return [resolved.range];
}

export interface ExpandOptions {
  /** Refuse more than this many addresses in total unless `force` (default DEFAULT_MAX_ADDRESSES). */
  maxAddresses?: number;
  force?: boolean;
  /** Host name → address (default: the system resolver, IPv4 first). */
  resolve?: Resolver;
  /** Sweep settings, to tell the user how long an over-size sweep would take. */
  estimate?: { concurrency: number; timeoutMs: number; retries: number };
  /** The way out named in the over-size message (default: pass --force); the daemon names snmp.maxAddresses. */
  overLimitAdvice?: string;
}

async function systemResolve(name: string): Promise<string> {
  const { lookup } = await import('node:dns/promises');
  return (await lookup(name, { family: 0, order: 'ipv4first' })).address;
}

/** A worst-case duration, for the over-size message: every address silent. */
export function worstCaseSeconds(addresses: number, e: { concurrency: number; timeoutMs: number; retries: number }): number {
  return (Math.ceil(addresses / e.concurrency) * e.timeoutMs * (e.retries + 1)) / 1000;
}

function humanDuration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Targets with their own ranges and exclusions resolved → disjoint per-target ranges (an address belongs to the first target that lists it). */
function assignRanges(items: readonly { spec: TargetSpec; own: AddressRange[]; minus: AddressRange[] }[], globalMinus: readonly AddressRange[]): ExpandedTarget[] {
  const claimed: AddressRange[] = [];
  const out: ExpandedTarget[] = [];
  for (const { spec, own, minus } of items) {
    const ranges = subtractRanges(own, [...globalMinus, ...claimed, ...minus]);
    claimed.push(...own);
    const count = countOf(ranges);
    const t: ExpandedTarget = { spec, ranges, count: count > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(count) };
    if (spec.label) t.label = spec.label;
    out.push(t);
  }
  return out;
}

/** The sweep-size limit: undefined when `targets` fit, otherwise what to say (the caller names the setting to change). */
export function sweepSizeProblem(targets: readonly ExpandedTarget[], maxAddresses: number, estimate?: ExpandOptions['estimate']): { message: string; target: string; addresses: number; limit: number } | undefined {
  const total = targets.reduce((n, t) => n + BigInt(t.count), 0n);
  const max = BigInt(maxAddresses);
  if (total <= max) return undefined;
  const biggest = [...targets].sort((a, b) => b.count - a.count)[0] as ExpandedTarget;
  const time = estimate ? `; with every address silent, at ${estimate.concurrency} in flight, a ${estimate.timeoutMs} ms timeout and ${estimate.retries} retries, the sweep would take about ${humanDuration(worstCaseSeconds(Number(total), estimate))}` : '';
  return {
    message: `${total.toLocaleString('en-US')} addresses to sweep (${biggest.spec.target} alone is ${biggest.count.toLocaleString('en-US')}), more than the limit of ${max.toLocaleString('en-US')}${time}`,
    target: biggest.spec.target,
    addresses: Number(total),
    limit: Number(max),
  };
}

/**
 * The targets' addresses without asking DNS (a host name counts as one address): what `config
 * check` can know about the sweep size before the box is on the customer's network.
 */
export function targetsWithoutDns(specs: readonly TargetSpec[], globalExclude: readonly string[] = []): ExpandedTarget[] {
  const ranges = (text: string, wholeBlock: boolean): AddressRange[] => {
    const e = parseEntry(text, wholeBlock);
    return e.kind === 'hostname' ? [] : [e.range];
  };
  const hostCount = (spec: TargetSpec) => (parseEntry(spec.target).kind === 'hostname' ? 1 : 0);
  const out = assignRanges(
    specs.map((spec) => ({ spec, own: ranges(spec.target, false), minus: (spec.exclude ?? []).flatMap((x) => ranges(x, true)) })),
    globalExclude.flatMap((x) => ranges(x, true)),
  );
  for (const t of out) t.count += hostCount(t.spec);
  return out;
}

/**
 * Parse, resolve and expand targets into disjoint ranges, apply exclusions (per target and
 * global), and enforce the size limit. An address listed by two targets belongs to the first.
 */
export async function expandTargets(specs: readonly TargetSpec[], globalExclude: readonly string[] = [], opts: ExpandOptions = {}): Promise<ExpandedTarget[]> {
  if (specs.length === 0) throw new MeterboxError('MBX_TARGET_INVALID', 'no targets given; name at least one CIDR block, range, address or host name');
  const resolve = opts.resolve ?? systemResolve;
  const globalMinus: AddressRange[] = [];
  for (const x of globalExclude) globalMinus.push(...(await entryRanges(x, resolve, true)));
  const items: { spec: TargetSpec; own: AddressRange[]; minus: AddressRange[] }[] = [];
  for (const spec of specs) {
    const minus: AddressRange[] = [];
    for (const x of spec.exclude ?? []) minus.push(...(await entryRanges(x, resolve, true)));
    items.push({ spec, own: await entryRanges(spec.target, resolve), minus });
  }
  const out = assignRanges(items, globalMinus);
  const tooLarge = opts.force ? undefined : sweepSizeProblem(out, opts.maxAddresses ?? DEFAULT_MAX_ADDRESSES, opts.estimate);
  if (tooLarge) {
    const { message, ...context } = tooLarge;
    throw new MeterboxError('MBX_TARGET_TOO_LARGE', `${message}. Narrow the targets to the printer VLANs, or ${opts.overLimitAdvice ?? 'pass --force if you really mean it'}`, context);
  }
  return out;
}

export interface SweepAddress {
  host: string;
  /** Index of the target in the expanded list. */
  target: number;
  label?: string;
}

function* addressesOf(t: ExpandedTarget): Generator<string> {
  for (const r of t.ranges) for (let n = r.first; n <= r.last; n++) yield addressToString(r.family, n);
}

/**
 * Every address once, round-robin across targets (one from each in turn), so a large or slow
 * VLAN does not hold back the others. Lazy: a forced /8 is never held in memory.
 */
export function* interleave(targets: readonly ExpandedTarget[]): Generator<SweepAddress> {
  const its = targets.map((t, i) => ({ it: addressesOf(t), i, label: t.label }));
  let live = its;
  while (live.length > 0) {
    const still: typeof its = [];
    for (const s of live) {
      const n = s.it.next();
      if (n.done) continue;
      still.push(s);
      const a: SweepAddress = { host: n.value, target: s.i };
      if (s.label) a.label = s.label;
      yield a;
    }
    live = still;
  }
}

/** `label=target` on the command line: a label, then the target. */
export function parseTargetArg(arg: string): TargetSpec {
  const eq = arg.indexOf('=');
  if (eq > 0) return { label: arg.slice(0, eq), target: arg.slice(eq + 1) };
  return { target: arg };
}
