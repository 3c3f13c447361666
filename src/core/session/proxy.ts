/**
 * STUB (issue 14 skeleton): SOCKS5 / HTTP CONNECT proxies. The real implementation (the `socks`
 * library, HTTP CONNECT, `ALL_PROXY`/`HTTPS_PROXY`/`NO_PROXY`) lands with the proxy work.
 */
import type { Duplex } from 'node:stream';
import { UsageError } from '../errors';

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface ProxyOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The proxy URL to reach `target` through: the profile's, else the environment's (unless NO_PROXY matches). */
export function proxyFor(_target: ProxyTarget, explicit: string | undefined, _env: NodeJS.ProcessEnv = process.env): string | undefined {
  return explicit;
}

/** A stream to target.host:port through the proxy (the proxy resolves the name for socks5h and http). */
export async function openProxiedStream(proxyUrl: string, _target: ProxyTarget, _opts: ProxyOptions = {}): Promise<Duplex> {
  throw new UsageError(`Proxies are not supported yet (${proxyUrl}).`);
}
