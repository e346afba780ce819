/** A small client for the admin API, used by `lvs7 status` and `lvs7 server set`. */
export interface AdminClientOptions {
  readonly url: string;
  readonly token?: string | undefined;
}

export class AdminClientError extends Error {
  readonly code = 'LVS7_ERR_ADMIN_CLIENT';
}

export async function adminRequest<T>(
  options: AdminClientOptions,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(new URL(path, options.url), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw new AdminClientError(`cannot reach the admin API at ${options.url}: ${(err as Error).message}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AdminClientError(`${method} ${path}: HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const message = (json as { error?: { message?: string } }).error?.message ?? text;
    throw new AdminClientError(`${method} ${path}: HTTP ${response.status}: ${message}`);
  }
  return json as T;
}
