// nicraft: generated frames: ACK and NACK (follower), HEARTBEAT and NIC REPLY (leader).
//
//   ACK:       once ACK_COUNT entries are unacknowledged or the oldest waited ACK_DELAY cycles, or at
//              once after a duplicate APPEND (the leader may have missed the ACK); with ACK_GAP on
//              (non-zero) also as soon as an entry is unacknowledged and no ACK or NACK left in the
//              last ACK_GAP cycles: at once at low load, at most one ACK per ACK_GAP cycles at high load.
//   NACK:      a gap (an APPEND beyond it, a HEARTBEAT naming a later index, a refused APPEND) that
//              lasted NACK_DELAY cycles; repeated every NACK_INTERVAL cycles while the same index is
//              expected. It names the gap: [expected index, first index held beyond it).
//   HEARTBEAT: every HB_INTERVAL cycles without an APPEND, or HB_COMMIT_DELAY cycles after the commit
//              index moved (so followers learn it).
//   REPLY:     the leader answers the client itself when an entry flagged NIC_REPLY is delivered
//              (from the delivery engine's read register), and it has priority. Follower replies:
//              any role answers an entry flagged FOLLOWER_REPLY when it delivers it (its commit
//              index covers it) if REPLY_MASK has the bit of the client id mod 8 (the core gives
//              each residue to one follower; docs/architecture.md "Follower replies").
// One frame a cycle at most, into the generated frames' FIFO (toward the TX arbiter). ACKs, NACKs and
// HEARTBEATs carry a sequence number, so that a repeat is never taken for a plane copy.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_ctl_gen #(
    // AXI-Stream data width in bits: 512 (generated frames are one 64-byte beat)
    parameter DATA_WIDTH = 512,
    // tkeep width, one bit per byte: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8
) (
    input  wire                  clk,
    input  wire                  rst,

    // configuration and state
    input  wire [1:0]            role,
    input  wire                  role_middle,      // role == 3 (nicraft_csr's register)
    input  wire                  fast_en,
    input  wire [7:0]            node_id,
    input  wire [15:0]           cluster_id,
    input  wire [7:0]            leader_id,
    input  wire [7:0]            succ_id,          // CHAIN.SUCC_ID: a leader's heartbeats go to it (0xFF: the group)
    input  wire [31:0]           term,
    input  wire [31:0]           last_index,
    input  wire [31:0]           expect_index,     // last_index + 1 (the execute engine's register)
    input  wire [31:0]           commit_index,
    input  wire [31:0]           hb_interval,
    input  wire [31:0]           hb_commit_delay,
    input  wire [31:0]           ack_count,
    input  wire [31:0]           ack_delay,
    input  wire [31:0]           ack_gap,          // 0: off
    input  wire [31:0]           nack_interval,
    input  wire [31:0]           nack_delay,
    // the values six CSRs above hold next cycle (nicraft_csr): each timer's compare with its CSR is
    // registered a cycle ahead, so the decision reads one flop instead of a 32-bit compare; and the
    // ACK count threshold's constant part (below)
    input  wire [31:0]           hb_interval_next,
    input  wire [31:0]           hb_commit_delay_next,
    input  wire [31:0]           ack_delay_next,
    input  wire [31:0]           nack_interval_next,
    input  wire [31:0]           nack_delay_next,
    input  wire [31:0]           ack_count_next,
    input  wire                  ooo_valid,        // an entry beyond a gap is buffered (the NACK names it)
    input  wire [31:0]           ooo_min,
    input  wire [7:0]            reply_mask,       // REPLY_MASK: follower replies for client ids mod 8

    // events from the execute engine
    input  wire                  ev_seq_first,     // an APPEND goes out: the heartbeat timer restarts
    input  wire                  ev_dup,           // a duplicate APPEND: ACK at once
    input  wire                  ev_log_grew,
    input  wire                  ev_gap,
    // host write of LAST_INDEX: everything up to it counts as acknowledged
    input  wire                  wr_last_index,
    input  wire [31:0]           wr_data,

    // the delivery engine's read register: a delivered entry's first beat (NIC reply)
    input  wire                  dlv_rd_valid,
    input  wire                  dlv_rd_first,
    input  wire [DATA_WIDTH-1:0] dlv_rd_data,

    // generated frames (to the TX arbiter)
    output wire [DATA_WIDTH-1:0] m_axis_tdata,
    output wire [KEEP_WIDTH-1:0] m_axis_tkeep,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready,
    output wire                  m_axis_tlast,
    output wire                  gen_afull,        // the FIFO is nearly full (delivery waits: a reply may follow)

    output wire                  ev_reply_tx,
    output wire                  ev_hb_tx,
    output wire                  ev_ack_tx,
    output wire                  ev_nack_tx
);

