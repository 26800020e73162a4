/** Who is calling: one type for staff (local tokens or Cognito groups), customers (portal session) and the system. */
export const ROLES = ['agent', 'privacy_officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  | { kind: 'staff'; staffId: string; role: Role }
  | { kind: 'customer'; customerId: string; sessionId: string }
  | { kind: 'system'; name: string };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The strongest role among several (a Cognito user may sit in more than one group). */
export function strongestRole(roles: readonly string[]): Role | undefined {
  const ranked = [...ROLES].reverse();
  return ranked.find((r) => roles.includes(r));
}

/** Actor fields for logs and records: an id and a role, never a name. */
export function actorOf(p: Principal): { actor: string; role: string } {
  switch (p.kind) {
    case 'staff':
      return { actor: `staff:${p.staffId}`, role: p.role };
    case 'customer':
      return { actor: 'customer', role: 'customer' };
    case 'system':
      return { actor: `system:${p.name}`, role: 'system' };
  }
}
