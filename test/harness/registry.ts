/** Things besides server processes that stopAll() must stop (proxies). */
const stoppables = new Set<() => Promise<void>>();

export function registerStoppable(stop: () => Promise<void>): void {
  stoppables.add(stop);
}

export async function stopStoppables(): Promise<void> {
  const all = [...stoppables];
  stoppables.clear();
  await Promise.all(all.map((stop) => stop()));
}
