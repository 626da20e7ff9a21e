import { MoneyParseError, toMinorUnits } from '../../lib/money.js';
import type { OrderRequest } from '../../orders/order-service.js';

/** A platform order reduced to what Pledge needs, before the checks every platform shares. Pure. */
export type OrderDraft = {
  externalId: string;
  currency: string;
  /** Only the lines that need a parcel (the platform mapping drops gift cards, digital goods...). */
  lines: { label: string; sku: string | null | undefined; quantity: number; price: string | number | null | undefined }[];
  shipTo: {
    name: string | null;
    line1: string | null;
    line2: string | null;
    city: string | null;
    region: string | null;
    postalCode: string | null;
    country: string | null;
    phone: string | null;
    email: string | null;
  } | null;
};

export type DraftResult = { ok: true; request: OrderRequest } | { ok: false; reason: string };

const clean = (s: string | null | undefined) => {
  const t = s?.trim();
  return t ? t : null;
};
// Contact details help the carrier but never block a shipment: unusable ones are dropped.
const contactEmail = (s: string | null) => (s && s.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) ? s : null);
const contactPhone = (s: string | null) => (s && s.length <= 40 ? s : null);

/**
 * Builds Pledge's OrderRequest, or the reason this order can never ship. Lines with the same SKU and
 * unit price are merged (platforms split them by variant options or discounts); prices become integer
 * minor units of the order currency, digit by digit.
 */
export function draftToRequest(draft: OrderDraft): DraftResult {
  const currency = draft.currency.toUpperCase();
  if (!draft.shipTo) return { ok: false, reason: 'no shipping address: nothing to ship' };
  if (draft.lines.length === 0) return { ok: false, reason: 'no line requires shipping' };

  const merged = new Map<string, OrderRequest['lines'][number]>();
  for (const line of draft.lines) {
    const sku = clean(line.sku);
    if (!sku) return { ok: false, reason: `line "${line.label}" has no SKU` };
    if (line.price === null || line.price === undefined) return { ok: false, reason: `line "${line.label}" has no price` };
    let unitPriceMinor: number;
    try {
      unitPriceMinor = toMinorUnits(line.price, currency);
    } catch (err) {
      if (err instanceof MoneyParseError) return { ok: false, reason: `line "${line.label}" has an unreadable price ${JSON.stringify(line.price)}` };
      throw err;
    }
    const key = `${sku}\u0000${unitPriceMinor}`;
    const existing = merged.get(key);
    if (existing) existing.quantity += line.quantity;
    else merged.set(key, { sku, quantity: line.quantity, unit_price_minor: unitPriceMinor });
  }

  const a = draft.shipTo;
  const required = { name: clean(a.name), line1: clean(a.line1), city: clean(a.city), postal_code: clean(a.postalCode), country: clean(a.country)?.toUpperCase() ?? null };
  for (const [field, value] of Object.entries(required)) {
    if (!value) return { ok: false, reason: `the shipping address has no ${field.replace('_', ' ')}` };
  }
  return {
    ok: true,
    request: {
      external_id: draft.externalId,
      currency,
      ship_to: {
        name: required.name!,
        line1: required.line1!,
        line2: clean(a.line2),
        city: required.city!,
        region: clean(a.region),
        postal_code: required.postal_code!,
        country: required.country!,
        phone: contactPhone(clean(a.phone)),
        email: contactEmail(clean(a.email)),
      },
      lines: [...merged.values()],
    },
  };
}
