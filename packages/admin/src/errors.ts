import { Lvs7Error } from '@lvs7/core';

/** An admin request the API refuses; carries its HTTP status. */
export class AdminRequestError extends Lvs7Error {
  readonly status: number;
  constructor(status: number, code: string, message: string) {
    super(code, message);
    this.status = status;
  }
}

export const badRequest = (message: string) =>
  new AdminRequestError(400, 'LVS7_ERR_ADMIN_BAD_REQUEST', message);
export const notFound = (message: string) => new AdminRequestError(404, 'LVS7_ERR_ADMIN_NOT_FOUND', message);
export const unauthorized = () =>
  new AdminRequestError(
    401,
    'LVS7_ERR_ADMIN_UNAUTHORIZED',
    'this change needs the admin token (Authorization: Bearer …)',
  );

/** Status of the core's typed errors when the admin API meets them. */
export function statusOf(err: unknown): number {
  if (err instanceof AdminRequestError) return err.status;
  if (!(err instanceof Lvs7Error)) return 500;
  switch (err.code) {
    case 'LVS7_ERR_POOL_NOT_FOUND':
    case 'LVS7_ERR_SERVER_NOT_FOUND':
      return 404;
    case 'LVS7_ERR_SERVER_EXISTS':
      return 409;
    default:
      return 400;
  }
}
