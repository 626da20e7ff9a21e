import { readFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { systemClock } from '../lib/clock.js';
import { comparisonTable } from './replay-core.js';
import { ReplayRequestSchema } from './replay-params.js';
import { createReplayService } from './replay-service.js';

type Out = { write(s: string): unknown; isTTY?: boolean };

/** `pledge replay`: runs a replay in this process against the configured database (no server, no job row). */
export async function replayCommand(
  db: Kysely<Database>,
  args: { from: string; to: string; policyFile: string; sellerId: string; json: boolean },
  io: { stdout: Out; stderr: Out },
): Promise<number> {
  let policy: unknown;
  try {
    policy = JSON.parse(readFileSync(args.policyFile, 'utf8'));
  } catch (err) {
    io.stderr.write(`cannot read ${args.policyFile}: ${(err as Error).message}\n`);
    return 64;
  }
  const parsed = ReplayRequestSchema.safeParse({ from: args.from, to: args.to, policy });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) io.stderr.write(`${issue.path.join('.') || '(input)'}: ${issue.message}\n`);
    return 64;
  }
  const progress = progressReporter(io.stderr);
  const result = await createReplayService({ db, clock: systemClock }).run(args.sellerId, parsed.data, progress);
  if (result.orders_considered === 0) io.stderr.write(`no orders of seller ${args.sellerId} were placed in [${args.from}, ${args.to})\n`);
  if (args.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else io.stdout.write(comparisonTable(result, result.currency ?? ''));
  return 0;
}

/** A redrawn bar on a terminal; plain percentage lines (at most one per 10%) when stderr is a file or pipe. */
export function progressReporter(out: Out) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    const ratio = total === 0 ? 1 : done / total;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * ratio).toFixed(0).padStart(3)}% ${done}/${total}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(ratio * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      out.write(`replay: ${tenth * 10}% (${done}/${total})\n`);
    }
  };
}
