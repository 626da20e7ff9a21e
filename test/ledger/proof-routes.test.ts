import t from 'tap';
import { ANVIL_DEV_PRIVATE_KEY } from '../../src/chain/anvil.js';
import { verifyProof } from '../../src/chain/verify-anchor.js';
import { MilestoneProof } from '../../src/ledger/proof-format.js';
import { createSellerService } from '../../src/sellers/seller-service.js';
import { testChain } from '../chain/helpers.js';
import { build, orderBody } from '../helper.js';

t.test('proofs over HTTP: the seller API and the public tracking page', async (t) => {
  const chain = await testChain(t);
  const ctx = await build(t, { env: { CHAIN_RPC_URL: chain.node.url, CHAIN_PRIVATE_KEY: ANVIL_DEV_PRIVATE_KEY, CHAIN_CONFIRMATIONS: '2' } });
  const { anchorer } = ctx.app.services.ledger;

  const placed = await ctx.placeOrder(orderBody());
  t.equal(placed.statusCode, 201, placed.body);
  const order = placed.json();
  const code: string = order.voucher.code;
  const milestones = await ctx.deps.db.selectFrom('milestones').selectAll().where('order_id', '=', order.id).orderBy('seq').execute();
  t.ok(milestones.length >= 1, 'the order flow recorded its milestones (instruction_sent...)');
  const first = milestones[0]!;

  t.test('before anchoring: the proof says recorded, the page says not anchored yet', async (t) => {
    const res = await ctx.request({ method: 'GET', url: `/v1/milestones/${first.id}/proof` });
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { status: 'recorded', merkle: null, anchor: null, milestone: { id: first.id, order_id: order.id, type: first.type } });
    const page = await ctx.request({ method: 'GET', url: `/track/${code}`, key: null });
    t.equal(page.statusCode, 200);
    t.match(page.headers['content-type'], /text\/html/);
    t.match(page.body, /Not anchored yet/);
  });

  t.test('after anchoring: the proof carries the path and the anchor, and verifies on chain', async (t) => {
    // Two batches: the order's milestones, and its exposure reservation in the journal stream (0011).
    t.match(await anchorer.tick({ flush: true }), { cut: 2, submitted: 2, chain: 'ok' });
    await anchorer.tick();
    await chain.mine(1);
    t.match(await anchorer.tick(), { finalized: 1 });

    const res = await ctx.request({ method: 'GET', url: `/v1/milestones/${first.id}/proof` });
    t.equal(res.statusCode, 200);
    const proof = MilestoneProof.parse(res.json());
    t.match(proof, { status: 'anchored', merkle: { batch_id: 1, leaf_index: 0 }, anchor: { status: 'final', chain_id: 31337, required_confirmations: 2 } });
    t.ok(proof.anchor!.confirmations! >= 2);
    t.equal(JSON.stringify(proof).includes('ship_to') || JSON.stringify(proof).includes('Ada Lovelace'), false, 'no customer data in the proof');
    const verdict = await verifyProof(proof, chain.provider);
    t.equal(verdict.isValid, true, verdict.problems.join('; '));

    const page = await ctx.request({ method: 'GET', url: `/track/${code}`, key: null });
    t.equal(page.statusCode, 200);
    t.equal((page.body.match(/Verified on chain/g) ?? []).length, milestones.length, 'every milestone verifies');
    t.match(page.headers['content-security-policy'], /default-src 'none'/);
    t.equal(page.headers['referrer-policy'], 'no-referrer');
    t.notMatch(page.body, /<script/i);

    const publicProof = await ctx.request({ method: 'GET', url: `/track/${code}/milestones/${first.id}/proof`, key: null });
    t.equal(publicProof.statusCode, 200);
    t.same(publicProof.json(), res.json());
  });

  t.test('who may see what', async (t) => {
    const other = await createSellerService({ db: ctx.deps.db }).createSeller({ name: 'Other' });
    const foreign = await ctx.request({ method: 'GET', url: `/v1/milestones/${first.id}/proof`, key: other.apiKey.key });
    t.equal(foreign.statusCode, 404, "another seller's milestone does not exist for you");
    t.equal((await ctx.request({ method: 'GET', url: `/v1/milestones/${first.id}/proof`, key: null })).statusCode, 401);
    const unknown = await ctx.request({ method: 'GET', url: '/track/PV-AAAA-BBBB-CCCC', key: null });
    t.equal(unknown.statusCode, 404);
    t.match(unknown.body, /No order matches/);
    t.equal((await ctx.request({ method: 'GET', url: '/track/not-a-code', key: null })).statusCode, 400);

    const second = (await ctx.placeOrder(orderBody())).json();
    const otherMilestone = await ctx.deps.db.selectFrom('milestones').select('id').where('order_id', '=', second.id).executeTakeFirstOrThrow();
    const crossed = await ctx.request({ method: 'GET', url: `/track/${code}/milestones/${otherMilestone.id}/proof`, key: null });
    t.equal(crossed.statusCode, 404, "one voucher does not open another order's proofs");
  });

  t.test('the chain unreachable: the page still renders and says so', async (t) => {
    await chain.node.stop();
    const page = await ctx.request({ method: 'GET', url: `/track/${code}`, key: null });
    t.equal(page.statusCode, 200);
    t.ok(/Verified on chain|Chain unreachable/.test(page.body), 'cached verdicts or an honest "unreachable"');
    const proof = await ctx.request({ method: 'GET', url: `/v1/milestones/${first.id}/proof` });
    t.equal(proof.statusCode, 200, 'proofs come from the database, never a chain call');
  });
});
