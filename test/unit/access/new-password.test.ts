import { describe, expect, it } from 'vitest';
import { newPasswordSchema } from '../../../src/access/user-admin';

/* A new password (the users API, the own-password change): long, and not what attackers try first. */
describe('newPasswordSchema', () => {
  it.each(['aaaaaaaaaaaaaaaa', 'abababababababab', 'password12345', 'Password2026!!', '123456789012', 'qwertyuiop123'])('refuses %j', (password) => {
    expect(newPasswordSchema.safeParse(password).success).toBe(false);
  });

  it.each(['correct horse battery staple (fictional)', 'a-long-enough-password', 'kettle orbit lantern 42'])('accepts %j', (password) => {
    expect(newPasswordSchema.safeParse(password).success).toBe(true);
  });

  it('refuses fewer than 12 characters', () => {
    expect(newPasswordSchema.safeParse('Zq7Xw2Lm9Rt').success).toBe(false);
  });
});
