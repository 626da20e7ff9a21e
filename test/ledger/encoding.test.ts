import { createHash } from 'node:crypto';
import t from 'tap';
import { canonicalBytes, chainHash, GENESIS_HASH, leafHash, normalizeDetails, type CanonicalMilestone } from '../../src/ledger/encoding.js';

const base: CanonicalMilestone = {
  id: 'ms_1',
  seller_id: 'sel_1',
  order_id: 'ord_1',
  shipment_id: 'shp_1',
  type: 'delivered',
  occurred_at: '2025-03-04T05:06:07.089Z',
  source: 'easypost',
  source_event_id: 'evt_1',
  details: { status: 'delivered', location: { city: 'Newark', zip: '07102' } },
};
const salt = 'ab'.repeat(32);

t.test('the canonical encoding is the documented JSON, byte for byte', async (t) => {
  t.equal(
    canonicalBytes(base).toString('utf8'),
    '{"details":{"location":{"city":"Newark","zip":"07102"},"status":"delivered"},"id":"ms_1","occurred_at":"2025-03-04T05:06:07.089Z","order_id":"ord_1","seller_id":"sel_1","shipment_id":"shp_1","source":"easypost","source_event_id":"evt_1","type":"delivered","v":1}',
  );
});

t.test('equal milestones encode equally whatever the key order; any field change changes the bytes', async (t) => {
  const reordered = { ...base, details: { location: { zip: '07102', city: 'Newark' }, status: 'delivered' } };
  t.same(canonicalBytes(reordered), canonicalBytes(base));
  const changes: [string, Partial<CanonicalMilestone>][] = [
    ['type', { type: 'in_transit' }],
    ['time by a millisecond', { occurred_at: '2025-03-04T05:06:07.090Z' }],
    ['order', { order_id: 'ord_2' }],
    ['nested detail', { details: { status: 'delivered', location: { city: 'Newark', zip: '07103' } } }],
    ['source event', { source_event_id: 'evt_2' }],
  ];
  for (const [name, change] of changes) t.not(canonicalBytes({ ...base, ...change }).toString(), canonicalBytes(base).toString(), name);
});

t.test('non-ASCII text and numbers encode as JSON.stringify writes them', async (t) => {
  const bytes = canonicalBytes({ ...base, details: { note: 'Zoë signed ✓', weight: 1.5, count: 3, nothing: null } }).toString('utf8');
  t.match(bytes, '"details":{"count":3,"note":"Zoë signed ✓","nothing":null,"weight":1.5}');
});

t.test('details are normalized to what the database hands back', async (t) => {
  t.same(normalizeDetails({ at: new Date('2025-01-01T00:00:00Z'), gone: undefined, n: 2 }), { at: '2025-01-01T00:00:00.000Z', n: 2 });
});

t.test('leaf and chain hashes follow the documented formulas', async (t) => {
  const canonical = canonicalBytes(base);
  const expectedLeaf = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(salt, 'hex'), canonical])).digest('hex');
  t.equal(leafHash(salt, canonical), expectedLeaf);
  const expectedChain = createHash('sha256').update(Buffer.concat([Buffer.alloc(32), Buffer.from(salt, 'hex'), canonical])).digest('hex');
  t.equal(chainHash(GENESIS_HASH, salt, canonical), expectedChain);
  t.not(leafHash('cd'.repeat(32), canonical), expectedLeaf, 'the salt changes the leaf');
  t.throws(() => leafHash('ab', canonical), /salt/);
});
