import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { encryptKeystoreJsonSync, Wallet } from 'ethers';
import t from 'tap';
import { ANVIL_DEV_PRIVATE_KEY } from '../../src/chain/anvil.js';
import { chainSettings } from '../../src/chain/index.js';
import { createChainConnector, redactUrl } from '../../src/chain/connector.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { testChain } from './helpers.js';

const KEY_HEX = ANVIL_DEV_PRIVATE_KEY.slice(2);

t.test('the chain key is never shown by logging or serializing the config', async (t) => {
  const config = loadConfig({ CHAIN_RPC_URL: 'https://rpc.example.com/v2/secret-api-key', CHAIN_PRIVATE_KEY: KEY_HEX });
  for (const shown of [JSON.stringify(config), inspect(config, { depth: 5 }), String(config.chainPrivateKey)]) {
    t.notMatch(shown, KEY_HEX);
  }
  t.equal(config.chainPrivateKey!.reveal(), ANVIL_DEV_PRIVATE_KEY, 'readable on purpose, 0x-prefixed');
  t.equal(config.chainConfirmations, 12, 'RPC default');
  t.equal(redactUrl(config.chainRpcUrl!), 'https://rpc.example.com', 'an API key in the URL path is not logged');
});

t.test('defaults and refusals', async (t) => {
  const embedded = loadConfig({});
  t.match(embedded, { chainRpcUrl: undefined, chainConfirmations: 1, anchorBatchSize: 1000, anchorBatchMaxAgeMs: 30_000 });
  t.match(chainSettings({ dataDir: '/d', rpcUrl: undefined, privateKey: undefined, keystoreFile: undefined, keystorePassword: undefined, confirmations: 1 }), { mode: 'embedded', stateFile: '/d/anvil-state.json' });
  const cases: [Record<string, string>, RegExp][] = [
    [{ CHAIN_PRIVATE_KEY: '0x1234' }, /CHAIN_PRIVATE_KEY/],
    [{ CHAIN_PRIVATE_KEY: KEY_HEX }, /CHAIN_RPC_URL: required with a chain key/],
    [{ CHAIN_RPC_URL: 'http://x', CHAIN_PRIVATE_KEY: KEY_HEX, CHAIN_KEYSTORE_FILE: '/k', CHAIN_KEYSTORE_PASSWORD: 'p' }, /not both/],
    [{ CHAIN_RPC_URL: 'http://x', CHAIN_KEYSTORE_FILE: '/k' }, /CHAIN_KEYSTORE_PASSWORD/],
    [{ CHAIN_RPC_URL: 'ftp://x' }, /CHAIN_RPC_URL/],
    [{ CHAIN_CONFIRMATIONS: '0' }, /CHAIN_CONFIRMATIONS/],
    [{ CHAIN_CONTRACT_ADDRESS: '0x12' }, /CHAIN_CONTRACT_ADDRESS/],
  ];
  for (const [env, message] of cases) {
    let thrown: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      thrown = err;
    }
    t.ok(thrown instanceof ConfigError && message.test(thrown.message), `${JSON.stringify(env)}: ${String(thrown)}`);
  }
});

t.test('a keystore file signs like the raw key; a wrong password is a clear error', async (t) => {
  const chain = await testChain(t);
  const dir = mkdtempSync(join(tmpdir(), 'pledge-keystore-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const wallet = new Wallet(ANVIL_DEV_PRIVATE_KEY);
  const file = join(dir, 'key.json');
  // Cheap scrypt parameters: a test, not a real keystore.
  writeFileSync(file, encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, 'correct horse', { scrypt: { N: 1 << 10 } }));
  const settings = (password: string) =>
    chainSettings({ dataDir: dir, rpcUrl: chain.node.url, privateKey: undefined, keystoreFile: file, keystorePassword: { reveal: () => password }, confirmations: 1 });
  const good = createChainConnector(settings('correct horse'));
  t.teardown(() => good.close());
  t.equal((await good.port())!.sender, wallet.address);
  const bad = createChainConnector(settings('wrong'));
  t.teardown(() => bad.close());
  await t.rejects(bad.port(), /could not open CHAIN_KEYSTORE_FILE/);
});