`include "nicraft_wire.svh"

localparam [1:0] ROLE_LEADER = 2'd2, ROLE_MIDDLE = 2'd3;
localparam [KEEP_WIDTH-1:0] MIN_KEEP = {{(KEEP_WIDTH-NR_MIN_FRAME_BYTES){1'b0}}, {NR_MIN_FRAME_BYTES{1'b1}}};

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_ctl_gen: DATA_WIDTH must be 512 and KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
end

wire leader_mode = fast_en && role == ROLE_LEADER;
wire follower_mode = fast_en && role[0];   // a follower or a chain middle (ROLE 1, 3): ACKs and NACKs
wire [47:0] my_mac = NR_MAC_NODE_PREFIX | {40'd0, node_id};
wire        succ_on = succ_id != 8'hFF;
// What an ACK says is held: a follower's last index; a chain middle's commit index, what its successor
// confirmed (so that its predecessor learns what the whole chain below it holds). A middle's ACKs go out
// by ACK_DELAY, ACK_GAP or a forced ACK, not by ACK_COUNT: its commit index moves in steps (its
// successor's ACKs), and the count threshold's carry chain stays on the last index alone (no select in
// front of it). A middle's "something to acknowledge" is registered: the commit index differed from the
// acknowledged index in the previous cycle and no ACK, NACK or host write of LAST_INDEX (which move the
// acknowledged index) happened then (a commit index that moves is acknowledged a cycle later than a
// last index would be; no compare in front of the ACK decision).
wire        middle = role_middle;
wire [31:0] ack_idx = middle ? commit_index : last_index;
wire        ne_last = last_index != acked_index_reg;
reg         ne_commit_reg = 1'b0;   // commit_index != acked_index_reg, a cycle ago
reg         ack_moved_reg = 1'b0;   // the acknowledged index was moved (ACK, NACK, host write) or reset a cycle ago
wire        ack_pending = middle ? (ne_commit_reg && !ack_moved_reg) : ne_last;

reg [31:0] acked_index_reg = 32'd0;
wire [31:0] acked_index_next;   // (below the decision)
// The ACK age and the sequence number take the late decision a cycle later (cycle-exact): each is a
// register updated without the decision and a one-bit register of it, read through logic of registers
// only. ack_age = ack_age_clr_reg ? 0 : ack_age_raw_reg, where ack_age_clr_reg is last cycle's ack_clr
// and ack_age_raw_reg what the age became without it; ctl_seq = ctl_seq_raw_reg + ctl_seq_inc_reg, where
// ctl_seq_inc_reg is last cycle's gen_ctl_we. The decision then drives one D input each (no shared
// enable or reset after it: the enables and resets of those 64 flip-flops were a LUT of the decision
// and rst or the increment, one level more on the slowest path, docs/synthesis.md).
reg [31:0] ack_age_raw_reg = 32'd0, ack_age_raw_next;
reg        ack_age_clr_reg = 1'b0;   // ack_clr a cycle ago: the age is 0
wire [31:0] ack_age = ack_age_clr_reg ? 32'd0 : ack_age_raw_reg;
reg        force_ack_reg = 1'b0, force_ack_next;
reg [31:0] gap_left_reg = 32'd0, gap_left_next;   // cycles until ACK_GAP lets the next ACK go
reg        gap_open_reg = 1'b0, gap_open_next;     // ACK_GAP on and gap_left is 0 (a register: one bit for the ACK decision)
reg        gap_block_reg = 1'b0;                   // an ACK or NACK left last cycle (ACK_GAP >= 2): the gap restarts now
reg        ack_urge_reg = 1'b0, ack_urge_next;     // force_ack_reg || (gap_open_reg && !gap_block_reg): one bit for the decision
reg [31:0] hb_timer_reg = 32'd0, hb_timer_next;
reg [31:0] commit_sent_reg = 32'd0, commit_sent_next;
reg        nack_want_reg = 1'b0, nack_want_next;
reg [31:0] gap_age_reg = 32'd0, gap_age_next;
reg [31:0] nack_timer_reg = 32'd0, nack_timer_next;
reg [31:0] nack_sent_index_reg = 32'd0, nack_sent_index_next;
// numbers the ACKs, NACKs and HEARTBEATs this NIC sends: ctl_seq_raw_reg + ctl_seq_inc_reg (above)
reg [31:0] ctl_seq_raw_reg = 32'd0, ctl_seq_raw_next;
reg        ctl_seq_inc_reg = 1'b0;   // gen_ctl_we a cycle ago (not in the cycle of a reset)
wire [31:0] ctl_seq = ctl_seq_raw_reg + {31'd0, ctl_seq_inc_reg};

// The timers' compares with their CSRs, registered: X_ge_reg == (timer_reg >= CSR) in every cycle. Each
// timer's next value is 0, the timer + 1 or the timer (the next-state block below picks one); the three
// compares with the CSR's next value are made side by side from registers, and the next-state block
// picks the one of the value it picks (the late decision then selects one of three bits).
reg ack_age_ge_reg = 1'b0, ack_age_ge_next;           // ack_age >= ack_delay
reg hb_int_ge_reg = 1'b0, hb_int_ge_next;             // hb_timer_reg >= hb_interval
reg hb_cd_ge_reg = 1'b0, hb_cd_ge_next;               // hb_timer_reg >= hb_commit_delay
reg gap_age_ge_reg = 1'b0, gap_age_ge_next;           // gap_age_reg >= nack_delay
reg nack_timer_ge_reg = 1'b0, nack_timer_ge_next;     // nack_timer_reg >= nack_interval
// {0, timer + 1, timer} >= CSR next (the + 1 wraps at 32 bits, as the timers do)
function automatic [2:0] ge3(input [31:0] timer, input [31:0] limit);
    ge3 = {limit == 32'd0, timer + 32'd1 >= limit, timer >= limit};
endfunction
// (of ack_age: the compares of the raw age and of 0, selected after them)
wire [2:0] ack_age_ge3 = ack_age_clr_reg ? ge3(32'd0, ack_delay_next) : ge3(ack_age_raw_reg, ack_delay_next);
wire [2:0] hb_int_ge3 = ge3(hb_timer_reg, hb_interval_next);
wire [2:0] hb_cd_ge3 = ge3(hb_timer_reg, hb_commit_delay_next);
wire [2:0] gap_age_ge3 = ge3(gap_age_reg, nack_delay_next);
wire [2:0] nack_timer_ge3 = ge3(nack_timer_reg, nack_interval_next);
localparam G_ZERO = 2, G_INC = 1, G_SAME = 0;

wire [31:0] unacked = last_index - acked_index_reg;   // (what the count threshold measures)
// The ACK count threshold, unacked >= ack_count with unacked = last - acked mod 2**32, as one carry
// chain rather than a subtract and then a compare (two chains in series): T = last + K with
// K = ~acked + ~count + 2, so T = last - acked - count + 2**33 (34 bits); then unacked >= count is T[33]
// when last >= acked (no wrap: a compare side by side) and T[32] when last < acked. K comes from a
// register, computed a cycle ahead from the next value of ACK_COUNT (nicraft_csr) and each candidate
// for the next acked index (unchanged, last_index, the host's write, 0), so the latest input, last_index,
// meets one adder, not a carry-save step and an adder. The threshold joins in the last LUT (kept wires:
// the mapping keeps the rest as separate nodes, settled first).
function automatic [33:0] thr_k(input [31:0] acked, input [31:0] count);
    thr_k = {2'b00, ~acked} + {2'b00, ~count} + 34'd2;
endfunction
localparam [33:0] THR_K_INIT = {2'b00, ~32'd0} + {2'b00, ~NR_CSR_RAFT_ACK_COUNT_RESET} + 34'd2;   // acked 0, ACK_COUNT at reset
reg  [33:0] thr_k_reg = THR_K_INIT, thr_k_next;
wire [33:0] thr_k_same = thr_k(acked_index_reg, ack_count_next);
wire [33:0] thr_k_last = middle ? thr_k(commit_index, ack_count_next) : thr_k(last_index, ack_count_next);   // thr_k(ack_idx)
wire [33:0] thr_k_wr = thr_k(wr_data, ack_count_next);
wire [33:0] thr_k_zero = thr_k(32'd0, ack_count_next);
wire [33:0] thr_t = {2'b00, last_index} + thr_k_reg;
wire        last_ge_acked = last_index >= acked_index_reg;
(* keep *) wire ack_count_met = last_ge_acked ? thr_t[33] : thr_t[32];   // (a middle's ACKs ignore it: want_count)
(* keep *) wire ack_base = follower_mode && (ack_pending || force_ack_reg);   // unacked != 0, without the subtract
// ACK_GAP: the last ACK or NACK left at least ACK_GAP cycles ago. gap_left counts down to 0 and gap_open
// is registered, so the decision gains two register bits, not a compare. The gap restarts one cycle after
// an ACK (from gap_block, a register of the send): the send's fan-out stays one flop, and gap_block masks
// the cycle in between (gap_open was decided without the send).
wire [31:0] ack_gap_m2 = ack_gap >= 32'd2 ? ack_gap - 32'd2 : 32'd0;
wire gap_en = ack_gap != 32'd0;
(* keep *) wire ack_other = ack_base && (ack_age_ge_reg || ack_urge_reg);
wire ack_want = ack_other || (ack_base && !middle && ack_count_met);   // (the assertions' reference for gen_ctl_we)
wire hb_want = leader_mode && (hb_int_ge_reg || (commit_index != commit_sent_reg && hb_cd_ge_reg));
wire nack_go = follower_mode && nack_want_reg && gap_age_ge_reg &&
               (expect_index != nack_sent_index_reg || nack_timer_ge_reg);

reg [DATA_WIDTH-1:0] ctl_beat;   // ACK, NACK or HEARTBEAT
always_comb begin
    ctl_beat = {DATA_WIDTH{1'b0}};
    ctl_beat = nr_set_dst_mac(ctl_beat, role == ROLE_LEADER ? (succ_on ? (NR_MAC_NODE_PREFIX | {40'd0, succ_id}) : NR_MAC_GROUP)
                                                            : (NR_MAC_NODE_PREFIX | {40'd0, leader_id}));
    ctl_beat = nr_set_src_mac(ctl_beat, my_mac);
    ctl_beat = nr_set_ethertype(ctl_beat, NR_ETHERTYPE);
    ctl_beat = nr_set_version(ctl_beat, NR_VERSION);
    ctl_beat = nr_set_type(ctl_beat, role == ROLE_LEADER ? NR_TYPE_HEARTBEAT : nack_go ? NR_TYPE_NACK : NR_TYPE_ACK);
    ctl_beat = nr_set_cluster_id(ctl_beat, cluster_id);
    ctl_beat = nr_set_src_node(ctl_beat, node_id);
    ctl_beat = nr_set_dst_node(ctl_beat, role == ROLE_LEADER ? (succ_on ? succ_id : 8'hFF) : leader_id);
    ctl_beat = nr_set_term(ctl_beat, term);
    ctl_beat = nr_set_log_index(ctl_beat, role == ROLE_LEADER ? last_index : nack_go ? expect_index : ack_idx);
    ctl_beat = nr_set_commit_index(ctl_beat, commit_index);
    ctl_beat = nr_set_seq(ctl_beat, ctl_seq);
    if (role != ROLE_LEADER && nack_go && ooo_valid) ctl_beat = nr_set_client_id(ctl_beat, ooo_min);
end

// NIC reply to a client at commit (leader, entry flagged NIC_REPLY; any role, entry flagged
// FOLLOWER_REPLY whose client id mod 8 is in REPLY_MASK)
wire [7:0]  dlv_flags = nr_get_flags(dlv_rd_data);
wire [31:0] dlv_client = nr_get_client_id(dlv_rd_data);
// (kept wires: the reply decision comes from registers and settles early; the mapping must not fold
// it into the ACK threshold's late logic)
(* keep *) wire reply_hit = dlv_flags[NR_FLAG_FOLLOWER_REPLY] && reply_mask[dlv_client[2:0]];
(* keep *) wire gen_reply = dlv_rd_valid && dlv_rd_first &&
                            ((role == ROLE_LEADER && dlv_flags[NR_FLAG_NIC_REPLY]) || reply_hit);
reg [DATA_WIDTH-1:0] reply_beat;
always_comb begin
    reply_beat = {DATA_WIDTH{1'b0}};
    reply_beat = nr_set_dst_mac(reply_beat, NR_MAC_CLIENT_PREFIX | {24'd0, dlv_client[23:0]});
    reply_beat = nr_set_src_mac(reply_beat, my_mac);
    reply_beat = nr_set_ethertype(reply_beat, NR_ETHERTYPE);
    reply_beat = nr_set_version(reply_beat, NR_VERSION);
    reply_beat = nr_set_type(reply_beat, NR_TYPE_REPLY);
    reply_beat = nr_set_cluster_id(reply_beat, cluster_id);
    reply_beat = nr_set_flags(reply_beat, dlv_flags);
    reply_beat = nr_set_src_node(reply_beat, node_id);
    reply_beat = nr_set_dst_node(reply_beat, 8'hFF);
    reply_beat = nr_set_term(reply_beat, nr_get_term(dlv_rd_data));
    reply_beat = nr_set_log_index(reply_beat, nr_get_log_index(dlv_rd_data));
    reply_beat = nr_set_commit_index(reply_beat, commit_index);
    reply_beat = nr_set_client_id(reply_beat, dlv_client);
    reply_beat = nr_set_seq(reply_beat, nr_get_seq(dlv_rd_data));
    reply_beat = nr_set_payload_len(reply_beat, 16'd0);
end

// one generated frame per cycle: a reply first, else a NACK, ACK or heartbeat
wire gen_ready;
// A NACK, ACK or heartbeat is written (gen_ctl_we), with everything but the ACK count threshold settled
// first (kept wires) and the threshold joining last. Of what that decides, only a follower's ACK waits
// on the threshold: a NACK (nack_go) and a heartbeat (leader) are decided early, and the state a
// follower's ACK or NACK restarts (ack_clr) is split the same way, so that the threshold meets one LUT
// before the registers it clears.
// (the FIFO's write enable takes the reply and the threshold in its last LUT: neither waits on the other)
(* keep *) wire want_early = gen_ready && (ack_other || hb_want || nack_go);
(* keep *) wire want_count = gen_ready && ack_base && !middle;
wire gen_we = gen_reply || want_early || (want_count && ack_count_met);
(* keep *) wire ctl_we_early = !gen_reply && want_early;
(* keep *) wire ctl_we_count = !gen_reply && want_count;
wire gen_ctl_we = ctl_we_early || (ctl_we_count && ack_count_met);
wire gen_nack = !gen_reply && nack_go;                     // what is written, if anything, is a NACK
wire nack_sent = gen_nack && gen_ready;                    // a NACK is written
wire hb_sent = role == ROLE_LEADER && ctl_we_early;        // a heartbeat is written (a leader has no ack_base)
(* keep *) wire ack_clr_early = role != ROLE_LEADER && ctl_we_early;
(* keep *) wire ack_clr_count = role != ROLE_LEADER && ctl_we_count;
wire ack_clr = ack_clr_early || (ack_clr_count && ack_count_met);   // a follower's ACK or NACK is written
// without ack_clr, the ACK age grows while something is unacknowledged, unless a heartbeat is written
// (only ack_clr is late: for every role but a leader's, gen_ctl_we is ack_clr)
wire age_inc_pre = (role != ROLE_LEADER || !ctl_we_early) && ack_pending;
// The acknowledged index's next value, with ack_clr in the last term of each bit: rst ? 0 :
// wr_last_index ? wr_data : ack_clr ? ack_idx : acked_index_reg. Written as AND/OR, not as a mux with
// the register as a leaf, so that Yosys does not make it a clock enable (rst || wr_last_index ||
// ack_clr, one LUT after the late ack_clr with 32 loads, over the budget: docs/synthesis.md); each
// bit takes ack_clr in its own LUT instead.
wire [31:0] acked_take = wr_last_index ? wr_data : ack_idx;   // (with ack_clr)
wire [31:0] acked_hold = ({32{wr_last_index}} & wr_data) | ({32{!wr_last_index}} & acked_index_reg);   // (without)
assign acked_index_next = {32{!rst}} & (({32{ack_clr}} & acked_take) | ({32{!ack_clr}} & acked_hold));
// an ACK or NACK leaves (with ACK_GAP 1 the next may follow at once: no block)
wire gap_block_next = !rst && ack_clr && ack_gap != 32'd1;

always_comb begin
    thr_k_next = thr_k_same;
    ack_age_raw_next = ack_age;   // (ack_clr is applied a cycle later, by ack_age_clr_reg)
    ack_age_ge_next = ack_age_ge3[G_SAME];
    hb_int_ge_next = hb_int_ge3[G_SAME];
    hb_cd_ge_next = hb_cd_ge3[G_SAME];
    gap_age_ge_next = gap_age_ge3[G_SAME];
    nack_timer_ge_next = nack_timer_ge3[G_INC];
    force_ack_next = force_ack_reg;
    gap_left_next = gap_left_reg;
    gap_open_next = gap_open_reg;
    hb_timer_next = hb_timer_reg;
    commit_sent_next = commit_sent_reg;
    nack_want_next = nack_want_reg;
    gap_age_next = gap_age_reg;
    nack_timer_next = nack_timer_reg + 32'd1;
    nack_sent_index_next = nack_sent_index_reg;
    ctl_seq_raw_next = ctl_seq;   // (gen_ctl_we is added a cycle later, by ctl_seq_inc_reg)

    // an APPEND goes out: a heartbeat is not needed for a while
    if (ev_seq_first) begin
        hb_timer_next = 32'd0;
        {hb_int_ge_next, hb_cd_ge_next} = {hb_int_ge3[G_ZERO], hb_cd_ge3[G_ZERO]};
        commit_sent_next = commit_index;
    end
    if (ev_dup) force_ack_next = 1'b1;
    if (ev_log_grew) begin
        // the log grew: a gap is still known only if entries beyond it are buffered
        gap_age_next = 32'd0;
        gap_age_ge_next = gap_age_ge3[G_ZERO];
        nack_want_next = ooo_valid && expect_index + 32'd1 < ooo_min;
    end else if (nack_want_reg) begin
        gap_age_next = gap_age_reg + 32'd1;
        gap_age_ge_next = gap_age_ge3[G_INC];
    end
    if (ev_gap) nack_want_next = 1'b1;
    if (nack_sent) begin
        nack_timer_next = 32'd0;
        nack_timer_ge_next = nack_timer_ge3[G_ZERO];
        nack_sent_index_next = expect_index;
    end
    if (ack_clr) begin
        // an ACK, or a NACK for index e, which also tells the leader that e-1 is held
        thr_k_next = thr_k_last;
        ack_age_ge_next = ack_age_ge3[G_ZERO];
        if (!nack_sent) force_ack_next = 1'b0;
    end else if (age_inc_pre) begin
        ack_age_ge_next = ack_age_ge3[G_INC];
    end
    // the age without ack_clr (ack_age_clr_reg clears it next cycle): ack_age + 1 from registers
    if (age_inc_pre) ack_age_raw_next = ack_age_clr_reg ? 32'd1 : ack_age_raw_reg + 32'd1;
    if (hb_sent) begin
        hb_timer_next = 32'd0;
        {hb_int_ge_next, hb_cd_ge_next} = {hb_int_ge3[G_ZERO], hb_cd_ge3[G_ZERO]};
        commit_sent_next = commit_index;
    end else if (!ev_seq_first && !ack_clr) begin   // (no frame written: ack_clr or hb_sent)
        hb_timer_next = hb_timer_reg + 32'd1;
        {hb_int_ge_next, hb_cd_ge_next} = {hb_int_ge3[G_INC], hb_cd_ge3[G_INC]};
    end
    // an ACK or NACK leaves: the next may follow ACK_GAP cycles later
    // (gap_open_next: gap_left_next == 0 with ACK_GAP on, from the two candidates, not from gap_left_next)
    if (gap_block_reg) begin
        // the ACK left last cycle: ACK_GAP - 1 cycles of the gap are left after this one
        gap_left_next = ack_gap_m2;
        gap_open_next = gap_en && ack_gap <= 32'd2;
    end else begin
        if (gap_left_reg != 32'd0) gap_left_next = gap_left_reg - 32'd1;
        gap_open_next = gap_en && gap_left_reg <= 32'd1;
    end
    if (wr_last_index) begin
        thr_k_next = thr_k_wr;
    end
    if (rst) begin
        thr_k_next = thr_k_zero;
        ack_age_raw_next = 32'd0;
        force_ack_next = 1'b0;
        gap_left_next = 32'd0;
        gap_open_next = 1'b0;
        hb_timer_next = 32'd0;
        commit_sent_next = 32'd0;
        nack_want_next = 1'b0;
        gap_age_next = 32'd0;
        nack_timer_next = 32'd0;
        ack_age_ge_next = ack_age_ge3[G_ZERO];
        hb_int_ge_next = hb_int_ge3[G_ZERO];
        hb_cd_ge_next = hb_cd_ge3[G_ZERO];
        gap_age_ge_next = gap_age_ge3[G_ZERO];
        nack_timer_ge_next = nack_timer_ge3[G_ZERO];
        nack_sent_index_next = 32'd0;
        ctl_seq_raw_next = 32'd0;
    end
    ack_urge_next = force_ack_next || (gap_open_next && !gap_block_next);
end

always_ff @(posedge clk) begin
    acked_index_reg <= acked_index_next;
    ack_age_raw_reg <= ack_age_raw_next;
    ack_age_clr_reg <= ack_clr;   // (with rst the raw age is 0: the age is 0 either way)
    thr_k_reg <= thr_k_next;
    ack_age_ge_reg <= ack_age_ge_next;
    hb_int_ge_reg <= hb_int_ge_next;
    hb_cd_ge_reg <= hb_cd_ge_next;
    gap_age_ge_reg <= gap_age_ge_next;
    nack_timer_ge_reg <= nack_timer_ge_next;
    force_ack_reg <= force_ack_next;
    gap_left_reg <= gap_left_next;
    gap_open_reg <= gap_open_next;
    // an ACK or NACK leaves (with ACK_GAP 1 the next may follow at once: no block)
    gap_block_reg <= gap_block_next;
    ack_urge_reg <= ack_urge_next;
    hb_timer_reg <= hb_timer_next;
    commit_sent_reg <= commit_sent_next;
    nack_want_reg <= nack_want_next;
    gap_age_reg <= gap_age_next;
    nack_timer_reg <= nack_timer_next;
    nack_sent_index_reg <= nack_sent_index_next;
    ctl_seq_raw_reg <= ctl_seq_raw_next;
    ctl_seq_inc_reg <= !rst && gen_ctl_we;
    ne_commit_reg <= commit_index != acked_index_reg;
    ack_moved_reg <= rst || ack_clr || wr_last_index;
end

wire [3:0] gen_count;
wire       unused_tuser;
nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
    .DEPTH_LOG2(3), .ALMOST_FULL_FREE(3), .NO_STALL(1)) gen_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(gen_reply ? reply_beat : ctl_beat), .s_axis_tkeep(MIN_KEEP), .s_axis_tvalid(gen_we),
    .s_axis_tready(gen_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_tuser),
    .count(gen_count), .almost_full(gen_afull)
);

assign ev_reply_tx = gen_reply;
assign ev_hb_tx = hb_sent;
assign ev_ack_tx = ack_clr && !gen_nack;
assign ev_nack_tx = nack_sent;

`ifndef SYNTHESIS
// (from the first reset on: before it the registers hold their power-up values)
reg seen_rst_reg = 1'b0;
always_ff @(posedge clk) if (rst) seen_rst_reg <= 1'b1;
// expect_index comes from the execute engine's register: it is last_index + 1
always_ff @(posedge clk) begin
    if (seen_rst_reg) assert (ack_count_met == (unacked >= ack_count))
        else $error("nicraft_ctl_gen: ack_count_met %0d, but %0d unacknowledged against ACK_COUNT %0d", ack_count_met, unacked, ack_count);
    // the split decision is the decision: a frame other than a reply is written when one is wanted and
    // the FIFO has room; a follower's ACK or NACK restarts the acknowledged state
    assert (gen_ctl_we == (!gen_reply && gen_ready && (ack_want || hb_want || nack_go)) && ack_clr == (gen_ctl_we && role != ROLE_LEADER))
        else $error("nicraft_ctl_gen: gen_ctl_we %0d / ack_clr %0d do not follow the decision", gen_ctl_we, ack_clr);
    if (!rst) assert (role_middle == (role == ROLE_MIDDLE))
        else $error("nicraft_ctl_gen: role_middle %0d does not follow ROLE %0d", role_middle, role);
    if (!rst) assert (expect_index == last_index + 32'd1)
        else $error("nicraft_ctl_gen: expect_index %0d is not last_index %0d + 1", expect_index, last_index);
end
// the registered timer compares are the compares (from the first reset on: before it the registers
// hold their power-up values)
always_ff @(posedge clk) begin
    if (seen_rst_reg) begin
        assert (ack_age_ge_reg == (ack_age >= ack_delay)) else $error("nicraft_ctl_gen: ack_age_ge %0d, ack_age %0d, ACK_DELAY %0d", ack_age_ge_reg, ack_age, ack_delay);
        assert (hb_int_ge_reg == (hb_timer_reg >= hb_interval)) else $error("nicraft_ctl_gen: hb_int_ge %0d, hb_timer %0d, HB_INTERVAL %0d", hb_int_ge_reg, hb_timer_reg, hb_interval);
        assert (hb_cd_ge_reg == (hb_timer_reg >= hb_commit_delay)) else $error("nicraft_ctl_gen: hb_cd_ge %0d, hb_timer %0d, HB_COMMIT_DELAY %0d", hb_cd_ge_reg, hb_timer_reg, hb_commit_delay);
        assert (gap_age_ge_reg == (gap_age_reg >= nack_delay)) else $error("nicraft_ctl_gen: gap_age_ge %0d, gap_age %0d, NACK_DELAY %0d", gap_age_ge_reg, gap_age_reg, nack_delay);
        assert (nack_timer_ge_reg == (nack_timer_reg >= nack_interval)) else $error("nicraft_ctl_gen: nack_timer_ge %0d, nack_timer %0d, NACK_INTERVAL %0d", nack_timer_ge_reg, nack_timer_reg, nack_interval);
    end
end
// the registered ACK_GAP flag opens only once the gap has run out; ack_urge is its shorthand with force_ack
always_ff @(posedge clk) begin
    if (!rst) assert (!gap_open_reg || gap_left_reg == 32'd0)
        else $error("nicraft_ctl_gen: gap_open with %0d cycles of the ACK gap left", gap_left_reg);
    if (!rst) assert (ack_urge_reg == (force_ack_reg || (gap_open_reg && !gap_block_reg)))
        else $error("nicraft_ctl_gen: ack_urge %0d is not force_ack %0d || (gap_open %0d && !gap_block %0d)", ack_urge_reg, force_ack_reg, gap_open_reg, gap_block_reg);
end
`endif

wire _unused_ok = &{1'b0, gen_count, unused_tuser, dlv_client[31:24], thr_t[31:0], 1'b0};

endmodule

`resetall
