// One error type for all of skiff (crun's libcrun_error_t, youki's LibcontainerError):
// a machine-readable code, a lowercase message that says what to do, an optional hint and a cause.

export type ErrorCode =
  | 'USAGE'
  | 'NODE_TOO_OLD'
  | 'NEEDS_ROOT'
  | 'TOOL_MISSING'
  | 'TOOL_FAILED'
  | 'IO'
  | 'STORE_LAYOUT'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_AMBIGUOUS'
  | 'IMAGE_FORMAT'
  | 'IMAGE_INSECURE'
  | 'IMAGE_IN_USE'
  | 'MANIFEST_INVALID'
  | 'DIGEST_MISMATCH'
  | 'ARCHIVE_UNSAFE'
  | 'ARCHIVE_CORRUPT'
  | 'ARCHIVE_TOO_LARGE'
  | 'TREE_CORRUPT'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_UNTRUSTED'
  | 'SIGNATURE_INVALID'
  | 'POD_NOT_FOUND'
  | 'POD_AMBIGUOUS'
  | 'POD_STATE'
  | 'POD_LOCKED'
  | 'POD_MANIFEST_INVALID'
  | 'STAGE1_INVALID'
  | 'STAGE1_FAILED'
  | 'APP_NOT_FOUND'
  | 'APP_NOT_EXECUTABLE'
  | 'NETWORK'
  | 'TLS'
  | 'HTTP_STATUS'
  | 'AUTH'
  | 'INTERNAL';

export interface SkiffErrorOptions {
  hint?: string;
  cause?: unknown;
}

/**
 * Marks a SkiffError whichever copy of this module made it: `skiff run` loads a bundle of its
 * own path, which has its own copy, beside the chunks it loads on demand
 * (scripts/build-path-bundles.ts).
 */
const BRAND = Symbol.for('skiff.SkiffError');

export class SkiffError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly [BRAND] = true;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }

  constructor(code: ErrorCode, message: string, options: SkiffErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkiffError';
    this.code = code;
    this.hint = options.hint;
  }
}

export function isSkiffError(err: unknown): err is SkiffError {
  return err instanceof SkiffError;
}

/** Adds context that reads outer → inner ("rendering tree X: reading entry Y: …"), keeping the code. */
export function wrap(err: unknown, context: string): SkiffError {
  if (err instanceof SkiffError) {
    return new SkiffError(err.code, `${context}: ${err.message}`, { hint: err.hint, cause: err.cause ?? err });
  }
  return new SkiffError(codeOf(err), `${context}: ${describeCause(err)}`, { cause: err });
}

function codeOf(err: unknown): ErrorCode {
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  return typeof errno === 'string' ? 'IO' : 'INTERNAL';
}

/** A short, user-facing description of any thrown value (errno errors keep their code and path). */
export function describeCause(err: unknown): string {
  if (err instanceof SkiffError) return err.message;
  const e = err as NodeJS.ErrnoException | null;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    return `${e.syscall} ${e.path ?? ''}: ${e.code}`.replace(' :', ':');
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The one line users see: `skiff: message (hint)`. */
export function formatErrorLine(err: unknown): string {
  if (err instanceof SkiffError) {
    return `skiff: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
  }
  return `skiff: ${describeCause(err)}`;
}
