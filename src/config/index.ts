import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type ContinuumConfig } from './schema.js';
import { configFromEnv, envName } from './env.js';

export { configSchema, type ContinuumConfig, type ContinuumConfigInput } from './schema.js';
export { envName, ENV_KEYS } from './env.js';
export { parseDuration } from './duration.js';

/** A configuration error that names each bad key and what is wrong with it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[], source: string) {
    super(`Invalid configuration (${source}):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: later sources win; arrays are replaced, not concatenated. */
export function mergeConfig(...sources: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const src of sources) {
    for (const [k, v] of Object.entries(src)) {
      if (v === undefined) continue;
      out[k] = isObject(v) && isObject(out[k]) ? mergeConfig(out[k] as Record<string, unknown>, v) : v;
    }
  }
  return out;
}

export interface LoadConfigOptions {
  /** Path of the YAML file; when absent, ./continuum.yaml is read if it exists. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags (highest precedence). */
  flags?: Record<string, unknown>;
}

export function readConfigFile(file: string | undefined): { data: Record<string, unknown>; source: string } {
  const path = file ?? 'continuum.yaml';
  if (!existsSync(path)) {
    if (file) throw new ConfigError([`config file ${file} does not exist`], file);
    return { data: {}, source: 'defaults' };
  }
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError([`${path} is not valid YAML: ${(e as Error).message}`], path);
  }
  if (data == null) return { data: {}, source: path };
  if (!isObject(data)) throw new ConfigError([`${path} must hold a mapping of keys to values`], path);
  return { data, source: path };
}

/** continuum.yaml, then CONTINUUM_* variables, then flags: each overrides the one before. */
export function loadConfig(opts: LoadConfigOptions = {}): ContinuumConfig {
  const { data, source } = readConfigFile(opts.file);
  let env: Record<string, unknown>;
  try {
    env = configFromEnv(opts.env ?? process.env);
  } catch (e) {
    throw new ConfigError([(e as Error).message], 'environment');
  }
  return parseConfig(mergeConfig(data, env, opts.flags ?? {}), source);
}

export function parseConfig(input: unknown, source = 'config'): ContinuumConfig {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const hint = issue.path.length ? ` (env ${envName(issue.path.filter((p) => typeof p === 'string').join('.'))})` : '';
    return `${key}: ${issue.message}${hint}`;
  });
  throw new ConfigError(problems, source);
}
