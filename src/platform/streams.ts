/** Resolves when the client has taken what was written, or has gone; neither listener outlives the wait. */
export function drainedOrClosed(res: NodeJS.WritableStream & { off(event: string, listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
