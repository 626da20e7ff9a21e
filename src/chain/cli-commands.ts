import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import { verifyJournal } from '../compensation/journal-verify.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { verifyLedger, type LedgerReport } from '../ledger/ledger-verify.js';
import { AnchorProof } from '../ledger/proof-format.js';
import type { AnchorChecker } from '../ledger/proof-service.js';
import { startAnvil, type AnvilNode } from './anvil.js';
import { connectProvider } from './ethers-anchor.js';
import { checkAnchorOnChain, verifyProof, type ProofVerdict } from './verify-anchor.js';

type Out = { write(s: string): void };
const mark = (ok: boolean | null) => (ok === null ? '-' : ok ? 'ok' : 'FAIL');

/** `pledge verify proof.json --rpc URL`: needs nothing but the file and an RPC endpoint. Exit code 0 valid, 1 not. */
export async function verifyProofCommand(file: string, rpcUrl: string | undefined, out: Out): Promise<number> {
  const parsed = AnchorProof.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    out.write(`${file} is not a milestone or journal proof: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    return 1;
  }
  const proof = parsed.data;
  let verdict: ProofVerdict;
  const connected = rpcUrl ? await connectProvider(rpcUrl) : null;
  try {
    verdict = await verifyProof(proof, connected?.provider ?? null);
  } finally {
    connected?.provider.destroy();
  }
  out.write(
    [
      proof.format === 'pledge.journal-proof.v1'
        ? `transaction ${proof.transaction.id} (${proof.transaction.kind}, ${proof.transaction.created_at})`
        : `milestone   ${proof.milestone.id} (${proof.milestone.type}, ${proof.milestone.occurred_at})`,
      `leaf        ${mark(verdict.local.isLeafValid)}  ${proof.leaf.encoding} = ${proof.leaf.hash}`,
      `merkle path ${mark(verdict.local.isPathValid)}  ${proof.merkle ? `${proof.merkle.path.length} step(s) to root ${proof.merkle.root}` : 'not batched yet'}`,
      `on chain    ${mark(verdict.chain ? verdict.chain.isAnchored : null)}  ${
        verdict.chain
          ? `chain ${proof.anchor!.chain_id}, contract ${proof.anchor!.contract}, tx ${proof.anchor!.tx_hash}, block ${verdict.chain.blockNumber} (${verdict.chain.blockTime}), ${verdict.chain.confirmations} confirmation(s)`
          : rpcUrl
            ? 'not anchored yet'
            : 'skipped: pass --rpc URL'
      }`,
      verdict.isValid ? `VALID: this ${proof.format === 'pledge.journal-proof.v1' ? 'journal transaction' : 'milestone'} is in a batch whose root is anchored on chain.` : `NOT VERIFIED: ${verdict.problems.join('; ')}`,
    ].join('\n') + '\n',
  );
  return verdict.isValid ? 0 : 1;
}

/**
 * `pledge ledger verify`: walks the hash chain and every batch, and checks anchored roots on chain
 * (--rpc URL, else CHAIN_RPC_URL, else the embedded node's state file). Exit code 0 intact, 1 diverged.
 */
export async function verifyLedgerCommand(db: Kysely<Database>, config: Config, options: { rpcUrl?: string; noChain?: boolean; json?: boolean }, out: Out): Promise<number> {
  let node: AnvilNode | undefined;
  let connected: Awaited<ReturnType<typeof connectProvider>> | undefined;
  try {
    if (!options.noChain) {
      const url = options.rpcUrl ?? config.chainRpcUrl;
      try {
        if (url) connected = await connectProvider(url);
        else {
          node = await startAnvil({ stateFile: join(resolve(config.dataDir), 'anvil-state.json') });
          connected = await connectProvider(node.url);
        }
      } catch (err) {
        out.write(`warning: no chain to check anchors against (${(err as Error).message}); checking the database only\n`);
      }
    }
    const provider = connected?.provider;
    const checkAnchor: AnchorChecker | null = provider ? (claim) => checkAnchorOnChain(provider, claim) : null;
    const report: LedgerReport = await verifyLedger(db, { checkAnchor });
    const journal = await verifyJournal(db, { checkAnchor });
    if (options.json) out.write(`${JSON.stringify({ ...report, journal }, null, 2)}\n`);
    else {
      out.write(`checked ${report.milestonesChecked} milestone(s), ${report.batchesChecked} batch(es), ${report.anchorsChecked} anchor(s) on chain${report.isChainChecked ? '' : ' (chain not checked)'}\n`);
      if (report.isIntact) out.write('INTACT: the hash chain and every batch root check out.\n');
      else {
        const d = report.firstDivergence!;
        out.write(`DIVERGED (${d.kind}): ${d.message}\n`);
        if (d.seq !== undefined) out.write(`  at seq ${d.seq}, milestone ${d.milestoneId}\n`);
        if (d.batchId !== undefined) out.write(`  in batch ${d.batchId}\n`);
        if (d.expected !== undefined) out.write(`  expected ${d.expected}\n  found    ${d.actual}\n`);
      }
      out.write(`checked ${journal.transactionsChecked} journal transaction(s) of ${journal.sellersChecked} seller(s), ${journal.batchesChecked} journal batch(es), ${journal.anchorsChecked} anchor(s) on chain\n`);
      if (journal.isIntact) out.write('INTACT: every seller\'s compensation journal and every journal batch root check out.\n');
      else out.write(`JOURNAL DIVERGED (${journal.firstDivergence!.kind}): ${journal.firstDivergence!.message}\n`);
    }
    return report.isIntact && journal.isIntact ? 0 : 1;
  } finally {
    connected?.provider.destroy();
    await node?.stop();
  }
}
