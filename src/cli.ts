import { parseArgs } from 'node:util';
import { resolve, join } from 'node:path';
import { connectPglite, connectPostgres } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { createSellerService } from './sellers/seller-service.js';
import { configOrExit, startServer } from './server.js';
import type { Config } from './config.js';

const USAGE = `Usage: pledge <command>

Commands:
  serve                       Run the API (applies pending migrations first)
  migrate                     Apply pending database migrations
  seller create --name NAME   Create a seller and print its first API key (shown once)
  verify PROOF.json --rpc URL Check a milestone proof against the chain (nothing else needed)
  ledger verify [--rpc URL] [--no-chain] [--json]
                              Walk the milestone hash chain and every anchored batch; report the first divergence
  replay --from DATE --to DATE --policy FILE [--seller ID] [--json]
                              Re-decide past orders under another policy; compare with what was decided

Configuration comes from the environment (see README.md).`;

async function openDatabase(config: Config) {
  return config.databaseUrl ? connectPostgres(config.databaseUrl) : connectPglite(join(resolve(config.dataDir), 'db'));
}

async function main(argv: string[]) {
  const [command, sub, ...rest] = argv;
  if (command === 'serve' || command === undefined) {
    await startServer(configOrExit());
    return;
  }
  if (command === 'migrate') {
    const config = configOrExit();
    const database = await openDatabase(config);
    try {
      const result = await migrateToLatest(database.db);
      const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Database is up to date.\n');
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'seller' && sub === 'create') {
    const { values } = parseArgs({ args: rest, options: { name: { type: 'string' } } });
    if (!values.name) throw new UsageError('seller create needs --name');
    const config = configOrExit();
    const database = await openDatabase(config);
    try {
      await migrateToLatest(database.db);
      const { seller, apiKey } = await createSellerService({ db: database.db }).createSeller({ name: values.name });
      process.stdout.write(`${JSON.stringify({ id: seller.id, name: seller.name, api_key: apiKey.key })}\n`);
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'verify') {
    const { values, positionals } = parseArgs({ args: argv.slice(1), options: { rpc: { type: 'string' } }, allowPositionals: true });
    if (positionals.length !== 1) throw new UsageError('verify needs one proof file');
    const { verifyProofCommand } = await import('./chain/cli-commands.js');
    process.exitCode = await verifyProofCommand(positionals[0]!, values.rpc, process.stdout);
    return;
  }
  if (command === 'ledger' && sub === 'verify') {
    const { values } = parseArgs({ args: rest, options: { rpc: { type: 'string' }, 'no-chain': { type: 'boolean' }, json: { type: 'boolean' } } });
    const config = configOrExit();
    const database = await openDatabase(config);
    try {
      const { verifyLedgerCommand } = await import('./chain/cli-commands.js');
      process.exitCode = await verifyLedgerCommand(database.db, config, { ...(values.rpc ? { rpcUrl: values.rpc } : {}), noChain: values['no-chain'] ?? false, json: values.json ?? false }, process.stdout);
    } finally {
      await database.close();
    }
    return;
  }
  if (command === 'replay') {
    const { values } = parseArgs({ args: argv.slice(1), options: { from: { type: 'string' }, to: { type: 'string' }, policy: { type: 'string' }, seller: { type: 'string' }, json: { type: 'boolean' } } });
    if (!values.from || !values.to || !values.policy) throw new UsageError('replay needs --from, --to and --policy');
    const config = configOrExit();
    const database = await openDatabase(config);
    try {
      await migrateToLatest(database.db);
      const { replayCommand } = await import('./replay/replay-command.js');
      const args = { from: values.from, to: values.to, policyFile: values.policy, sellerId: values.seller ?? 'sel_demo', json: values.json ?? false };
      process.exitCode = await replayCommand(database.db, args, { stdout: process.stdout, stderr: process.stderr });
    } finally {
      await database.close();
    }
    return;
  }
  if (command === '--help' || command === 'help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  throw new UsageError(`unknown command: ${argv.join(' ')}`);
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((err) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${USAGE}\n`);
    process.exit(64);
  }
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
