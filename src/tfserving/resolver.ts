/**
 * Targets for a list of TF Serving addresses. grpc-js resolves `dns:host:port` (one name, all its addresses) and
 * `ipv4:a:p,b:p` (literal IPs only), but not a list of host names, so `host1:8500,host2:8500` goes through a small
 * resolver that looks every name up and hands all addresses to the round_robin policy. It looks the names up again
 * whenever the channel asks (a connection failed), so a replaced server is found.
 */
import { lookup } from 'node:dns/promises';
import { experimental, status as GrpcStatus, Metadata } from '@grpc/grpc-js';

export const HOST_LIST_SCHEME = 'nightshift-hosts';
/** Like grpc-js's DNS resolver: a fleet that is down is not looked up in a tight loop. */
const MIN_TIME_BETWEEN_RESOLUTIONS_MS = 5_000;

function parseList(path: string): { host: string; port: number }[] {
  return path
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((hp) => {
      const parsed = experimental.splitHostPort(hp);
      if (!parsed || parsed.port === undefined) throw new Error(`TF Serving target "${hp}" is not host:port`);
      return { host: parsed.host, port: parsed.port };
    });
}

class HostListResolver implements experimental.Resolver {
  private readonly hosts: { host: string; port: number }[];
  private generation = 0;
  private lastResolution = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    target: { path: string },
    private readonly listener: experimental.ResolverListener,
  ) {
    this.hosts = parseList(target.path);
  }

  updateResolution(): void {
    if (this.timer) return;
    const wait = this.lastResolution + MIN_TIME_BETWEEN_RESOLUTIONS_MS - Date.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastResolution = Date.now();
      this.resolveNow();
    }, Math.max(0, wait));
    this.timer.unref?.();
  }

  private resolveNow(): void {
    const generation = ++this.generation;
    void this.resolve().then((endpoints) => {
      if (generation !== this.generation) return;
      if (endpoints.length === 0) {
        this.listener(
          experimental.statusOrFromError({
            code: GrpcStatus.UNAVAILABLE,
            details: `no address for any of ${this.hosts.map((h) => `${h.host}:${h.port}`).join(', ')}`,
            metadata: new Metadata(),
          }),
          {},
          null,
          '',
        );
        return;
      }
      this.listener(experimental.statusOrFromValue(endpoints), {}, null, '');
    });
  }

  private async resolve(): Promise<experimental.Endpoint[]> {
    const found = await Promise.all(
      this.hosts.map(async ({ host, port }) => {
        try {
          const addrs = await lookup(host, { all: true });
          return addrs.map((a) => ({ addresses: [{ host: a.address, port }] }));
        } catch {
          return [];
        }
      }),
    );
    return found.flat();
  }

  destroy(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastResolution = 0;
  }

  static getDefaultAuthority(target: { path: string }): string {
    return target.path.split(',')[0]!.trim();
  }
}

experimental.registerResolver(HOST_LIST_SCHEME, HostListResolver);

/**
 * `host:port` stays as it is (grpc-js's DNS resolver: every address of the name); `h1:p1,h2:p2` becomes the host
 * list scheme; anything with a scheme (`dns:`, `ipv4:`, `unix:`) is passed through.
 */
export function grpcTarget(target: string): string {
  const t = target.trim();
  if (/^(dns|ipv4|ipv6|unix|unix-abstract|vsock|xds|nightshift-hosts):/.test(t) || /^[a-z][a-z0-9+.-]*:(?!\d)/i.test(t)) return t;
  if (!t.includes(',')) return t;
  parseList(t);
  return `${HOST_LIST_SCHEME}:${t}`;
}
