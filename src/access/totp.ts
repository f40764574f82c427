import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

/** RFC 6238 defaults, which every authenticator app understands: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;
/** One step either side: a phone clock a little off still works. */
const TOLERANCE_SECONDS = PERIOD;
export const RECOVERY_CODE_COUNT = 10;
const ISSUER = 'Operation Endeavor';

/**
 * TOTP secrets are stored encrypted (AES-256-GCM, a key derived from SECRET_KEY with HKDF), so
 * a copy of the Redis data alone yields no secret; the secret is shown only while enrolling.
 */
export function totpCipher(secretKey: string) {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'endeavor-totp', 'totp secret encryption', 32));
  return {
    seal(plain: string): string {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed: string): string | undefined {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== 'v1' || !iv || !body || !tag) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
export type TotpCipher = ReturnType<typeof totpCipher>;

export const newTotpSecret = () => generateSecret();

/** The otpauth:// URI an authenticator app reads from the QR code. */
export const totpUri = (secret: string, email: string) => generateURI({ issuer: ISSUER, label: email, secret });

/** The QR code as an SVG drawn here (no outside service; plain attributes, so the strict CSP allows it). */
export async function qrSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 220 });
  return svg.replace('<svg ', '<svg role="img" aria-labelledby="qr-title" ').replace(/(<svg[^>]*>)/, '$1<title id="qr-title">QR code for your authenticator app</title>');
}

/**
 * The time step of a right code later than `afterStep`, else undefined: a code is accepted once
 * (RFC 6238 §5.2), since the caller stores the step and passes it back next time.
 */
export async function checkTotp(secret: string, code: string, now: Date, afterStep: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epoch: Math.floor(now.getTime() / 1000), epochTolerance: TOLERANCE_SECONDS, afterTimeStep: afterStep });
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}

/** Ten single-use recovery codes like `k3j9-x7q2-m4p8`: 60 random bits each, so a plain SHA-256 is enough to store them. */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(12);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export const recoveryDigest = (code: string) => createHash('sha256').update(code.trim().toLowerCase().replace(/\s+/g, ''), 'utf8').digest('hex');

/** The index of the matching stored digest, compared in constant time, or -1. */
export function findRecoveryCode(stored: readonly string[], code: string): number {
  const given = Buffer.from(recoveryDigest(code), 'hex');
  let found = -1;
  stored.forEach((digest, i) => {
    const candidate = Buffer.from(digest, 'hex');
    if (candidate.length === given.length && timingSafeEqual(candidate, given) && found === -1) found = i;
  });
  return found;
}
