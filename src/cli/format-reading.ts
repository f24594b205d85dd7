/** Human-readable summary of a Reading for the technician at the printer. */
import Table from 'cli-table3';
import type { DataProblem } from '../reading/quality.js';
import type { Reading, Supply } from '../contract/reading.js';

function bar(percent: number | undefined): string {
  if (percent === undefined) return '';
  const filled = Math.round(percent / 10);
  return '█'.repeat(filled) + '░'.repeat(10 - filled);
}

function supplyLevel(s: Supply): string {
  if (s.percent !== undefined) return `${String(s.percent).padStart(3)}% ${bar(s.percent)}`;
  if (s.level === -3) return 'some remaining';
  if (s.level === -2 || s.max === -2) return 'unknown';
  if (s.max === -1) return `${s.level} (no maximum)`;
  return String(s.level);
}

/** One line per data problem, for the technician: what is wrong and where. */
export function formatProblems(problems: readonly DataProblem[]): string[] {
  return problems.map((p) => {
    switch (p.kind) {
      case 'counter.invalid':
        return `  counter.invalid      ${p.counter ?? '?'} at ${p.oid ?? '?'}: ${p.reason ?? 'invalid'} (${JSON.stringify(p.raw ?? '')}), left out`;
      case 'snmp.walk-broken':
        return `  snmp.walk-broken     at ${p.oid ?? '?'}: ${p.reason ?? ''}; what came before it is kept`;
      case 'reading.truncated':
        return `  reading.truncated    ${p.field ?? '?'}: ${p.length ?? '?'} cut to ${p.max ?? '?'}`;
      case 'reading.no-counters':
        return `  reading.no-counters  the device answers, but no page counter could be read`;
      default:
        return `  ${p.kind.padEnd(20)} ${p.message}`;
    }
  });
}

export function formatReading(r: Reading, problems: readonly DataProblem[] = []): string {
  const d = r.device;
  const lines: string[] = [];
  lines.push(`${d.vendor}${d.brand ? ` (${d.brand})` : ''} ${d.model ?? ''}`.trim() + `  at ${d.host}`);
  const idRows: [string, string | undefined][] = [
    ['serial', d.serial],
    ['MAC', d.mac],
    ['device key', `${d.key} (by ${d.keySource})`],
    ['firmware', d.firmware],
    ['sysName', d.sysName],
    ['location', d.sysLocation],
    ['profile', r.profile],
    ['read at', r.readAt],
  ];
  for (const [k, v] of idRows) if (v) lines.push(`  ${k.padEnd(11)} ${v}`);

  const counters = new Table({ head: ['counter', 'value', 'unit', 'source'], style: { head: [], border: [], compact: true } });
  for (const [name, value] of Object.entries(r.counters)) {
    const key = name as keyof typeof r.sources;
    counters.push([name, value.toLocaleString('en-US'), r.units?.[key] ?? '', r.sources[key] ?? '']);
  }
  lines.push('', 'Counters');
  const noCounter = problems.some((p) => p.kind === 'counter.invalid') ? '  (no valid page counter: see the problems below)' : '  (the device exposes no page counter)';
  lines.push(Object.keys(r.counters).length > 0 ? counters.toString() : noCounter);
  const t = r.totals;
  if (t) {
    const one = (v: { value: number; source: string; unit?: string }) => `${v.value.toLocaleString('en-US')}${v.unit ? ` ${v.unit}` : ''} (${v.source})`;
    lines.push(`  totals: vendor ${one(t.vendor)}, prtMarkerLifeCount ${one(t.printerMib)}, difference ${t.difference}; billed: ${t.billing === 'vendor' ? 'vendor' : 'prtMarkerLifeCount'} (${t.why})`);
  }

  if (r.supplies.length > 0) {
    const supplies = new Table({ head: ['supply', 'kind', 'color', 'level', 'state'], style: { head: [], border: [], compact: true } });
    for (const s of r.supplies) supplies.push([s.description, s.kind, s.color ?? '', supplyLevel(s), s.state]);
    lines.push('', 'Supplies', supplies.toString());
  }

  const st = r.status;
  lines.push('', `Status: device ${st.device ?? 'n/a'}, printer ${st.printer ?? 'n/a'}${st.errors.length ? `, errors: ${st.errors.join(', ')}` : ''}`);
  for (const a of st.alerts) lines.push(`  ${a.severity.padEnd(8)} ${a.code}${a.text ? `: ${a.text}` : ''}`);
  if (st.console?.length) lines.push(`  display: ${st.console.join(' | ')}`);
  if (problems.length > 0) lines.push('', `Problems (${problems.length}): reported as events by meterbox run`, ...formatProblems(problems));
  return lines.join('\n');
}
