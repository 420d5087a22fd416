import { createHash, timingSafeEqual } from 'node:crypto';

import { AdminCredentials } from '../config/app-config.service';

/**
 * Whether an `Authorization: Basic …` header carries exactly these credentials. Both sides are
 * hashed to one length first, so the comparison takes the same time whatever was sent and
 * reveals neither the length nor the first wrong character of the secret.
 */
export function hasAdminCredentials(
  authorization: string | undefined,
  expected: AdminCredentials,
): boolean {
  const offered = parseBasicAuthorization(authorization);
  if (!offered) return false;

  const isUsernameRight = isSameSecret(offered.username, expected.username);
  const isPasswordRight = isSameSecret(offered.password, expected.password);
  return isUsernameRight && isPasswordRight;
}

function parseBasicAuthorization(header: string | undefined): AdminCredentials | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;

  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return null;
  return { username: decoded.slice(0, separator), password: decoded.slice(separator + 1) };
}

function isSameSecret(offered: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(offered), digest(expected));
}
