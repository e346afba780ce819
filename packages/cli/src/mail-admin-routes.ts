import { type AdminServer, readJsonObject, sendJson } from '@lvs7/admin';
import { MailAdmin, mailAdminRoutes } from '@lvs7/mail';
import type { RunningListener } from './listener-factory.js';
import { MailListenerAdapter } from './listeners/mail.js';

/** Answers one mail admin request (locally, or in a worker process when the listeners live there). */
export type MailAdminAnswer = (
  method: string,
  path: string,
  params: Record<string, string>,
  body: unknown,
) => Promise<{ status: number; body: unknown }>;

/** Answers mail admin requests over the mail listeners running at the time of the request. */
export function answerMailAdmin(listeners: () => Iterable<RunningListener>): MailAdminAnswer {
  return async (method, path, params, body) => {
    const mail = new MailAdmin();
    for (const l of listeners()) if (l instanceof MailListenerAdapter) mail.add(l.listener);
    const route = mailAdminRoutes(mail).find((r) => r.method === method && r.path === path);
    if (route === undefined)
      return { status: 404, body: { error: 'LVS7_ERR_NOT_FOUND', message: `no route ${method} ${path}` } };
    return route.handler(params, body);
  };
}

/**
 * GET /api/mail/users/:user (where a user is placed and why),
 * POST /api/mail/users/:user/move {server} and the other mail admin routes.
 */
export function registerMailAdmin(admin: AdminServer, answer: MailAdminAnswer): void {
  for (const route of mailAdminRoutes(new MailAdmin())) {
    admin.route(route.method, route.path, async (req, res, params) => {
      const body = route.method === 'POST' ? await readJsonObject(req) : undefined;
      const out = await answer(route.method, route.path, params, body);
      sendJson(res, out.status, out.body);
    });
  }
}
