import type { Upstream } from '../upstream/contract.js';
import type { CarrierAdapter, CarrierId, CarrierManifest, CarrierTrackingWebhook } from './contract.js';
import { createEasypostAdapter } from './easypost/index.js';
import { easypostManifest } from './easypost/manifest.js';
import { easypostTrackingWebhook } from './easypost/tracking.js';
import { createShipengineAdapter } from './shipengine/index.js';
import { shipengineManifest } from './shipengine/manifest.js';
import { shipengineTrackingWebhook } from './shipengine/tracking.js';
import { createShippoAdapter } from './shippo/index.js';
import { shippoManifest } from './shippo/manifest.js';
import { shippoTrackingWebhook } from './shippo/tracking.js';

export type CarrierAdapterDeps = { upstream: Upstream };

/** Exhaustive: adding a CarrierId does not compile until its adapter is registered here. */
export const carrierAdapters: Record<CarrierId, (deps: CarrierAdapterDeps) => CarrierAdapter> = {
  easypost: createEasypostAdapter,
  shippo: createShippoAdapter,
  shipengine: createShipengineAdapter,
};

export const carrierManifests: Record<CarrierId, CarrierManifest> = {
  easypost: easypostManifest,
  shippo: shippoManifest,
  shipengine: shipengineManifest,
};

/** How each carrier's tracking webhooks are verified and read (pure). */
export const carrierTrackingWebhooks: Record<CarrierId, CarrierTrackingWebhook> = {
  easypost: easypostTrackingWebhook,
  shippo: shippoTrackingWebhook,
  shipengine: shipengineTrackingWebhook,
};
