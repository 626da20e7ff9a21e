import t from 'tap';
import { carrierAdapters, carrierManifests } from '../../src/carriers/registry.js';
import { supplierAdapters } from '../../src/suppliers/registry.js';
import { warehouseAdapters } from '../../src/warehouses/registry.js';
import { createMockedUpstream } from '../fixtures/mock-upstream.js';

t.test('each carrier adapter carries the manifest registered under its id', async (t) => {
  const { upstream } = createMockedUpstream(t);
  t.strictSame(Object.keys(carrierAdapters).sort(), Object.keys(carrierManifests).sort());
  for (const [id, factory] of Object.entries(carrierAdapters)) {
    const manifest = carrierManifests[id as keyof typeof carrierManifests];
    t.equal(manifest.id, id);
    t.equal(factory({ upstream }).manifest, manifest);
    t.match(manifest.defaultBaseUrl, /^https:\/\/api\.[a-z]+\.com$/, `${id} talks to its production origin`);
    t.ok(manifest.credentialFields.includes('api_key'));
    t.ok(['rates', 'buy_label', 'void_label'].every((c) => manifest.capabilities.includes(c as never)), `${id} declares what it implements`);
  }
});

t.test('supplier and warehouse adapters are registered under their protocol', async (t) => {
  const { upstream } = createMockedUpstream(t);
  for (const [protocol, factory] of Object.entries(supplierAdapters)) t.equal(factory({ upstream }).protocol, protocol);
  for (const [protocol, factory] of Object.entries(warehouseAdapters)) t.equal(factory({ upstream }).protocol, protocol);
});
