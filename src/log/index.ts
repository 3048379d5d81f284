import pino, { type Logger } from 'pino';

/**
 * Logs go to stderr (stdout carries MCP messages in stdio mode). Credentials are redacted wherever
 * they appear in logged objects, so a secret never reaches a log line.
 */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino(
    {
      level,
      base: bindings,
      redact: {
        paths: [
          '*.authorization',
          '*.headers.authorization',
          'req.headers.authorization',
          '*.token',
          '*.tokens',
          '*.password',
          '*.secret',
          'config.mcp.tokens',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** A URL safe to log: the password, if any, replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1[redacted]@');
}

export type { Logger };
