import type { ApiKeyRole } from '../db/database.js';

/**
 * Field-level rules (issue #6): costs, margins and the ledger are for finance, auditors and admins;
 * ops sees orders without them. One function per view, applied by the route to what the service
 * rendered, so the services and the stored idempotent replays stay role-agnostic.
 */
export const canSeeCosts = (role: ApiKeyRole) => role !== 'ops';

/** Fields of an order view that carry what the seller pays (not what it charges). */
const ORDER_COST_FIELDS = ['landed_cost_minor', 'expected_breach_cost_minor'] as const;
const SHIPMENT_COST_FIELDS = ['landed_cost_minor', 'shipping_cost_minor'] as const;

function omit<T extends Record<string, unknown>>(value: T, keys: readonly string[]): T {
  const copy: Record<string, unknown> = { ...value };
  for (const k of keys) delete copy[k];
  return copy as T;
}

/** An order as a role may see it: for ops, no landed or breach cost on the order nor on its shipments. */
export function redactOrder<T>(order: T, role: ApiKeyRole): T {
  if (canSeeCosts(role) || order === null || typeof order !== 'object') return order;
  const o = omit(order as Record<string, unknown>, ORDER_COST_FIELDS);
  if (Array.isArray(o.shipments)) {
    o.shipments = o.shipments.map((s) => {
      if (!s || typeof s !== 'object') return s;
      const shipment = omit(s as Record<string, unknown>, SHIPMENT_COST_FIELDS);
      // A shipment's lines carry the supplier's unit cost.
      return { ...shipment, lines: stripKeys(shipment.lines, COST_KEY) };
    });
  }
  return o as T;
}

export function redactOrderList<T extends { data: unknown[] }>(list: T, role: ApiKeyRole): T {
  return canSeeCosts(role) ? list : { ...list, data: list.data.map((o) => redactOrder(o, role)) };
}

/**
 * A decision record is free-form JSON (candidates with their factors, quotes, shipment plans), so it
 * is redacted by key at every depth: anything named like a cost or margin, and the score, which is
 * landed cost plus expected breach cost and would give both away.
 */
const COST_KEY = /(cost|margin|^score$|^amount_?minor$)/i;

export function redactDecision<T>(decision: T, role: ApiKeyRole): T {
  return canSeeCosts(role) ? decision : (stripKeys(decision, COST_KEY) as T);
}

function stripKeys(value: unknown, pattern: RegExp): unknown {
  if (Array.isArray(value)) return value.map((v) => stripKeys(v, pattern));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!pattern.test(k)) out[k] = stripKeys(v, pattern);
  return out;
}
