import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

const entry = fileURLToPath(new URL('../../src/sandbox/standalone.ts', import.meta.url));

/** Starts the standalone sandbox, checks it serves, stops it with `signal`; resolves to the exit code. */
async function runUntil(t: Test, signal: NodeJS.Signals): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_SEED: '5' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('\n')) resolve(output.split('\n')[0]!);
    });
    child.once('exit', () => reject(new Error(`exited before printing: ${output}`)));
  });
  const { sandbox } = JSON.parse(line) as { sandbox: string };
  t.match(sandbox, /^http:\/\/127\.0\.0\.1:\d+$/, `${signal} run printed its URL`);
  const partners = await (await fetch(`${sandbox}/_sandbox/partners`)).json();
  t.equal(partners.data.length, 10, `${signal} run serves the demo world`);
  const exited = once(child, 'exit');
  child.kill(signal);
  return (await exited)[0] as number | null;
}

t.test('standalone: prints its URL, serves the demo world, exits cleanly on SIGTERM and SIGINT', async (t) => {
  const [term, int] = await Promise.all([runUntil(t, 'SIGTERM'), runUntil(t, 'SIGINT')]);
  t.equal(term, 0, 'exit code after SIGTERM');
  t.equal(int, 0, 'exit code after SIGINT');
});
