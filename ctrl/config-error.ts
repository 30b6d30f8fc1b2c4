// A config or scenario file that failed validation: the message names every bad field.
// Shared by the scenario parsers (sim/scenario.ts, sim/crossing/scenario.ts).

export class ScenarioError extends Error {
  constructor(message: string, readonly issues: string[]) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** A zod issue path as a field name: `workload.rate`, `faults[2].at`, `(scenario)` for the root. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(scenario)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
