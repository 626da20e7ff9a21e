export { createSandbox, SandboxNotFoundError, type Sandbox, type SandboxPartnerState } from './sandbox.js';
export { SandboxKnobs, SandboxKnobsPatch, DEFAULT_KNOBS } from './knobs.js';
export type { SandboxInstructionRecord } from './partners/supplier.js';
export type { SandboxWorld, CarrierKind } from './world.js';
export { SANDBOX_TRACKER_STATUSES, type SandboxTrackerStatus } from './partners/easypost.js';
