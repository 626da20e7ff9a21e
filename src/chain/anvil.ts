import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';

/**
 * The embedded chain: a local Anvil node (from the @foundry-rs/anvil optional dependency) on
 * loopback, its state persisted under DATA_DIR. We spawn the platform binary directly: the npm
 * wrapper costs ~45 MB and takes seconds to pass a kill on.
 */

/** Anvil's first dev account (the well-known test mnemonic): only ever used against the embedded node. */
export const ANVIL_DEV_PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

export type AnvilNode = {
  url: string;
  port: number;
  chainId: number;
  /** Stops the node (it writes its state file on the way out). */
  stop(): Promise<void>;
};

export function findAnvilBinary(): string | null {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  try {
    const path = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/bin/${exe}`);
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** eth_chainId over plain fetch: used to probe readiness before any ethers provider exists. */
export async function probeChainId(url: string, timeoutMs = 1000): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: string; error?: { message: string } };
  if (!body.result) throw new Error(`eth_chainId failed: ${body.error?.message ?? res.status}`);
  return Number(BigInt(body.result));
}

export type StartAnvilOptions = {
  /** `--state`: loaded at start, written on exit and every `stateIntervalS`. Omit for an in-memory chain (tests). */
  stateFile?: string;
  stateIntervalS?: number;
  port?: number;
  /** Seconds between blocks; omitted: a block per transaction (automine). */
  blockTimeS?: number;
  readyTimeoutMs?: number;
  binary?: string;
};

/** @throws Error when the binary is missing or the node does not answer within readyTimeoutMs. */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilNode> {
  const binary = options.binary ?? findAnvilBinary();
  if (!binary || !existsSync(binary)) throw new Error('the anvil binary is not installed (optional dependency @foundry-rs/anvil)');
  const port = options.port ?? (await freePort());
  const args = ['--host', '127.0.0.1', '--port', String(port), '--silent'];
  if (options.stateFile) args.push('--state', options.stateFile, '--state-interval', String(options.stateIntervalS ?? 10));
  if (options.blockTimeS) args.push('--block-time', String(options.blockTimeS));
  // A node left behind by a killed parent would keep writing the same state file: stop it first.
  const pidFile = options.stateFile ? `${options.stateFile}.pid` : undefined;
  if (pidFile) await stopStrayNode(pidFile);
  const child: ChildProcess = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  let chainId: number | undefined;
  while (chainId === undefined) {
    if (hasExited) throw new Error(`anvil exited before answering: ${stderr.trim() || 'no output'}`);
    try {
      chainId = await probeChainId(url, 500);
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`anvil did not answer on ${url} within ${options.readyTimeoutMs ?? 10_000} ms`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return {
    url,
    port,
    chainId,
    async stop() {
      if (hasExited) return;
      child.kill('SIGTERM'); // SIGTERM: anvil dumps its state file before exiting
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      if (pidFile) rmSync(pidFile, { force: true });
    },
  };
}

async function stopStrayNode(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    // Only ever an anvil process (Linux names it in /proc); a recycled pid belongs to someone else.
    if (existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'anvil') return;
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // not running
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
