// Shared by the cluster tests.
import { Cluster, type ClusterConfig } from '../../sim/cluster.js';

/** The static host's NIC settings the cluster tests use. */
export const NIC = { ackCount: 1, ackDelayCycles: 16, hbIntervalCycles: 1000, hbCommitDelayCycles: 32 };

/** Runs fn on a fresh cluster and destroys it afterwards. */
export function withCluster<T>(cfg: ClusterConfig, fn: (c: Cluster) => T): T {
  const c = new Cluster(cfg);
  try {
    return fn(c);
  } finally {
    c.destroy();
  }
}
