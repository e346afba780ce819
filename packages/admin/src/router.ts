import type { IncomingMessage, ServerResponse } from 'node:http';

export type RouteParams = Record<string, string>;
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: RouteParams) => unknown;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
  readonly mutates: boolean;
}

export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: RouteParams;
  readonly mutates: boolean;
}

/** Method + path patterns such as `/api/pools/:pool/servers/:name`. */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): void {
    const names: string[] = [];
    const source = path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.#routes.push({
      method,
      pattern: new RegExp(`^${source}$`),
      names,
      handler,
      mutates: method !== 'GET' && method !== 'HEAD',
    });
  }

  /** The route, or 'method' when the path exists under another method, or undefined. */
  match(method: string, path: string): RouteMatch | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const params: RouteParams = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      return { handler: route.handler, params, mutates: route.mutates };
    }
    return pathMatched ? 'method' : undefined;
  }
}
