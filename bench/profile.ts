/**
 * Where our time goes: runs a function under the V8 CPU profiler (in-process inspector) and sums
 * self time per function, so the benchmark can show why a target was missed.
 */
import { Session } from 'node:inspector';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  what: string;
  share: number;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

/** Where a frame lives, shortened: `ssh2/lib/protocol/Protocol.js`, `src/core/…`, `node:fs`. */
function place(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  if (url.startsWith('node:')) return url;
  const out = url.indexOf('/out/');
  return out >= 0 ? url.slice(out + 5) : path.basename(url);
}

export async function profile<T>(fn: () => Promise<T>, top = 12): Promise<{ result: T; lines: ProfileLine[] }> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(session, 'Profiler.start');
  let result: T;
  let p: Profile;
  try {
    result = await fn();
  } finally {
    p = (await post<{ profile: Profile }>(session, 'Profiler.stop')).profile;
    session.disconnect();
  }
  const totals = new Map<string, number>();
  let all = 0;
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    all += hits;
    const f = n.callFrame;
    const key = f.url ? `${f.functionName || '(anonymous)'} — ${place(f.url)}` : f.functionName || '(native)';
    totals.set(key, (totals.get(key) ?? 0) + hits);
  }
  const lines = [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([what, hits]) => ({ what, share: all ? hits / all : 0 }));
  return { result: result!, lines };
}
