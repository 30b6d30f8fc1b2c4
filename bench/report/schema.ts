// The schema of bench/out/cluster.json (zod). docs/benchmarks.md describes the fields; the test
// (test/bench/cluster.test.ts) checks a tiny run against it.
import { z } from 'zod';

const num = z.number().finite();

export const latencySchema = z.object({ p50: num, p99: num, p999: num, min: num, max: num, mean: num });

export const pointSchema = z.object({
  replicas: z.number().int(),
  planes: z.number().int(),
  path: z.enum(['fast', 'hostReply', 'software']),
  reply: z.enum(['nic', 'snoop', 'host', 'follower']),
  offeredPct: num,
  payloadBytes: z.number().int(),
  frameBytes: z.number().int(),
  wireFrameBytes: z.number().int(),
  committedPct: num,
  committedGbps: num,
  committedMpps: num,
  latencyNs: latencySchema,
  samples: z.number().int(),
  networkFloorNs: num,
  pathFloorNs: num,
  aboveFloorNs: z.object({ p50: num, p99: num }),
  nicAddedShare: z.object({ p50: num, p99: num }),
  offeredRequests: z.number().int(),
  lostRequests: z.number().int(),
  retries: z.number().int(),
  drops: z.number().int(),
  dropsByReason: z.record(z.number()),
  sustained: z.boolean(),
  leaderCpuBusy: num.optional(),
  seed: z.number().int(),
  durationUs: num,
  warmupUs: num,
  drainUs: num,
  clients: z.number().int(),
  simulatedUs: num,
  wallSeconds: num,
  simCyclesPerSec: num,
});
export type Point = z.infer<typeof pointSchema>;

/** issue 21: leader mode and chain mode side by side (absent in files from before the section) */
const modeRowSchema = z.object({
  replicas: z.number().int(),
  mode: z.enum(['leader', 'chain']),
  reply: z.enum(['nic', 'follower', 'tail']),
  maxSustainedPct: num.nullable(),
  at50: z.object({ p50Ns: num, p99Ns: num, sustained: z.boolean() }).nullable(),
  at85: z.object({ p50Ns: num, p99Ns: num, sustained: z.boolean() }).nullable(),
  networkFloorNs: num,
  failover: z.array(z.object({
    position: z.string(), firstCommitUs: num.nullable(),
    detectUs: num.nullable().optional(), installedUs: num.nullable().optional(), caughtUpEntries: num.optional(), ok: z.boolean().optional(),
  })).nullable(),
  failoverNote: z.string(),
  breakdown85: z.object({ floorNs: num, loneNs: num, nicAndRoundingNs: num, loadP50Ns: num, loadP99Ns: num, p99Ns: num }).nullable().optional(),
});

const timeline = z.array(z.object({ tUs: num, committedMpps: num }));

export const failoverSchema = z.object({
  replicas: z.number().int(),
  offeredPct: num,
  seed: z.number().int(),
  crashAtUs: num,
  firstCommitUs: num.nullable(),
  fullThroughputUs: num.nullable(),
  gapUs: num,
  bucketUs: num,
  timeline,
}).passthrough();

const phaseSchema = z.object({
  phase: z.string(),
  fromUs: num,
  toUs: num,
  committedMpps: num,
  committedPct: num,
  latencyNs: z.object({ p50: num, p99: num, p999: num }),
  samples: z.number().int(),
});

