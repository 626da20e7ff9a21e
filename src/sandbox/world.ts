import { DEFAULT_KNOBS, type SandboxKnobs } from './knobs.js';

export type CarrierKind = 'easypost' | 'shippo' | 'shipengine';

/** The demo network as a seller would configure it in Pledge: ids, keys and base paths. */
export type SandboxWorld = {
  suppliers: { id: string; name: string; apiKey: string; path: string }[];
  warehouses: {
    id: string;
    name: string;
    supplierId: string;
    apiKey: string;
    path: string;
    address: { name: string; line1: string; city: string; region: string; postalCode: string; country: string };
  }[];
  carrierAccounts: { id: string; carrier: CarrierKind; name: string; apiKey: string; path: string }[];
  catalog: {
    sku: string;
    supplierId: string;
    supplierSku: string;
    warehouseId: string;
    unitCostMinor: number;
    currency: 'USD';
    weightGrams: number;
  }[];
};

/** What the simulators know about each partner beyond the public world. */
export type SupplierSpec = SandboxWorld['suppliers'][number] & {
  knobs: SandboxKnobs;
  /** Today's packing time: the quote's handover ETA is now + a draw in this range. */
  handlingHours: readonly [min: number, max: number];
  stock: Readonly<Record<string, number>>;
};

export type WarehouseSpec = SandboxWorld['warehouses'][number] & {
  knobs: SandboxKnobs;
  /** The warehouse's own reference, echoed as `warehouse_ref` in its schedule. */
  code: string;
  /** Fixed offset (no daylight saving) of the site's local time, e.g. -300 for -05:00. */
  utcOffsetMinutes: number;
  cutoffLocalMinutes: number;
  departAfterMinutes: number;
  handlingHours: number;
  capacityPerPickup: number;
};

export type CarrierAccountSpec = SandboxWorld['carrierAccounts'][number] & {
  knobs: SandboxKnobs;
  /** Integer basis points applied to the list price: aggregators negotiate differently. */
  priceBasisPoints: number;
};

export type WorldSpec = {
  suppliers: SupplierSpec[];
  warehouses: WarehouseSpec[];
  carrierAccounts: CarrierAccountSpec[];
  catalog: SandboxWorld['catalog'];
};

const knobs = (overrides: Partial<SandboxKnobs> = {}): SandboxKnobs => ({ ...DEFAULT_KNOBS, ...overrides });

const warehouseDefaults = { cutoffLocalMinutes: 15 * 60, departAfterMinutes: 120, capacityPerPickup: 120 } as const;

