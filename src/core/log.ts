/**
 * The logger core code writes to. The extension backs it with a LogOutputChannel, the CLI with stderr
 * under --verbose. Callers pass no secrets; `redactingLogger` is a second line of defence.
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
