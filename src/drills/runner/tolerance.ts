import type { Tolerance } from '../experiment/schema.js';

export type ProbeValue = number | string | boolean | string[] | null;

/** Chaos Toolkit's tolerance check: exact value, one of a list, a numeric range, or a regex. */
export function withinTolerance(value: ProbeValue, tol: Tolerance): boolean {
  if (Array.isArray(tol)) return !Array.isArray(value) && value !== null && tol.includes(value);
  if (typeof tol === 'object') {
    if (tol.type === 'range') return typeof value === 'number' && value >= tol.range[0] && value <= tol.range[1];
    const re = new RegExp(tol.pattern);
    return Array.isArray(value) ? value.some((v) => re.test(v)) : re.test(String(value));
  }
  return value === tol;
}
