// NIC backends of the daemon, behind the `Nic` interface (ctrl/nic/nic.ts), chosen by the
// config's `nic.backend`. A backend for a real card implements the same interface (what each
// method must do on hardware: docs/deploying.md, "A backend for a real card").
import type { Nic } from '../nic/nic.js';
import type { Backend } from './config.js';

/** A Nic plus what the real-time driver may ask to know whether the card is quiet. */
export interface DaemonNic {
  /** the NIC as the replica drives it */
  nic: Nic;
  backend: Backend;
  /** Nothing queued towards the NIC (plane and host RX inputs, host commands); undefined: unknown. */
  inputsDrained(): boolean | undefined;
  /** Simulated backends: the NIC clock only moves when stepped (a card's runs by itself). */
  simulated: boolean;
}

interface Pending {
  pendingIn?(port: number): number;
  readonly commandsPending?: number;
}

function drainedProbe(target: Pending, ports: number): () => boolean | undefined {
  if (typeof target.pendingIn !== 'function') return () => undefined;
  return () => {
    for (let p = 0; p <= ports; p++) if (target.pendingIn!(p) > 0) return false;
    return (target.commandsPending ?? 0) === 0;
  };
}

/** The simulation parameters of a backend's NIC: PLANES, and MAX_PAYLOAD when not the default 256. */
function nicParams(planes: number, maxPayloadBytes: number): Record<string, number> {
  const p: Record<string, number> = {};
  if (planes !== 1) p.PLANES = planes;
  if (maxPayloadBytes !== 256) p.MAX_PAYLOAD = maxPayloadBytes;
  return p;
}

/** Creates the NIC of a backend with `planes` network planes and frames of up to `maxPayloadBytes` of payload. */
export async function createNic(backend: Backend, planes: number, maxPayloadBytes = 256): Promise<DaemonNic> {
  const params = nicParams(planes, maxPayloadBytes);
  if (backend === 'model') {
    const { ModelNic } = await import('../nic/model.js');
    const nic = new ModelNic({ params });
    return { nic, backend, simulated: true, inputsDrained: drainedProbe(nic as unknown as Pending, planes) };
  }
  const { VerilatedNic } = await import('../nic/verilated.js');
  // the default variant is the one-plane build; other parameters are their own (cached) builds
  const nic = new VerilatedNic(Object.keys(params).length === 0 ? {} : { variant: { params } });
  return { nic, backend, simulated: true, inputsDrained: drainedProbe(nic.sim as unknown as Pending, planes) };
}

/** Builds (or finds in the cache) the simulation library a verilated node needs, before starting nodes. */
export async function prepareBackend(backend: Backend, planes: number, maxPayloadBytes = 256): Promise<string | undefined> {
  if (backend !== 'verilated') return undefined;
  const { build } = await import('../../native/build.js');
  const params = nicParams(planes, maxPayloadBytes);
  return build(Object.keys(params).length === 0 ? {} : { params }, { quiet: true });
}
