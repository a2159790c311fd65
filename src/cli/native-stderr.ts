// Keeping Dawn's start-up warnings off the user's terminal. When it first enumerates a Vulkan adapter that reports
// huge dynamic-buffer limits (lavapipe among them), Dawn (the `webgpu` package's native module) prints
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.
// and the same for storage buffers, from C++ straight to file descriptor 2: past Node's process.stderr, and with no
// option or environment variable that silences it. So the `dsv3` command (bin/dsv3.js) does its work in a child
// process whose descriptor 2 is a pipe read here: those two lines are dropped, every other byte passes on as soon as
// it cannot be one of them (real native errors included). The child's JavaScript writes its stderr to descriptor 3,
// which is this process's stderr itself, so it stays a terminal where it is one (progress lines, widths).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import tty from 'node:tty';

/** Set in the child's environment; the child removes it so that processes it starts are not mistaken for one. */
const CHILD_MARK = 'DSV3_FILTERED_STDERR';
/** The child's descriptor for this process's stderr. */
const PARENT_STDERR = 3;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What every dropped line starts with, and the whole of each. */
const WARNING_START = 'Warning: maxDynamic';
const DAWN_START_UP_WARNING = /^Warning: maxDynamic(Uniform|Storage)BuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.\r?$/;

/** Drops Dawn's start-up warning lines from a text stream and passes everything else on at once. */
export class StderrFilter {
  /** The start of a line that may still turn out to be a warning. */
  private pending = '';

  /** The text to pass on after `chunk`. */
  push(chunk: string): string {
    const lines = (this.pending + chunk).split('\n');
    const last = lines.pop()!;
    const kept = lines.filter((line) => !DAWN_START_UP_WARNING.test(line)).map((line) => `${line}\n`);
    const undecided = WARNING_START.startsWith(last) || last.startsWith(WARNING_START);
    this.pending = undecided ? last : '';
    return kept.join('') + (undecided ? '' : last);
  }

  /** The text held back at the end of the stream (a last line without a newline that is not a warning). */
  end(): string {
    const rest = DAWN_START_UP_WARNING.test(this.pending) ? '' : this.pending;
    this.pending = '';
    return rest;
  }
}

/** Whether this process is the child of `runFilteringNativeStderr`. */
export const isFilteredChild = (): boolean => process.env[CHILD_MARK] === '1';

/**
 * In the child: process.stderr becomes descriptor 3 (the parent's stderr), and the child ends when the parent does
 * (a killed parent must not leave the work running). Call before anything is written.
 */
export function adoptParentStderr(): void {
  delete process.env[CHILD_MARK];
  const stream = tty.isatty(PARENT_STDERR)
    ? new tty.WriteStream(PARENT_STDERR)
    : new Writable({
        write(chunk: Buffer, _encoding, done) {
          try {
            fs.writeSync(PARENT_STDERR, chunk);
            done();
          } catch (e) {
            done(e as Error);
          }
        },
      });
  Object.defineProperty(process, 'stderr', { value: stream, configurable: true, enumerable: true, writable: true });
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.channel?.unref();
}

/**
 * Runs `node script args` as the filtered child, with this process's stdin and stdout, and resolves with its exit
 * code; a child ended by a signal ends this process with the same signal.
 */
export function runFilteringNativeStderr(script: string, args: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
    stdio: ['inherit', 'inherit', 'pipe', process.stderr.fd, 'ipc'],
    env: { ...process.env, [CHILD_MARK]: '1' },
  });
  const filter = new StderrFilter();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => process.stderr.write(filter.push(chunk)));
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of SIGNALS) process.on(signal, forward);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' comes after the child's stderr has been read to its end.
    child.on('close', (code, signal) => {
      process.stderr.write(filter.end());
      for (const s of SIGNALS) process.off(s, forward);
      if (signal !== null) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}
