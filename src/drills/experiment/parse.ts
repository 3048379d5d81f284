import { parseDocument } from 'yaml';
import { experimentSchema, type Experiment } from './schema.js';

/** An experiment file that cannot be run, with every problem named by its path in the file. */
export class ExperimentError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid drill experiment:\n${problems.map((p) => `  - ${p}`).join('\n')}\nThe format is in docs/drills.md.`);
    this.name = 'ExperimentError';
  }
}

const MAX_BYTES = 1024 * 1024;

/** Parses and validates an experiment from YAML (JSON is YAML too). Throws ExperimentError. */
export function parseExperiment(text: string, source = 'experiment'): Experiment {
  if (text.length > MAX_BYTES) throw new ExperimentError(source, [`file is larger than ${MAX_BYTES} bytes`]);
  // Aliases are resolved with a cap so a hostile file cannot expand into gigabytes (billion laughs).
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) throw new ExperimentError(source, doc.errors.map((e) => e.message.split('\n')[0]));
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ExperimentError(source, [(err as Error).message]);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ExperimentError(source, ['the file must hold a mapping (title, target, method, ...)']);
  const parsed = experimentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ExperimentError(
      source,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`),
    );
  }
  return parsed.data;
}
