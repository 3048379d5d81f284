/**
 * Store time on PostgreSQL: the server's clock_timestamp() in ms, as PostgresStore.now() reads it. It is
 * read when the expression is evaluated (not at transaction start, as now() would be), so a statement
 * that waited for a row lock compares against the time after the wait.
 */
export const PG_NOW_MS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;
