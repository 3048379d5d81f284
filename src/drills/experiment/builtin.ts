import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../topology/paths.js';
import { parseExperiment, ExperimentError } from './parse.js';
import type { Experiment } from './schema.js';

/** The built-in experiments: drills/<name>.yaml in the package (the format of docs/drills.md). */
export function builtinDir(): string {
  return join(packageRoot(), 'drills');
}

export function builtinNames(): string[] {
  const dir = builtinDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * A built-in scenario by name, or an experiment file by path (anything with a slash or a .yaml/.yml/.json
 * ending). Throws ExperimentError with what to do next.
 */
export function loadExperiment(nameOrPath: string): { name: string; experiment: Experiment } {
  const looksLikeFile = /[\\/]/.test(nameOrPath) || /\.(ya?ml|json)$/.test(nameOrPath);
  const path = looksLikeFile ? nameOrPath : join(builtinDir(), `${nameOrPath}.yaml`);
  if (!existsSync(path)) {
    const names = builtinNames();
    throw new ExperimentError(nameOrPath, [
      looksLikeFile ? `no such file: ${path}` : `no built-in scenario "${nameOrPath}" (built-in: ${names.join(', ') || 'none found'}); or give the path of an experiment file`,
    ]);
  }
  return { name: looksLikeFile ? nameOrPath : nameOrPath, experiment: parseExperiment(readFileSync(path, 'utf8'), path) };
}
