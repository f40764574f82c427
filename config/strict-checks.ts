import { isIP } from 'node:net';

/*
 * SPEC §2: the checks strict mode (anything but NODE_ENV=development) makes before start-up.
 * Each returns the reason a value is refused, never the value: the caller names the variable.
 */

/** Minimum lengths in strict mode for secrets whose names say what they are. */
export const SECRET_SUFFIX_MIN_LENGTH = 24;

/**
 * Minimum length in strict mode of the passwords inside SMTP_URL and REDIS_URL. Lower than ours:
 * a relay's password is often the provider's to issue, and the app passwords Google and
 * Microsoft 365 issue for SMTP are 16 random letters.
 */
export const URL_PASSWORD_MIN_LENGTH = 16;

/**
 * Why a secret, key or password looks like a placeholder rather than something chosen:
 * docker-compose's `change-me-…`, documentation's `example`, a literal `password`, or one
 * character repeated (`aaaa…`, `abab…`). Undefined when it looks chosen.
 */
export function placeholderReason(value: string): string | undefined {
  const lower = value.toLowerCase();
  if (/change[-_ ]?me/.test(lower)) return 'is a placeholder (change-me): set a real value';
  if (lower.includes('example')) return 'is a placeholder (contains "example"): set a real value';
  if (lower.includes('password')) return 'is a placeholder (contains "password"): set a real value';
  if (/todo|fixme|your[-_ ]|placeholder|replace[-_ ]?(me|this)|^<.*>$/.test(lower)) return 'is a placeholder (a note to fill it in): set a real value';
  if (new Set(value).size < 6) return 'is a placeholder (too few different characters): set a real value';
  if (isCountingSequence(lower)) return 'is a placeholder (a counting sequence such as 123456789): set a real value';
  return undefined;
}

/** `1234567890123…`, `abcdef…`: every character the one after the last (9 then 0 counts on). */
function isCountingSequence(value: string): boolean {
  for (let i = 1; i < value.length; i++) {
    if (value.charCodeAt(i) !== value.charCodeAt(i - 1) + 1 && !(value[i] === '0' && value[i - 1] === '9')) return false;
  }
  return true;
}

/**
 * Why SMTP_URL's query is refused, in any mode: the transport reads `requireTLS=true|false` and
 * nothing else, so anything more (`ignoreTLS`, `tls.rejectUnauthorized`, a second `requireTLS`
 * that a check and the transport could read differently) stops start-up rather than being
 * ignored by one reader and obeyed by another. Names no value.
 */
export function smtpQueryProblem(url: string): string | undefined {
  const params = [...new URL(url).searchParams];
  if (params.some(([key]) => key !== 'requireTLS')) return 'may carry only ?requireTLS=true or ?requireTLS=false in its query';
  if (params.length > 1) return 'names requireTLS more than once';
  const value = params[0]?.[1];
  if (value !== undefined && value !== 'true' && value !== 'false') return 'must say requireTLS=true or requireTLS=false';
  return undefined;
}

/** A sender the SMTP relay and mail clients accept: `address@domain` or `Name <address@domain>`. */
export const MAIL_FROM_PATTERN = /^(?:[^<>@]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+)$/;

/**
 * Why an SMTP URL would send in plain text: `smtps://` is TLS from the first byte; `smtp://`
 * must require STARTTLS, which the transport does on 587 (the default port) or with
 * `?requireTLS=true`, never with `?requireTLS=false`.
 */
export function plainTextSmtpReason(url: string): string | undefined {
  const parsed = new URL(url);
  if (parsed.protocol === 'smtps:') return undefined;
  const requireTLS = parsed.searchParams.get('requireTLS');
  if (requireTLS === 'false') return 'must not turn STARTTLS off (requireTLS=false) in strict mode';
  if (requireTLS === 'true') return undefined;
  const port = parsed.port ? Number(parsed.port) : 587;
  if (port !== 587) return 'would send in plain text: use smtps://, port 587, or ?requireTLS=true in strict mode';
  return undefined;
}

/** The password inside a URL (`scheme://user:pass@host`), decoded; undefined when none. */
export function urlPassword(url: string): string | undefined {
  const password = new URL(url).password;
  return password ? decodeURIComponent(password) : undefined;
}

/** Express's `trust proxy`: a hop count, or addresses and CIDR ranges (SPEC §2 TRUST_PROXY). */
export type TrustProxy = false | number | string[];

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Reads TRUST_PROXY: `1` (one proxy in front), or `10.0.0.1, 10.0.0.0/8, loopback`. `true`
 * (trust every hop) is refused: any client could then claim any address.
 */
export function parseTrustProxy(raw: string): TrustProxy | { error: string } {
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return hops > 32 ? { error: 'must be a hop count of at most 32, or addresses' } : hops === 0 ? false : hops;
  }
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) return { error: 'must be a hop count or comma-separated addresses / CIDR ranges' };
  for (const entry of entries) {
    if (PROXY_NAMES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !bitsOk || extra !== undefined) {
      return { error: 'must be a hop count or comma-separated addresses / CIDR ranges (e.g. 10.0.0.0/8)' };
    }
  }
  return entries;
}
