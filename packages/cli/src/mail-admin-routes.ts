import { type AdminServer, readJsonObject, sendJson } from '@lvs7/admin';
import { MailAdmin, mailAdminRoutes } from '@lvs7/mail';
import type { RunningListener } from './listener-factory.js';
import { MailListenerAdapter } from './listeners/mail.js';

/**
 * GET /api/mail/users/:user (where a user is placed and why) and
 * POST /api/mail/users/:user/move {server}, over the mail listeners running
 * at the time of the request.
 */
export function registerMailAdmin(admin: AdminServer, listeners: () => Iterable<RunningListener>): void {
  const current = () => {
    const mail = new MailAdmin();
    for (const l of listeners()) if (l instanceof MailListenerAdapter) mail.add(l.listener);
    return mail;
  };
  for (const route of mailAdminRoutes(new MailAdmin())) {
    admin.route(route.method, route.path, async (req, res, params) => {
      const body = route.method === 'POST' ? await readJsonObject(req) : undefined;
      const fresh = mailAdminRoutes(current()).find(
        (r) => r.method === route.method && r.path === route.path,
      )!;
      const out = await fresh.handler(params, body);
      sendJson(res, out.status, out.body);
    });
  }
}
