/** Local staff identity: bearer tokens from CRM_STAFF_TOKENS, or one generated admin token kept in the data dir. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRole, type Role } from '../lambdas/core/shared/principal';

export interface StaffToken {
  token: string;
  staffId: string;
  role: Role;
}

export function parseStaffTokens(raw: string): StaffToken[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('CRM_STAFF_TOKENS must be a JSON list of {"token","staffId","role"}.');
  }
  if (!Array.isArray(parsed)) throw new Error('CRM_STAFF_TOKENS must be a JSON list.');
  return parsed.map((t, i) => {
    const { token, staffId, role } = (t ?? {}) as Record<string, unknown>;
    if (typeof token !== 'string' || token.length < 16) throw new Error(`CRM_STAFF_TOKENS[${i}].token must be a string of 16+ characters.`);
    if (typeof staffId !== 'string' || !staffId) throw new Error(`CRM_STAFF_TOKENS[${i}].staffId is required.`);
    if (!isRole(role)) throw new Error(`CRM_STAFF_TOKENS[${i}].role must be agent, privacy_officer or admin.`);
    return { token, staffId, role };
  });
}

/** Loads CRM_STAFF_TOKENS, or the generated admin token (created once, mode 0600). */
export function loadStaffTokens(env: string | undefined, dataDir: string): { tokens: StaffToken[]; generated?: StaffToken } {
  if (env) return { tokens: parseStaffTokens(env) };
  const file = join(dataDir, 'admin-token');
  if (!existsSync(file)) writeFileSync(file, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  const generated: StaffToken = { token: readFileSync(file, 'utf8').trim(), staffId: 'local-admin', role: 'admin' };
  return { tokens: [generated], generated };
}

export function findStaff(tokens: readonly StaffToken[], presented: string): StaffToken | undefined {
  const p = Buffer.from(presented);
  return tokens.find((t) => {
    const b = Buffer.from(t.token);
    return b.length === p.length && timingSafeEqual(b, p);
  });
}
