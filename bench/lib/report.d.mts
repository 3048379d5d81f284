// Types for report.mjs, for benchmarks written in TypeScript (run with node --import tsx).
export function median(values: number[]): number;
export function machine(): Record<string, unknown>;
export function writeResult(name: string, data: unknown): string;
