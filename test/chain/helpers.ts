import { Wallet, type JsonRpcProvider } from 'ethers';
import { migrateToLatest } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/database.js';
import { ANVIL_DEV_PRIVATE_KEY, startAnvil, type AnvilNode, type StartAnvilOptions } from '../../src/chain/anvil.js';
import { connectProvider, createEthersAnchorPort } from '../../src/chain/ethers-anchor.js';
import type { AnchorPort } from '../../src/ledger/anchor-port.js';
import { recordMilestone, type MilestoneInput } from '../../src/ledger/milestones.js';
import { freshDatabase } from '../helper.js';
import type { Kysely } from 'kysely';

type TapTest = { teardown(fn: () => unknown): void };
export const silentLog = { info() {}, warn() {}, error() {} };

/** A fresh Anvil for one test file (in memory unless a state file is given), with its raw RPC. */
export async function testChain(t: TapTest, options: StartAnvilOptions = {}) {
  const node: AnvilNode = await startAnvil(options);
  const { provider } = await connectProvider(node.url);
  t.teardown(async () => {
    provider.destroy();
    await node.stop();
  });
  return {
    node,
    provider,
    port: (): AnchorPort => createEthersAnchorPort(provider, node.chainId, new Wallet(ANVIL_DEV_PRIVATE_KEY), { pollMs: 20 }),
    rpc: (method: string, params: unknown[] = []) => provider.send(method, params),
    mine: (blocks: number) => provider.send('anvil_mine', [`0x${blocks.toString(16)}`]),
  };
}
export type TestChain = Awaited<ReturnType<typeof testChain>>;

/** Every Anchored event the contract emitted in the canonical chain, by root. */
export async function anchoredRoots(provider: JsonRpcProvider, contract: string): Promise<string[]> {
  const { anchorInterface } = await import('../../src/chain/ethers-anchor.js');
  const iface = anchorInterface();
  const logs = await provider.getLogs({ address: contract, topics: [iface.getEvent('Anchored')!.topicHash], fromBlock: 0, toBlock: 'latest' });
  return logs.map((l) => l.topics[1]!.slice(2));
}

/** A migrated throwaway database with one seller, and a way to add milestones. */
export async function ledgerDatabase(t: TapTest) {
  const { database, drop } = await freshDatabase();
  t.teardown(drop);
  await migrateToLatest(database.db, database.schema);
  await database.db.insertInto('sellers').values({ id: 'sel_a', name: 'A' }).execute();
  let n = 0;
  const db: Kysely<Database> = database.db;
  return {
    db,
    add: async (count: number, over: Partial<MilestoneInput> = {}) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i++) {
        n++;
        const r = await recordMilestone(db, {
          sellerId: 'sel_a',
          orderId: `ord_${n % 3}`,
          shipmentId: `shp_${n % 3}`,
          type: 'in_transit',
          occurredAt: new Date(Date.UTC(2025, 4, 1, 0, 0, n)),
          source: 'shippo',
          sourceEventId: `evt_${n}`,
          details: { n, message: 'Departed facility' },
          ...over,
        });
        ids.push(r.id);
      }
      return ids;
    },
  };
}
