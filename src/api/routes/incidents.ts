import { z } from 'zod';
import type { IncidentService } from '../../incidents/service.js';
import type { ResponseTeam } from '../../incidents/team.js';
import { incidentView, incidentViewSchema, statusSummary, timelineEntrySchema, timelineView } from '../../incidents/view.js';
import { ApiError } from '../errors.js';
import { route, type Route } from '../route.js';
import { declareBody, declineBody, incidentId, listQuery, mergeBody, pinBody, resolveBody, roleBody, updateBody } from './schemas.js';

const one = z.object({ incident: incidentViewSchema });

export function incidentRoutes(service: IncidentService, team: ResponseTeam): Route[] {
  const view = async (p: Promise<Parameters<typeof incidentView>[0]>) => ({ incident: incidentView(await p) });
  return [
    route<object, z.output<typeof listQuery>>({
      method: 'GET',
      path: '/v1/incidents',
      tag: 'incidents',
      summary: 'List incidents, newest first',
      role: 'viewer',
      query: listQuery,
      response: z.object({ incidents: z.array(incidentViewSchema) }),
      handler: async ({ query }) => ({ incidents: (await service.list({ status: query.status })).map(incidentView) }),
    }),
    route<object, object, z.output<typeof declareBody>>({
      method: 'POST',
      path: '/v1/incidents',
      tag: 'incidents',
      summary: 'Declare an incident',
      description: 'Assigns the response roles the severity calls for and pages the receivers (not for tabletop exercises).',
      role: 'responder',
      body: declareBody,
      response: one,
      status: 201,
      handler: ({ body, actor }) =>
        view(service.declare({ ...body, startedAt: body.startedAt ? Date.parse(body.startedAt) : undefined }, actor)),
    }),
    route<z.output<typeof incidentId>>({
      method: 'GET',
      path: '/v1/incidents/:id',
      tag: 'incidents',
      summary: 'One incident with its timeline',
      role: 'viewer',
      params: incidentId,
      response: z.object({ incident: incidentViewSchema, timeline: z.array(timelineEntrySchema) }),
      handler: async ({ params }) => {
        const found = await service.get(params.id);
        if (!found) throw new ApiError(404, 'not_found', `no incident ${params.id}; GET /api/v1/incidents lists them`);
        return { incident: incidentView(found.incident), timeline: timelineView(found.timeline) };
      },
    }),
    route<z.output<typeof incidentId>>({
      method: 'POST',
      path: '/v1/incidents/:id/ack',
      tag: 'incidents',
      summary: 'Acknowledge an incident (stops escalation)',
      role: 'responder',
      params: incidentId,
      response: one,
      handler: ({ params, actor }) => view(service.acknowledge(params.id, actor)),
    }),
    route<z.output<typeof incidentId>, object, z.output<typeof updateBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/updates',
      tag: 'incidents',
      summary: 'Post an update: status, severity, message, fields, mitigation, failover',
      role: 'responder',
      params: incidentId,
      body: updateBody,
      response: one,
      handler: ({ params, body, actor }) => view(service.update(params.id, body, actor)),
    }),
    route<z.output<typeof incidentId>, object, z.output<typeof resolveBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/resolve',
      tag: 'incidents',
      summary: 'Resolve an incident (schedules the debrief within 24 h)',
      role: 'responder',
      params: incidentId,
      body: resolveBody,
      response: one,
      handler: ({ params, body, actor }) => view(service.resolve(params.id, body.message, actor)),
    }),
    route<z.output<typeof incidentId>, object, z.output<typeof declineBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/decline',
      tag: 'incidents',
      summary: 'Decline: it was not an incident',
      role: 'responder',
      params: incidentId,
      body: declineBody,
      response: one,
      handler: ({ params, body, actor }) => view(service.decline(params.id, body.reason, actor)),
    }),
    route<z.output<typeof incidentId>, object, z.output<typeof mergeBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/merge',
      tag: 'incidents',
      summary: 'Merge into another open incident',
      role: 'responder',
      params: incidentId,
      body: mergeBody,
      response: one,
      handler: ({ params, body, actor }) => view(service.merge(params.id, body.into, actor)),
    }),
    route<z.output<typeof incidentId>, object, z.output<typeof roleBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/roles',
      tag: 'incidents',
      summary: 'Assign or reassign a response role',
      role: 'responder',
      params: incidentId,
      body: roleBody,
      response: one,
      handler: ({ params, body, actor }) => view(service.assignRole(params.id, body.role, body.assignee, actor)),
    }),
    route<{ id: string; version: number }, object, z.output<typeof pinBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/timeline/:version/pin',
      tag: 'incidents',
      summary: 'Pin (or unpin) a timeline event for the post-mortem',
      role: 'responder',
      params: incidentId.extend({ version: z.coerce.number().int().positive() }),
      body: pinBody,
      response: one,
      handler: ({ params, body, actor }) => view(service.pin(params.id, params.version, body.pinned, actor)),
    }),
    route({
      method: 'GET',
      path: '/v1/status',
      tag: 'incidents',
      summary: 'Current status: open incidents and the worst severity',
      role: 'viewer',
      handler: async () => statusSummary(await service.list({ status: 'open' })),
    }),
    route({
      method: 'GET',
      path: '/v1/team',
      tag: 'incidents',
      summary: 'The response team: roles, extended teams, people, assignments by severity',
      role: 'viewer',
      handler: async () => {
        const c = team.config;
        return { roles: c.roles, extendedTeams: c.extendedTeams, people: c.people, assignments: c.assignments };
      },
    }),
  ];
}

