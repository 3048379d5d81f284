import type { TokenRole } from '../store/control-port.js';

export type Role = TokenRole;
export const ROLES: readonly Role[] = ['viewer', 'responder', 'admin'];

/**
 * Roles are nested: a responder can do what a viewer can, an admin what a responder can.
 *  - viewer: reads incidents, the team and the status; changes nothing.
 *  - responder: runs incidents (declare, acknowledge, update, resolve, assign roles, pin) and feeds signals.
 *  - admin: everything, plus tokens and the audit log.
 */
export function roleAllows(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Who did something: a name for the timeline and audit log, and the role they acted with. */
export interface Actor {
  /** 'token:<name>', 'cli:<os user>', 'mcp:<principal>', 'detector:<node>', 'timer:<node>'... */
  id: string;
  role: Role | 'system';
}
