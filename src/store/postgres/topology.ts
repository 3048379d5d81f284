/**
 * Which of a multi-host URL's servers is the primary. Every host is asked at once:
 *   SELECT pg_is_in_recovery(), default_transaction_read_only, and the timeline of the current WAL.
 * A host is a usable primary when it is not in recovery and not read-only (a fenced old primary is
 * set read-only). When two hosts both claim to be primary (an old primary that came back unfenced
 * after a promotion), the newest timeline wins: a promotion always starts a new timeline, so the old
 * one can never be chosen over the server that replaced it. Two primaries on the same timeline are a
 * split brain nobody can settle safely: no primary is chosen, and writes wait.
 */
import postgres from 'postgres';

export interface PgHost {
  host: string;
  port: number;
}

export type HostRole = 'primary' | 'standby' | 'fenced' | 'down' | 'unreachable' | 'error';

export interface HostProbe extends PgHost {
  role: HostRole;
  /** Timeline of the primary's current WAL (null on standbys and failures). */
  timeline: number | null;
  /** Probe round trip, ms. */
  ms: number;
  error?: string;
}

export interface MultiHostUrl {
  hosts: PgHost[];
  /** The same URL naming one host only. */
  forHost(h: PgHost): string;
}

const URL_RE = /^(postgres(?:ql)?:\/\/)(?:([^@/]*)@)?([^/?#]*)(.*)$/;

/** Splits postgres://user@h1:5432,h2:5433/db?x=y into its hosts; a missing port is 5432. */
export function parseMultiHostUrl(url: string): MultiHostUrl {
  const m = URL_RE.exec(url);
  if (!m) throw new Error('not a postgres:// URL');
  const [, scheme, userinfo, hostList, rest] = m;
  const hosts = hostList.split(',').filter(Boolean).map(parseHost);
  if (hosts.length === 0) hosts.push({ host: 'localhost', port: 5432 });
  const prefix = `${scheme}${userinfo !== undefined ? `${userinfo}@` : ''}`;
  return { hosts, forHost: (h) => `${prefix}${formatHost(h)}${rest}` };
}

function parseHost(s: string): PgHost {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : 5432 };
  const i = s.lastIndexOf(':');
  return i < 0 ? { host: s, port: 5432 } : { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

export function formatHost(h: PgHost): string {
  return `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

const UNREACHABLE = new Set(['CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** A refused connection or a server that says it is starting or stopping: the host answered, PostgreSQL is not serving. */
const DOWN = new Set(['ECONNREFUSED', 'ECONNRESET', '57P03', '57P01', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/**
 * Asks one server what it is. Never throws. `reuse`: a connection of the caller's to ask over (kept
 * open between probes, so a node probing every second holds one connection per host, not a new one
 * each time); otherwise a connection is opened for this probe and closed after it.
 */
export async function probeHost(url: string, h: PgHost, timeoutMs = 2000, reuse?: postgres.Sql): Promise<HostProbe> {
  const started = performance.now();
  const sql =
    reuse ??
    postgres(url, {
      max: 1,
      connect_timeout: timeoutMs / 1000,
      idle_timeout: 1,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: 'continuum-probe' },
    });
  let timer: NodeJS.Timeout | undefined;
  try {
    const query = sql<{ standby: boolean; read_only: string; timeline: number | null }[]>`
      SELECT pg_is_in_recovery() AS standby,
             current_setting('default_transaction_read_only') AS read_only,
             CASE WHEN pg_is_in_recovery() THEN NULL
                  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline`;
    const [row] = await Promise.race([
      query,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('probe timed out'), { code: 'CONNECT_TIMEOUT' })), timeoutMs + 500);
      }),
    ]);
    const role: HostRole = row.standby ? 'standby' : row.read_only === 'on' ? 'fenced' : 'primary';
    return { ...h, role, timeline: row.timeline, ms: performance.now() - started };
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const role: HostRole = UNREACHABLE.has(code) ? 'unreachable' : DOWN.has(code) ? 'down' : 'error';
    return { ...h, role, timeline: null, ms: performance.now() - started, error: `${code ? `${code}: ` : ''}${(err as Error).message}` };
  } finally {
    clearTimeout(timer);
    if (!reuse) await sql.end({ timeout: 0 }).catch(() => {});
  }
}

export async function probeHosts(url: MultiHostUrl, timeoutMs = 2000, reuse?: (h: PgHost) => postgres.Sql): Promise<HostProbe[]> {
  return Promise.all(url.hosts.map((h) => probeHost(url.forHost(h), h, timeoutMs, reuse?.(h))));
}

/** The primary to write to, or null with the reason (none, or a split brain). */
export function choosePrimary(probes: HostProbe[]): { primary: HostProbe | null; reason: string } {
  const primaries = probes.filter((p) => p.role === 'primary');
  if (primaries.length === 0) {
    return { primary: null, reason: `no primary among ${probes.map((p) => `${formatHost(p)}=${p.role}`).join(', ')}` };
  }
  const newest = Math.max(...primaries.map((p) => p.timeline ?? 0));
  const top = primaries.filter((p) => (p.timeline ?? 0) === newest);
  if (top.length > 1) {
    return { primary: null, reason: `split brain: ${top.map(formatHost).join(' and ')} are both primary on timeline ${newest}` };
  }
  return { primary: top[0], reason: `primary ${formatHost(top[0])} (timeline ${newest})` };
}

/**
 * The database tier's state as one word: 'primary' (one found), 'no-primary' (every host answered,
 * and none is a usable primary: a failover is needed or under way), 'unknown' (some host did not
 * answer at all, which a network partition looks like too: the partition policy decides then).
 */
export function tierState(probes: HostProbe[]): 'primary' | 'no-primary' | 'unknown' {
  if (choosePrimary(probes).primary) return 'primary';
  return probes.some((p) => p.role === 'unreachable') ? 'unknown' : 'no-primary';
}
