import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Child = {
  name: string;
  pid: number;
  logPath: string;
  process: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<string>;
  logTail(lines?: number): string;
};

const live = new Set<Child>();

/**
 * Runs a TypeScript entry point as `node --import tsx <entry>`, so the pid is the program itself
 * (the tsx CLI would put a wrapper process in between, and /proc numbers would be the wrapper's).
 */
export function spawnTs(name: string, entry: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; logPath: string; nodeArgs?: string[] }): Child {
  const fd = openSync(opts.logPath, 'a');
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', entry, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${entry}`);
  let stopping: Promise<string> | undefined;
  const exited = new Promise<string>((resolve) =>
    proc.once('exit', (code, signal) => {
      const how = signal ?? `exit code ${code}`;
      if (!stopping) process.stderr.write(`[bench] ${name} (pid ${proc.pid}) ended on its own: ${how}\n`);
      resolve(how);
    }),
  );
  const child: Child = {
    name,
    pid: proc.pid,
    logPath: opts.logPath,
    process: proc,
    exited,
    stop(graceMs = 20_000) {
      stopping ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGTERM');
          const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
          const how = await exited;
          clearTimeout(timer);
          live.delete(child);
          return how;
        }
        live.delete(child);
        return exited;
      })();
      return stopping;
    },
    logTail(lines = 20) {
      try {
        return readFileSync(opts.logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      } catch {
        return '';
      }
    },
  };
  live.add(child);
  void exited.then(() => live.delete(child));
  return child;
}

/** Stops every child still running (used on errors and signals). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(5_000)));
}

/** A port that was free a moment ago, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns a value, the child exits, or `timeoutMs` passes. */
export async function waitFor<T>(child: Child, what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let hasExited = false;
  void child.exited.then(() => (hasExited = true));
  while (performance.now() < deadline) {
    if (hasExited) throw new Error(`${child.name} exited before ${what}:\n${child.logTail()}`);
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`${child.name}: no ${what} within ${timeoutMs} ms:\n${child.logTail()}`);
}
