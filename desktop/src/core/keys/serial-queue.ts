/**
 * Runs async tasks one after the other, in call order, so that read-modify-write sequences of a
 * store never interleave within a process. A failed task does not stop the ones after it.
 * @example
 * const queue = new SerialQueue();
 * await queue.run(async () => { const index = await read(); await write(change(index)); });
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` once every earlier task has settled; resolves or rejects with its result. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
