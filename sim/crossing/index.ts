// The crossing mode: Byzantine agreement on sensor inputs inside the network (CrossTalk-style).
export * from '../../ctrl/crossing/rule.js';
export * from './prng.js';
export * from './netmodel.js';
export * from '../../ctrl/crossing/app.js';
export * from './sim.js';
export * from './faults.js';
export * from './scenario.js';
export * from './runner.js';
export { runBench } from './bench.js';
