/** An error the admin API answers with: status, a stable code, and a message that says what to do. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const CODES: Record<number, string> = { 400: 'bad_request', 404: 'not_found', 409: 'conflict', 413: 'payload_too_large', 422: 'unprocessable' };

/**
 * Maps what handlers throw to an ApiError. Domain errors (IncidentError, TokenError, TeamError) carry an
 * HTTP `status`; anything else is a 500 whose message is still shown (the API is for operators).
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const status = (err as { status?: unknown } | null)?.status;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError(status, CODES[status] ?? 'client_error', message);
  return new ApiError(500, 'internal', `internal error: ${message}`);
}
