import { StringDecoder } from 'node:string_decoder';
import { InterruptedError } from './errors.js';

/**
 * Asks a question on the terminal and reads the answer without echo (stdin must be a TTY).
 * Enter ends the answer, Backspace deletes, Ctrl-U clears, Ctrl-C throws InterruptedError.
 * @example
 * const passphrase = await promptHidden('Passphrase: ', process.stdin, process.stderr);
 */
export function promptHidden(
  question: string,
  stdin: NodeJS.ReadStream,
  out: NodeJS.WriteStream,
): Promise<string> {
  out.write(question);
  const decoder = new StringDecoder('utf8');
  const wasRaw = stdin.isRaw;
  stdin.setRawMode(true);
  return new Promise((resolve, reject) => {
    let answer: string[] = [];
    const finish = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      out.write('\n');
    };
    const onData = (chunk: Buffer): void => {
      const typed = Array.from(decoder.write(chunk));
      for (const [at, ch] of typed.entries()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004' || ch === '\u0003') {
          finish();
          // Whatever was typed ahead (e.g. the answer to a second prompt) stays readable.
          const rest = typed
            .slice(ch === '\r' && typed[at + 1] === '\n' ? at + 2 : at + 1)
            .join('');
          if (rest !== '') stdin.unshift(Buffer.from(rest, 'utf8'));
          if (ch === '\u0003') reject(new InterruptedError());
          else resolve(answer.join(''));
          return;
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (ch === '\u0015') answer = [];
        else if (ch >= ' ') answer.push(ch);
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