export const clusterBenchSchema = z.object({
  schemaVersion: z.literal(1),
  generatedAt: z.string(),
  mode: z.enum(['full', 'quick', 'tiny']),
  sectionsRun: z.array(z.string()),
  statement: z.string(),
  config: z.object({
    seed: z.number().int(),
    replicas: z.array(z.number().int()),
    planes: z.number().int(),
    clockMHz: num,
    payloadBytes: z.number().int(),
    clients: z.number().int(),
    arrivals: z.string(),
    nic: z.object({
      ackCount: num, ackDelayCycles: num, hbIntervalCycles: num, hbCommitDelayCycles: num,
      /** RAFT_ACK_GAP when set for every point; absent: per replica count (ackGapCyclesByReplicas) */
      ackGapCycles: num.optional(),
      /** RAFT_ACK_GAP of the spread-mode points per replica count (benchAckGapCycles; 0: off) */
      ackGapCyclesByReplicas: z.record(num).optional(),
      /** HB_COMMIT_DELAY of the NIC-reply and host-reply points (hbCommitDelayCycles: commit snooping) */
      hbCommitDelayCyclesReply: num.optional(),
    }),
    network: z.record(z.union([z.number(), z.string(), z.boolean()])),
    host: z.object({ latencyNs: num, pollNs: num }),
    softwareCost: z.object({ perFrameNs: num, clockMHz: num }),
    profile: z.record(z.unknown()),
    sources: z.record(z.string()),
    /** The simulation library of each RTL variant (build/sim-<hash>: the hash covers RTL, C++ and flags). */
    libraries: z.record(z.string()),
  }),
  loadSweep: z.array(pointSchema),
  hostReplySweep: z.array(pointSchema),
  modes: z.array(modeRowSchema).optional(),
  modesPoints: z.array(pointSchema.extend({ replication: z.enum(['leader', 'chain']) })).optional(),
  /** issue 21: the payload sweep of both modes with a reply per request (3 replicas) */
  modesPayload: z.array(pointSchema.extend({ replication: z.enum(['leader', 'chain']) })).optional(),
  cdf: z.object({
    replicas: z.number().int(), offeredPct: num, reply: z.string(), samples: z.number().int(), networkFloorNs: num,
    points: z.array(z.object({ latencyNs: num, fraction: num })),
  }).nullable(),
  breakdown: z.object({
    replicas: z.number().int(), offeredPct: num, p50Ns: num, p99Ns: num, p999Ns: num, networkFloorNs: num,
    floorHops: z.array(z.object({ hop: z.string(), frameBytes: z.number().int(), ns: num, cycles: z.number().int() })),
    cycleRoundingNs: num, nicPipelineNs: num, ackAndQueueingP50Ns: num, ackAndQueueingP99Ns: num, ackIntervalNs: num,
    loneLatencyNs: z.object({ settings: num, immediateAck: num, samples: z.number().int(), deterministic: z.boolean() }),
    meetsWaverunner: z.boolean(), statement: z.string(), whatIfNoFec: pointSchema.optional(),
  }).nullable(),
  payloadSweep: z.object({ variant: z.string(), points: z.array(pointSchema) }).nullable(),
  softwarePath: z.array(pointSchema),
  softwareComparison: z.object({
    hardwareAtSameLoads: z.array(pointSchema),
    ratio: z.array(z.object({ replicas: z.number().int(), offeredPct: num, p50: num, p99: num, p999: num, softwareSustained: z.boolean() })),
  }).nullable(),
  failover: failoverSchema.nullable(),
  failoverNote: z.string().optional(),
  planeLoss: z.object({
    replicas: z.number().int(), offeredPct: num, seed: z.number().int(), plane: z.number().int(), downAtUs: num, upAtUs: num,
    retryUs: num, linkDetectNs: num,
    modes: z.array(z.object({
      planes: z.enum(['spread', 'duplicate']),
      phases: z.array(phaseSchema), lostRequests: z.number().int(), retries: z.number().int(), reqFrames: z.number().int(),
      drops: z.record(z.number()), leaderReqCopiesDropped: z.number().int(), leaderFrameCopiesDropped: z.number().int(),
      sequencedTwice: z.number().int(), timeline, faultFreeOutageP99Ns: num, outageP99VsFaultFree: num,
      sweep: z.array(z.object({ offeredPct: num, committedPct: num, p99Ns: num, p999Ns: num, sustained: z.boolean() })),
      maxSustainedPct: num.nullable(),
    })),
  }).nullable(),
  /** spurious elections (issue 18): electing hosts, no crash; absent in files from before the section */
  elections: z.object({
    seed: z.number().int(),
    nicDetect: z.object({ silenceCycles: num, promiseUs: num, hbIntervalCycles: num }).passthrough().nullable(),
    electionTimeoutUs: num, heartbeatUs: num,
    runs: z.array(z.object({
      run: z.enum(['load sweep', 'plane loss', '1% loss']), replicas: z.number().int(), offeredPct: num,
      clientPlanes: z.enum(['spread', 'duplicate']), retryUs: num, faults: z.string(), windowUs: num,
      elections: z.number().int(), preVotes: z.number().int(), silenceEvents: z.number().int(),
      lostRequests: z.number().int(), retries: z.number().int(), agreement: z.boolean(),
    })),
    spuriousElections: z.number().int(), preVotes: z.number().int(),
  }).nullable().optional(),
  simSpeed: z.object({
    load: z.string(),
    timeBase: z.string(),
    rows: z.array(z.object({
      replicas: z.number().int(), nics: z.string(), cycles: z.number().int(), repeats: z.number().int(),
      tsCyclesPerSec: num, tsCyclesPerWallSec: num, cppSameBatchesCyclesPerSec: num, cppCyclesPerSec: num,
      cppCyclesPerWallSec: num, ratio: num, tsRuns: z.array(num), cppRuns: z.array(num),
    })),
    modelNic: z.string(),
  }).nullable(),
  /** read scaling (issue 19): 95% gets, gets from the leader vs any replica; [] until the section ran */
  readScaling: z.array(z.object({
    replicas: z.number().int(), readFrom: z.enum(['leader', 'any']), readsPerSec: num, writesPerSec: num,
    latencyNs: z.object({ p50: num, p99: num }), writesLatencyNs: z.object({ p50: num, p99: num }),
    reads: z.number().int(), writes: z.number().int(),
    readsBy: z.object({ leader: z.number().int(), follower: z.number().int(), refused: z.number().int() }),
    hostBusy: z.array(num), leaseMode: z.string(), measureUs: num, speedupVsLeader: num,
  })).default([]),
  /** what the follower leases cost writes at light load (50% puts, no host saturated) */
  readScalingWriteCost: z.array(z.object({
    replicas: z.number().int(), readFrom: z.enum(['leader', 'any']), leases: z.string(), writes: z.number().int(),
    writesLatencyNs: z.object({ p50: num, p99: num }), readsLatencyNs: z.object({ p50: num, p99: num }),
  })).default([]),
  /** reads over chain replication (sim/chain-reads.ts): gets through the log vs under read leases at any member */
  chainReads: z.array(z.object({
    replicas: z.number().int(), reads: z.enum(['log', 'lease']), backend: z.enum(['rtl', 'model']), clients: z.number().int(),
    gets: z.number().int(), puts: z.number().int(), getsPerSec: num,
    getLatencyNs: z.object({ p50: num, p99: num }), putLatencyNs: z.object({ p50: num, p99: num }),
    leaseReads: z.number().int(), leaseReadsWaited: z.number().int(), logEntriesPerOp: num, measureUs: num,
  })).default([]),
  /** The WOR applications (bench/report/wor.ts, docs/wor.md); absent in files from before the section. */
  wor: z.object({
    world: z.string(), replicas: z.number().int(), planes: z.number().int(), seed: z.number().int(),
    appendsPerSec: num, appendLatencyNs: z.object({ p50: num, p99: num }), appenders: z.number().int(),
    appendSweep: z.array(z.object({ appenders: z.number().int(), appends: z.number().int(), appendsPerSec: num, appendLatencyNs: z.object({ p50: num, p99: num }), windowUs: num, lineRatePct: num, leaderUplinkPct: num })),
    loneWriteLatencyNs: z.object({ p50: num, p99: num, samples: z.number().int() }),
    txnCommitLatencyNs: z.object({ p50: num, p99: num }),
    txnRoundTrips: num,
    txns: z.object({ committed: z.number().int(), aborted: z.number().int(), coordinators: z.number().int(), participantsPerTxn: z.number().int(), viaResolve: z.number().int() }),
    wallSeconds: num, simulatedUs: num,
  }).nullable().optional(),
  comparison: z.array(z.object({ system: z.string(), metric: z.string(), published: z.string(), source: z.string(), nicraft: z.string(), how: z.string() })),
  wallSeconds: z.record(num),
});

export type ClusterBench = z.infer<typeof clusterBenchSchema>;
