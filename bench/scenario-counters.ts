// Every NIC's counters after a scenario's main run (no sweep, no failover phase), for looking into a run
// that `nicraft sim` summarises: npx tsx bench/scenario-counters.ts sim/scenarios/chain.yaml
import { Cluster } from '../sim/cluster.js';
import { loadScenario, clusterConfig } from '../sim/scenario-config.js';
const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error('usage: npx tsx bench/scenario-counters.ts <scenario.yaml>');
  process.exit(2);
}
const sc = loadScenario(file);
const { cfg, total } = clusterConfig(sc, {});
const c = new Cluster(cfg);
c.run(total);
const keys = ['REQ_SEQUENCED', 'APPEND_ACCEPTED', 'APPEND_BUFFERED', 'ACK_RX', 'ACK_TX', 'NACK_TX', 'NACK_RX', 'RETRANSMIT_TX', 'RETRANSMIT_STALE', 'NEEDS_REPAIR', 'HEARTBEAT_TX', 'HEARTBEAT_RX', 'REPLY_TX', 'COMMITTED', 'DROP_DUPLICATE', 'DROP_LOG_FULL', 'DROP_FUTURE_INDEX', 'PUNTED'];
c.nicCounters().forEach((x, i) => console.log(`n${i} ` + keys.map((k) => `${k}=${x ? (x as Record<string, bigint>)[k] : '-'}`).join(' ')));
c.destroy();
