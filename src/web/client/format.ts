/** Formatting shared by the pages, pure (no DOM), so node tests use it too. */
const NUMBER = new Intl.NumberFormat('en-US');
export const num = (n: number | undefined): string => (n === undefined ? '—' : NUMBER.format(n));

/** 42 s, 5 min, 3 h 10 min, 2 d 4 h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const hours = Math.floor(s / 3600);
  if (hours < 48) return `${hours} h ${Math.round((s % 3600) / 60)} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

