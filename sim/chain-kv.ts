// The KV application over chain replication in the ModelNic cluster or on RTL NICs (issue 21, "one object model"):
// a ChainWorld (sim/chain-world.ts: the chain master, each node's host running ctrl/chain/node.ts) on
// a ModelCluster (sim/model-cluster.ts) whose every node's host runs the KV store (ChainKvApp,
// ctrl/chain/kv-app.ts), with external client endpoints for KV clients (the unchanged client
// library, ctrl/app/client.ts) driven from TypeScript. The traffic generators offer nothing (one idle
// client, id 1): the external clients are ids 2, 3, ...
//
// The run with a workload, crashes and the linearizability check is verify/fuzz/chain-kv.ts
// (`runChainKvSeed`): the workload and the checker live in verify, which sim may not import.
import { ChainKvApp, type ChainKvAppOptions } from '../ctrl/chain/kv-app.js';
import { ChainWorld, type ChainControl, type ChainFabric } from './chain-world.js';
import { Cluster, DEFAULT_NETWORK, periodPs, type ClusterConfig } from './cluster.js';
import { ModelCluster } from './model-cluster.js';
import { getDstNode, getSrcNode, nodeMac, setDstMac, setDstNode, setSrcNode } from '../ctrl/wire/wire.gen.js';

export interface ChainKvWorldOptions {
  replicas: number;
  planes: number;
  seed: number;
  /** KV client endpoints (external clients of the cluster) */
  clients: number;
  control?: Partial<ChainControl>;
  network?: ClusterConfig['network'];
  /** options of every node's ChainKvApp (a mutation for tests of the check) */
  app?: ChainKvAppOptions;
  /** 'model': the ModelNic cluster (default); 'rtl': RTL NICs in the C++ fabric (sim/cluster.ts) */
  backend?: 'model' | 'rtl';
}

/** What the KV world needs of a cluster runtime besides ChainFabric: external client endpoints. */
type KvFabric = ChainFabric & {
  clientSend(k: number, plane: number, frame: Uint8Array): void;
  clientPoll(k: number): Array<{ frame: Uint8Array; plane: number; badFcs: boolean; cycle: number }>;
};

/** The transport of KV clients at the cluster's external client endpoints (verify/fuzz/workload.ts ClientNet). */
export interface ChainKvNet {
  readonly planes: number;
  send(k: number, plane: number, frame: Uint8Array): void;
  poll(k: number): Uint8Array[];
  /** the same, with the time each frame reached the client (ns) */
  pollAt(k: number): Array<{ frame: Uint8Array; atNs: number }>;
  nowNs(): number;
}

export class ChainKvWorld {
  readonly world: ChainWorld;
  readonly cluster: KvFabric;
  readonly apps: ChainKvApp[] = [];
  /**
   * The client library's node list: node i as i + 1 (a NodeId 0 is "unknown" in the reply encoding and
   * the client library; the chain world numbers its nodes from 0). The transport translates: a REQ to
   * i + 1 goes to node i's MAC, a REPLY from node i reaches the client as from i + 1, and the apps name
   * the head in their replies the same way (ChainKvAppOptions.clientNodeId).
   */
  readonly nodes: number[];
  /** external client k has client id clientIdBase + k + 1 (after the idle traffic generator's client) */
  readonly clientIdBase = 1;
  readonly net: ChainKvNet;
  readonly nsPerCycle: number;

  constructor(readonly o: ChainKvWorldOptions) {
    let cluster: KvFabric | undefined;
    this.nsPerCycle = periodPs({ ...DEFAULT_NETWORK, ...(o.network ?? {}) }) / 1000;
    this.world = new ChainWorld({
      replicas: o.replicas, planes: o.planes, seed: o.seed, ...(o.network ? { network: o.network } : {}),
      // the traffic generators: one client that offers nothing (the KV clients are external)
      workload: { ratePct: 0, clients: 1 },
      externalClients: o.clients,
      ...(o.control ? { control: o.control } : {}),
      app: (node, ctx, chain) => {
        const a = new ChainKvApp({ nic: ctx.nic, nodeId: ctx.nodeId }, chain, { clientNodeId: (n) => n + 1, ...(o.app ?? {}) });
        this.apps[node] = a;
        return a;
      },
      fabric: (cfg) => (cluster = o.backend === 'rtl' ? new Cluster(cfg) : new ModelCluster(cfg)),
    });
    this.cluster = cluster!;
    this.nodes = Array.from({ length: o.replicas }, (_, i) => i + 1);
    const c = this.cluster;
    this.net = {
      planes: o.planes,
      send: (k, plane, frame) => {
        const f = Uint8Array.from(frame);
        const to = getDstNode(f) - 1;
        setDstMac(f, nodeMac(to));
        setDstNode(f, to);
        c.clientSend(k, plane, f);
      },
      poll: (k) => this.net.pollAt(k).map((f) => f.frame),
      pollAt: (k) => c.clientPoll(k).filter((f) => !f.badFcs).map((f) => {
        if (getSrcNode(f.frame) < o.replicas) setSrcNode(f.frame, getSrcNode(f.frame) + 1);
        return { frame: f.frame, atNs: f.cycle * this.nsPerCycle };
      }),
      nowNs: () => c.cycle * this.nsPerCycle,
    };
  }

  /** cycles in n µs */
  us(n: number): number { return Math.round((n * 1000) / this.nsPerCycle); }

  destroy(): void { this.world.destroy(); }
}
