/**
 * Who is calling, as far as sessions, caps and pooled children are concerned: issuer and
 * subject (or object id) of a verified token, or ANONYMOUS for endpoints that cannot tell
 * callers apart (function keys, open endpoints). A session is bound to the principal that
 * created it; only the same principal may use it.
 */
export type Principal = string;

export const ANONYMOUS: Principal = 'anonymous';
