// What the child process of a suite that measures a run in a process of its own (load-run.ts, scale-run.ts) needs:
// its peak resident memory, a timer of its phases, and answering the one request its suite sends.

/** The peak resident set of this process so far, in bytes. */
export const peakRss = (): number => process.resourceUsage().maxRSS * 1024;

/** A timer: each call returns the seconds since the timer was made or last called. */
export function lapTimer(): () => number {
  let start = performance.now();
  return () => {
    const now = performance.now();
    const seconds = (now - start) / 1000;
    start = now;
    return seconds;
  };
}

/** Runs `run` on the request the suite sends, sends back `{ result }` or `{ error }` and exits. */
export function answerRequest<Request, Result>(run: (request: Request) => Promise<Result>): void {
  process.once('message', (request: Request) => {
    run(request).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (e: Error) => process.send!({ error: e.stack ?? e.message }, () => process.exit(1)),
    );
  });
}