export const DEMO_NETWORK: WorldSpec = {
  suppliers: [
    {
      id: 'sup_acme',
      name: 'Acme Home Goods',
      apiKey: 'sbx_sup_acme_7f3k9q2m4x8v1c6b',
      path: '/suppliers/sup_acme',
      knobs: knobs({ handover_reliability: 0.96 }),
      handlingHours: [2, 4],
      stock: { 'ACME-MUG-BLK-12': 140, 'ACME-LAMP-DESK': 18, 'ACME-TEE-RED-M': 25, 'ACME-THROW-GRY': 40 },
    },
    {
      id: 'sup_bolt',
      name: 'Bolt Electronics',
      apiKey: 'sbx_sup_bolt_2n8w5r1t7y3u9i4o',
      path: '/suppliers/sup_bolt',
      knobs: knobs({ latency_ms_median: 35, latency_ms_p99: 200, handover_reliability: 0.93 }),
      handlingHours: [2, 3],
      stock: { 'BOLT-LAMP-LED-01': 60, 'BOLT-HP-ANC-01': 45, 'BOLT-CHG-65W': 300 },
    },
    {
      // The slower, less dependable one: routing should learn to prefer the others when it can.
      id: 'sup_coral',
      name: 'Coral Apparel',
      apiKey: 'sbx_sup_coral_5d1f7g3h9j2k6l8z',
      path: '/suppliers/sup_coral',
      knobs: knobs({ latency_ms_median: 90, latency_ms_p99: 600, handover_reliability: 0.82 }),
      handlingHours: [4, 6],
      stock: { 'CORAL-TEE-RED-M': 80, 'CORAL-TEE-BLK-L': 64, 'CORAL-HOOD-GRY-M': 3, 'CORAL-THROW-SND': 22 },
    },
  ],
  warehouses: [
    {
      id: 'wh_acme_nj',
      name: 'Acme Edison DC',
      supplierId: 'sup_acme',
      apiKey: 'sbx_wh_acme_nj_4c8v2b6n1m5q9w3e',
      path: '/warehouses/wh_acme_nj',
      address: { name: 'Acme Home Goods', line1: '300 Raritan Center Pkwy', city: 'Edison', region: 'NJ', postalCode: '08837', country: 'US' },
      knobs: knobs({ latency_ms_median: 30, latency_ms_p99: 180 }),
      code: 'EWR-2',
      utcOffsetMinutes: -300,
      handlingHours: 2,
      ...warehouseDefaults,
    },
    {
      id: 'wh_bolt_tx',
      name: 'Bolt Fort Worth',
      supplierId: 'sup_bolt',
      apiKey: 'sbx_wh_bolt_tx_8r4t1y7u3i9o5p2a',
      path: '/warehouses/wh_bolt_tx',
      address: { name: 'Bolt Electronics', line1: '4600 Alliance Gateway Fwy', city: 'Fort Worth', region: 'TX', postalCode: '76177', country: 'US' },
      knobs: knobs({ latency_ms_median: 30, latency_ms_p99: 180 }),
      code: 'DFW-7',
      utcOffsetMinutes: -360,
      handlingHours: 3,
      ...warehouseDefaults,
    },
    {
      id: 'wh_bolt_ga',
      name: 'Bolt McDonough',
      supplierId: 'sup_bolt',
      apiKey: 'sbx_wh_bolt_ga_3s7d1f5g9h2j6k4l',
      path: '/warehouses/wh_bolt_ga',
      address: { name: 'Bolt Electronics', line1: '250 Westridge Pkwy', city: 'McDonough', region: 'GA', postalCode: '30253', country: 'US' },
      knobs: knobs({ latency_ms_median: 30, latency_ms_p99: 180 }),
      code: 'ATL-3',
      utcOffsetMinutes: -300,
      handlingHours: 3,
      ...warehouseDefaults,
      capacityPerPickup: 80,
    },
    {
      id: 'wh_coral_ca',
      name: 'Coral Ontario',
      supplierId: 'sup_coral',
      apiKey: 'sbx_wh_coral_ca_6z2x8c4v1b7n3m9q',
      path: '/warehouses/wh_coral_ca',
      address: { name: 'Coral Apparel', line1: '1500 S Haven Ave', city: 'Ontario', region: 'CA', postalCode: '91761', country: 'US' },
      knobs: knobs({ latency_ms_median: 45, latency_ms_p99: 300 }),
      code: 'ONT-1',
      utcOffsetMinutes: -480,
      handlingHours: 4,
      ...warehouseDefaults,
      capacityPerPickup: 60,
    },
  ],
  carrierAccounts: [
    {
      id: 'car_easypost',
      carrier: 'easypost',
      name: 'EasyPost (sandbox)',
      apiKey: 'EZTKsandbox7c1e9a4f2b8d6e3a5c0f1b2d',
      path: '/easypost/car_easypost',
      knobs: knobs(),
      priceBasisPoints: 10_000,
    },
    {
      id: 'car_shippo',
      carrier: 'shippo',
      name: 'Shippo (sandbox)',
      apiKey: 'shippo_test_5b2e8f1c9a7d3e6b4f0a2c8e1d9b7f3a5c6e2d4b',
      path: '/shippo/car_shippo',
      knobs: knobs({ latency_ms_median: 60, latency_ms_p99: 350 }),
      priceBasisPoints: 9_700,
    },
    {
      id: 'car_shipengine',
      carrier: 'shipengine',
      name: 'ShipEngine (sandbox)',
      apiKey: 'TEST_sandbox4f8a1c7e3b9d2f6a0c5e8b1d',
      path: '/shipengine/car_shipengine',
      knobs: knobs({ latency_ms_median: 50, latency_ms_p99: 300 }),
      priceBasisPoints: 10_300,
    },
  ],
  catalog: [
    { sku: 'MUG-001', supplierId: 'sup_acme', supplierSku: 'ACME-MUG-BLK-12', warehouseId: 'wh_acme_nj', unitCostMinor: 650, currency: 'USD', weightGrams: 450 },
    { sku: 'LAMP-01', supplierId: 'sup_acme', supplierSku: 'ACME-LAMP-DESK', warehouseId: 'wh_acme_nj', unitCostMinor: 2400, currency: 'USD', weightGrams: 1800 },
    { sku: 'LAMP-01', supplierId: 'sup_bolt', supplierSku: 'BOLT-LAMP-LED-01', warehouseId: 'wh_bolt_tx', unitCostMinor: 2250, currency: 'USD', weightGrams: 1600 },
    { sku: 'HEADPHONES-01', supplierId: 'sup_bolt', supplierSku: 'BOLT-HP-ANC-01', warehouseId: 'wh_bolt_tx', unitCostMinor: 5400, currency: 'USD', weightGrams: 350 },
    { sku: 'HEADPHONES-01', supplierId: 'sup_bolt', supplierSku: 'BOLT-HP-ANC-01', warehouseId: 'wh_bolt_ga', unitCostMinor: 5400, currency: 'USD', weightGrams: 350 },
    { sku: 'CHARGER-65W', supplierId: 'sup_bolt', supplierSku: 'BOLT-CHG-65W', warehouseId: 'wh_bolt_ga', unitCostMinor: 1500, currency: 'USD', weightGrams: 220 },
    { sku: 'TEE-RED-M', supplierId: 'sup_coral', supplierSku: 'CORAL-TEE-RED-M', warehouseId: 'wh_coral_ca', unitCostMinor: 700, currency: 'USD', weightGrams: 180 },
    { sku: 'TEE-RED-M', supplierId: 'sup_acme', supplierSku: 'ACME-TEE-RED-M', warehouseId: 'wh_acme_nj', unitCostMinor: 760, currency: 'USD', weightGrams: 190 },
    { sku: 'TEE-BLK-L', supplierId: 'sup_coral', supplierSku: 'CORAL-TEE-BLK-L', warehouseId: 'wh_coral_ca', unitCostMinor: 720, currency: 'USD', weightGrams: 200 },
    { sku: 'HOODIE-GRY-M', supplierId: 'sup_coral', supplierSku: 'CORAL-HOOD-GRY-M', warehouseId: 'wh_coral_ca', unitCostMinor: 1900, currency: 'USD', weightGrams: 650 },
    { sku: 'THROW-01', supplierId: 'sup_acme', supplierSku: 'ACME-THROW-GRY', warehouseId: 'wh_acme_nj', unitCostMinor: 1800, currency: 'USD', weightGrams: 1200 },
    { sku: 'THROW-01', supplierId: 'sup_coral', supplierSku: 'CORAL-THROW-SND', warehouseId: 'wh_coral_ca', unitCostMinor: 1650, currency: 'USD', weightGrams: 1100 },
  ],
};

export function publicWorld(spec: WorldSpec): SandboxWorld {
  return structuredClone({
    suppliers: spec.suppliers.map(({ id, name, apiKey, path }) => ({ id, name, apiKey, path })),
    warehouses: spec.warehouses.map(({ id, name, supplierId, apiKey, path, address }) => ({ id, name, supplierId, apiKey, path, address })),
    carrierAccounts: spec.carrierAccounts.map(({ id, carrier, name, apiKey, path }) => ({ id, carrier, name, apiKey, path })),
    catalog: spec.catalog,
  });
}
