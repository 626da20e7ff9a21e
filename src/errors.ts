/** One failing field in a request, as reported in a problem document's `errors`. */
export type FieldError = { field: string; message: string };

/**
 * Every error a client can see. `code` is stable and documented; `status` is the HTTP status;
 * sent as RFC 9457 application/problem+json by the error-handler plugin.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: 400,
  IDEMPOTENCY_KEY_MISSING: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  /** Four eyes: a compensation is decided by another API key than the one that asked for it. */
  FOUR_EYES: 403,
  NOT_FOUND: 404,
  IDEMPOTENCY_KEY_IN_FLIGHT: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  UNKNOWN_SKU: 422,
  CURRENCY_MISMATCH: 422,
  PARTNER_URL_REJECTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
} as const;
export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ErrorCodes[code];
  }
}

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);
export const invalid = (field: string, message: string) =>
  new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ field, message }]);
