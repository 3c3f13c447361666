/**
 * How a transfer's progress reads in the notification: bytes of total, rate and time left, and the
 * file count for folders. Plain logic (no VS Code API) so it is unit-tested.
 */
import type { TransferProgressSnapshot } from '../core/transfer/progress';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${UNITS[i]}`;
}

/** `42 s`, `3 min 5 s`, `2 h 10 min`: an ETA only needs two units. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `1.5 MiB of 4.0 MiB · 2.0 MiB/s · 2 s left · 3 of 10 files` (parts still unknown are left out). */
export function progressMessage(p: TransferProgressSnapshot): string {
  const parts = [p.totalBytes !== undefined ? `${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)}` : formatBytes(p.bytes)];
  if (p.bytesPerSecond > 0) parts.push(`${formatBytes(p.bytesPerSecond)}/s`);
  if (p.etaSeconds !== undefined && p.bytesPerSecond > 0) parts.push(`${formatDuration(p.etaSeconds)} left`);
  if (p.totalFiles !== undefined && p.totalFiles > 1) parts.push(`${p.files} of ${p.totalFiles} files`);
  return parts.join(' · ');
}

/** How long a finished transfer took: `0.2 s` under ten seconds, else as formatDuration. */
export function formatElapsed(seconds: number): string {
  return seconds < 10 ? `${(Math.round(seconds * 10) / 10).toFixed(1)} s` : formatDuration(seconds);
}

export interface FinishedTransfer {
  direction: 'upload' | 'download';
  /** The file or folder's name (already escaped where the server chose it). */
  name: string;
  /** `demo:/var/www` (upload target folder or download source folder). */
  remoteFolder: string;
  /** The local folder a download went to. */
  localFolder: string;
  /** Files in a folder transfer; undefined for one file. */
  files?: number;
  bytes: number;
  seconds: number;
}

/** `Uploaded page.html to demo:/var/www (12 KiB, 0.2 s)`; `Downloaded site from demo:/srv to /home/me (3 files, 1.0 MiB, 1.2 s)`. */
export function finishedMessage(t: FinishedTransfer): string {
  const facts = [...(t.files !== undefined ? [`${t.files} file${t.files === 1 ? '' : 's'}`] : []), formatBytes(t.bytes), formatElapsed(t.seconds)].join(', ');
  return t.direction === 'upload' ? `Uploaded ${t.name} to ${t.remoteFolder} (${facts})` : `Downloaded ${t.name} from ${t.remoteFolder} to ${t.localFolder} (${facts})`;
}
