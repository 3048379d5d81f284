/** A small client for the admin API, for the CLI commands that talk to a running node. */

export interface ApiTarget {
  url: string;
  token: string;
}

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

/** --url/--token, else CONTINUUM_URL/CONTINUUM_TOKEN; the URL may be the node's base URL or its /mcp URL. */
export function apiTarget(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const url = (flags.url ?? env.CONTINUUM_URL ?? DEFAULT_API_URL).replace(/\/+$/, '').replace(/\/mcp$/, '');
  const token = flags.token ?? env.CONTINUUM_TOKEN;
  if (!token) throw new Error('no API token: pass --token or set CONTINUUM_TOKEN (an admin creates one with `continuum token create --name NAME --role responder`)');
  return { url, token };
}

export async function callApi<T>(target: ApiTarget, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${target.url}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${target.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new Error(`cannot reach ${target.url} (${cause}); is a node running there? (--url or CONTINUUM_URL)`, { cause: err });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    throw new Error(`${method} ${path} answered HTTP ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const message = (json as { error?: { message?: string } }).error?.message ?? text;
    throw new Error(`${message} (HTTP ${res.status})`);
  }
  return json as T;
}
