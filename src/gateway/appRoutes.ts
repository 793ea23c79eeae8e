/**
 * The method and path of every route an express 5 app serves, nested routers included: what the
 * gateway's route table (`apiRoutes.ts`) is checked against, so no route goes undocumented.
 */
import type { Application, Router } from 'express';

export interface AppRoute {
  /** Lower case, as in OpenAPI; `all` for `app.all()`. HEAD only when registered alone: express answers it for every GET. */
  method: string;
  /** Express style, mount paths joined: `/v1/jobs/:id`. */
  path: string;
}

/** `router.listRoutes()` of the `router` package (2.3) that express 5 is built on; not in @types/express. */
interface ListedRoute {
  path: string | RegExp;
  methods: string[] | undefined;
  router: Router | undefined;
}
interface ListingRouter {
  listRoutes(): ListedRoute[];
}

function canList(router: unknown): router is ListingRouter {
  return typeof (router as Partial<ListingRouter> | null)?.listRoutes === 'function';
}

function join(base: string, path: string): string {
  const joined = `${base}/${path}`.replace(/\/{2,}/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function walk(router: unknown, base: string, out: AppRoute[]): void {
  if (!canList(router)) throw new Error('appRoutes: the router cannot list its routes (express 5 with router >= 2.3 is needed)');
  for (const r of router.listRoutes()) {
    // A RegExp route has no template to document; it shows up as such, to be noticed.
    const path = join(base, typeof r.path === 'string' ? r.path : r.path.toString());
    if (r.router) walk(r.router, path, out);
    const methods = (r.methods ?? []).map((m) => (m === '*' ? 'all' : m.toLowerCase()));
    for (const method of methods) {
      if (method === 'head' && methods.includes('get')) continue;
      out.push({ method, path });
    }
  }
}

export function appRoutes(app: Application): AppRoute[] {
  const out: AppRoute[] = [];
  walk(app.router, '', out);
  return out;
}
