// The replicated control application: a PID controller that keeps a tank's level at a setpoint,
// in integer (fixed-point, per-mille gains) arithmetic so every replica computes bit-identical
// outputs from identical inputs. Also the tank plant the simulator closes the loop with.

import type { Value } from './rule.js';

export interface AppConfig {
  /** level setpoint (mm) */
  setpoint: number;
  /** PID gains in per-mille */
  kp: number;
  ki: number;
  kd: number;
  /** integrator clamp (mm * rounds) */
  integralLimit: number;
  /** initial tank level (mm) */
  initialLevel: number;
  /** inflow at a fully open valve (mm per round, valve in per-mille 0..1000) */
  inflowMax: number;
  /** outflow coefficient (per-mille of the level per round) */
  outflowPermille: number;
}

export const defaultApp: AppConfig = {
  setpoint: 500,
  kp: 2000,
  ki: 50,
  kd: 200,
  integralLimit: 20000,
  initialLevel: 200,
  inflowMax: 20,
  outflowPermille: 10,
};

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x);

/** The controller one replica runs. step() is a pure function of (state, inputs). */
export class TankPid {
  private integral = 0;
  private prevErr = 0;
  private lastOut = 0;
  constructor(private readonly cfg: AppConfig) {}

  /** readings: the agreed value of every sensor this round (null = none). Returns valve 0..1000. */
  step(readings: readonly Value[]): number {
    const vals: number[] = [];
    for (const r of readings) if (r !== null) vals.push(r);
    if (vals.length === 0) return this.lastOut; // no input: hold the valve
    vals.sort((a, b) => a - b);
    const level = vals[(vals.length - 1) >> 1]!; // lower median of the redundant sensors
    const err = this.cfg.setpoint - level;
    this.integral = clamp(this.integral + err, -this.cfg.integralLimit, this.cfg.integralLimit);
    const d = err - this.prevErr;
    this.prevErr = err;
    const u = Math.trunc((this.cfg.kp * err + this.cfg.ki * this.integral + this.cfg.kd * d) / 1000);
    this.lastOut = clamp(u, 0, 1000);
    return this.lastOut;
  }

  snapshot(): [number, number, number] {
    return [this.integral, this.prevErr, this.lastOut];
  }
}

/** The plant: level' = level + valve*inflowMax/1000 - level*outflow/1000 (integer mm). */
export class Tank {
  level: number;
  constructor(private readonly cfg: AppConfig) {
    this.level = cfg.initialLevel;
  }
  step(valve: number): void {
    const inflow = Math.trunc((clamp(valve, 0, 1000) * this.cfg.inflowMax) / 1000);
    const outflow = Math.trunc((this.level * this.cfg.outflowPermille) / 1000);
    this.level = clamp(this.level + inflow - outflow, 0, 5000);
  }
}
