/**
 * The extension's log: a LogOutputChannel (levels chosen by the user) behind core's Logger interface.
 * Callers never pass secrets; as a second line of defence every line is redacted of the secrets this
 * session has handled and of `password=…`-style assignments.
 */
import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { Redactor } from './redact';

export interface ExtensionLogger extends Logger {
  readonly redactor: Redactor;
  readonly channel: vscode.LogOutputChannel;
}

export function createLogger(channel: vscode.LogOutputChannel, redactor = new Redactor()): ExtensionLogger {
  const at = (write: (m: string) => void) => (message: string) => write(redactor.redact(message));
  return {
    redactor,
    channel,
    trace: at((m) => channel.trace(m)),
    debug: at((m) => channel.debug(m)),
    info: at((m) => channel.info(m)),
    warn: at((m) => channel.warn(m)),
    error: at((m) => channel.error(m)),
  };
}
