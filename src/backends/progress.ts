// Long work reported while it runs: compiling a program, loading its weights, compiling its pipelines, running a
// golden case. Backends and the commands report to a Progress; the command line draws one (src/cli/progress.ts); a
// library caller passes its own, or gets SILENT_PROGRESS.

export interface ProgressTask {
  /** `steps` more of the task's total are done (default 1). */
  advance(steps?: number): void;
  /** The task is over, finished or abandoned; call it once. */
  end(): void;
}

export interface Progress {
  /** Starts task `label` ("compiling pipelines") of `total` steps, or of a number not known when `total` is absent. */
  start(label: string, total?: number): ProgressTask;
}

const NO_TASK: ProgressTask = { advance() {}, end() {} };

/** Reports nothing. */
export const SILENT_PROGRESS: Progress = { start: () => NO_TASK };

/** Runs `body` as task `label`, ending the task when `body` settles, whether it succeeds or fails. */
export async function inTask<T>(progress: Progress, label: string, total: number | undefined, body: (task: ProgressTask) => Promise<T>): Promise<T> {
  const task = progress.start(label, total);
  try {
    return await body(task);
  } finally {
    task.end();
  }
}
