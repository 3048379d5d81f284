import type { TeamConfig } from './config.js';
import type { Contact, RoleAssignment, Severity } from './model.js';

type Rotation = { members: string[]; start: number; every: number };

/** The member on call at `at`: turns of `every` counted from `start` (before start: the first member). */
export function onCall(rotation: Rotation, at: number): string {
  const turn = Math.max(0, Math.floor((at - rotation.start) / rotation.every));
  return rotation.members[turn % rotation.members.length];
}

export class TeamError extends Error {
  readonly status = 422;
}

export class ResponseTeam {
  constructor(readonly config: TeamConfig) {}

  /** The roles and extended teams the severity calls for, each with whoever is on call at `at`. */
  assignmentsFor(severity: Severity, at: number): RoleAssignment[] {
    return this.config.assignments[severity].map((role) => this.assign(role, undefined, at));
  }

  /** One role: an explicit assignee (a configured person), else its fixed assignee or rotation. */
  assign(role: string, assignee: string | undefined, at: number): RoleAssignment {
    const def = this.config.roles[role] ?? this.config.extendedTeams[role];
    if (!def) throw new TeamError(`"${role}" is neither a role nor an extended team (known: ${this.knownRoles().join(', ')})`);
    if (assignee !== undefined && !(assignee in this.config.people)) {
      throw new TeamError(`"${assignee}" is not in incidents.team.people (known: ${Object.keys(this.config.people).join(', ') || 'none configured'})`);
    }
    const who = assignee ?? def.assignee ?? (def.rotation ? onCall(def.rotation, at) : null);
    const teamContact = 'contact' in def && typeof def.contact === 'string' ? def.contact : undefined;
    return { role, title: def.title, assignee: who, contact: this.contact(who, teamContact) };
  }

  /** The people an escalation to this level pages (incidents.team.escalation), with their contacts. */
  escalationContacts(level: string): Contact[] {
    const people = (this.config.escalation as Record<string, string[] | undefined>)[level] ?? [];
    return people.map((who) => this.contact(who, undefined)).filter((c): c is Contact => c !== null);
  }

  knownRoles(): string[] {
    return [...Object.keys(this.config.roles), ...Object.keys(this.config.extendedTeams)];
  }

  private contact(person: string | null, teamContact: string | undefined): Contact | null {
    const p = person ? this.config.people[person] : undefined;
    if (p) return { ...p };
    return teamContact ? { name: teamContact, ...(teamContact.includes('@') ? { email: teamContact } : {}) } : null;
  }
}
