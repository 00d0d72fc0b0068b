// Asking the person at the terminal a yes/no question. The question goes to stderr (stdout is
// for results); the answer is read from stdin, which must be a terminal: a script has no one
// to answer, so callers refuse instead of reading a pipe.
import readline from 'node:readline/promises';

export function stdinIsTerminal(): boolean {
  return process.stdin.isTTY === true;
}

/** True only for an explicit "yes" (or "y"); end of input counts as no. */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  try {
    const closed = new Promise<string>((resolve) => rl.once('close', () => resolve('')));
    const answer = await Promise.race([rl.question(`${question} `), closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
