/** Questions on the terminal: trust decisions and prompts a server sends (echo honoured). */
import * as readline from 'node:readline';
import type { CliContext } from './context';

export async function askLine(ctx: CliContext, question: string, echo = true): Promise<string | undefined> {
  const input = ctx.stdin as NodeJS.ReadStream;
  const output = ctx.stderr as NodeJS.WriteStream;
  const rl = readline.createInterface({ input, output, terminal: true });
  if (!echo) {
    // Print the question ourselves, then swallow the echo of every key typed.
    output.write(question);
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  }
  try {
    return await new Promise<string | undefined>((resolve) => {
      rl.once('close', () => resolve(undefined));
      rl.question(echo ? question : '', (answer) => resolve(answer));
    });
  } finally {
    if (!echo) output.write('\n');
    rl.close();
  }
}
