/** The process streams and environment a command runs with (injectable for tests). */
export interface CliIo {
  stdin: NodeJS.ReadStream & { fd: 0 };
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/**
 * The real process streams.
 * @example
 * await main(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
