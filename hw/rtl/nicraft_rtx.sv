// nicraft: retransmission (leader): go-back-N from the log RAM, per-follower retransmit timers,
// needs-repair events.
//
// A follower is served on a NACK (from the index it expects to the first it holds beyond the gap)
// or when its ACKs made no progress for its retransmit timeout while it lags (from its match index
// on). One follower at a time: the others wait in a pending set, served round robin after the last
// one (nicraft_rr_pick). Starting a round takes three cycles, for timing (docs/synthesis.md): the pick
// (the follower's pending range and match index + 1 registered), the range (its first and last index
// registered), the start (the range checked against the log: a round, a needs-repair event, or
// nothing); no other follower is picked meanwhile. The timeout doubles after every expiry without progress (RTO << shift, up to
// RTO_SHIFT_MAX) and drops back to RTO when the follower's match index moves: a follower that cannot
// take the frames (its fast path off while its host repairs it) costs a few rounds, not the leader's
// whole egress. The engine reads an entry beat by beat (the data comes back the next cycle),
// rewrites the header of its first beat (destination, RETRANSMIT flag, current commit index, round
// number) and writes it into the retransmit FIFO; after each entry it skips what the follower
// acknowledged meanwhile. An index that already left the log RAM cannot be resent: the host gets a
// needs-repair event (a NACK-shaped frame naming the follower and the index), once per follower until
// its match index moves. Nor can an index whose slot does not hold it: before the first beat of each
// entry the engine compares the index in the slot's tag with the one it wants, and on a mismatch (a
// slot not written since power-up, as after a power loss, when a restarted leader's host installs a
// LAST_INDEX its NIC's RAM never held; or an entry of another lap of the ring) it sends nothing of
// it, stops the round, counts it (ev_stale) and raises the same needs-repair event for that index:
// the host repairs the follower from its own log. The same for an entry of an older term (the slot's
// tag names a term other than TERM): a follower NIC never takes it (it punts an APPEND of an older
// term to its host, TERM_OLDER), so resending it only loads the leader's egress (fuzz seed 600020:
// a lagging follower's NACK every few hundred cycles restarted a round of 77 such entries, the
// leader's link saturated and every reply queued behind them); its host repairs it.
// When leader mode ends, pending work is dropped but a frame already started is read to its end: a
// half frame in the FIFO would lock the TX arbiter on it for good.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rtx #(
    // AXI-Stream data width in bits: 512 (64-byte beats)
    parameter DATA_WIDTH = 512,
    // tkeep width, one bit per byte: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // replicas: node ids 0..MAX_NODES-1 (1..8)
    parameter MAX_NODES = 8,
    // log RAM entries: 2**LOG_DEPTH_LOG2 (2..20)
    parameter LOG_DEPTH_LOG2 = 10,
    // largest payload in bytes (sets the beats per slot)
    parameter MAX_PAYLOAD = 256,
    // derived, do not override: log2 of the beats of a log slot (44 = the header's bytes)
    parameter SLOT_BEATS_LOG2 = (44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8) > 1 ?
                                $clog2((44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8)) : 1
) (
    input  wire                       clk,
    input  wire                       rst,

    // configuration and state
    input  wire                       leader_mode,
    input  wire [7:0]                 node_id,
    input  wire [7:0]                 members,
    input  wire [15:0]                cluster_id,
    input  wire [31:0]                term,
    input  wire [31:0]                last_index,
    input  wire [31:0]                commit_index,
    input  wire [31:0]                rto,              // retransmit timeout, cycles
    input  wire [MAX_NODES*32-1:0]    match,            // match index registers
    input  wire [MAX_NODES*33-1:0]    match_p1,         // ... + 1 in 33 bits (registers)
    input  wire [MAX_NODES-1:0]       match_moved,      // the match indexes the commit engine moves this cycle
    // a NACK taken by the execute engine: the follower, the index it expects, the first it holds beyond the gap
    input  wire                       ev_nack,
    input  wire [7:0]                 ev_src,
    input  wire [31:0]                ev_index,
    input  wire [31:0]                ev_client,

    // log RAM read port
    output wire                       rd_req,
    input  wire                       rd_gnt,
    output wire [LOG_DEPTH_LOG2-1:0]  rd_slot,
    output wire [SLOT_BEATS_LOG2-1:0] rd_beat,
    input  wire [15:0]                rd_len,           // length of the entry in rd_slot
    input  wire [31:0]                rd_index,         // index of the entry in rd_slot (the slot's tag)
    input  wire [31:0]                rd_term,          // term of the entry in rd_slot (the slot's tag)
    input  wire [DATA_WIDTH-1:0]      rd_data,          // the beat read last cycle

    // retransmitted APPENDs (to the TX arbiter)
    output wire [DATA_WIDTH-1:0]      m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]      m_axis_tkeep,
    output wire                       m_axis_tvalid,
    input  wire                       m_axis_tready,
    output wire                       m_axis_tlast,

    // needs-repair events (to the host RX arbiter), tuser = NEEDS_REPAIR
    output wire [DATA_WIDTH-1:0]      m_axis_evt_tdata,
    output wire [KEEP_WIDTH-1:0]      m_axis_evt_tkeep,
    output wire                       m_axis_evt_tvalid,
    input  wire                       m_axis_evt_tready,
    output wire                       m_axis_evt_tlast,
    output wire [7:0]                 m_axis_evt_tuser,

    output wire                       ev_rtx_frame,     // a retransmitted APPEND's last beat went to the FIFO
    output wire                       ev_repair,        // a needs-repair event went to the host
    output wire                       ev_stale          // a retransmission refused: rd_slot does not hold the entry wanted, or holds it of an older term
);

`include "nicraft_wire.svh"

localparam LOG_DEPTH = 2**LOG_DEPTH_LOG2;
localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
localparam NODE_WIDTH = 3;
localparam PICK_WIDTH = MAX_NODES > 1 ? $clog2(MAX_NODES) : 1;
localparam [2:0] RTO_SHIFT_MAX = 3'd6;
localparam [KEEP_WIDTH-1:0] MIN_KEEP = {{(KEEP_WIDTH-NR_MIN_FRAME_BYTES){1'b0}}, {NR_MIN_FRAME_BYTES{1'b1}}};

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_rtx: DATA_WIDTH must be 512 and KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_rtx: MAX_NODES must be 1..8");
        $finish;
    end
    if (LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin
        $error("nicraft_rtx: LOG_DEPTH_LOG2 must be 2..20");
        $finish;
    end
    if (MAX_PAYLOAD < 16 || MAX_FRAME_BYTES > 65535) begin
        $error("nicraft_rtx: MAX_PAYLOAD out of range");
        $finish;
    end
    if (SLOT_BEATS_LOG2 != (MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1)) begin
        $error("nicraft_rtx: SLOT_BEATS_LOG2 is derived from MAX_PAYLOAD and must not be overridden");
        $finish;
    end
end

// bytes of the last beat of an entry of len bytes: byte i is kept unless it is the last beat and
// len_lo (0: 64) <= i (a compare of len_lo with a constant per byte, not a shift)
function automatic [KEEP_WIDTH-1:0] keep_for(input [5:0] len_lo, input last);
    integer i;
    begin
        for (i = 0; i < KEEP_WIDTH; i = i + 1) keep_for[i] = !last || len_lo == 6'd0 || len_lo > 6'(i);
    end
endfunction

// ---------------------------------------------------------------------------------------------
// Registers
// per-follower state is indexed by a 3-bit node id: 8 slots whatever MAX_NODES (those >= MAX_NODES stay idle)
reg [7:0]                 pend_reg = 0, pend_next;               // followers waiting to be served
reg [31:0]                pend_index_reg [0:7];                  // ... from this index
reg [31:0]                pend_index_next [0:7];
reg [31:0]                pend_end_reg [0:7];                    // ... to before this one (0: to the last)
reg [31:0]                pend_end_next [0:7];
reg [31:0]                rto_timer_reg [0:7];
reg [31:0]                rto_timer_next [0:7];
reg [2:0]                 rto_shift_reg [0:7];
reg [2:0]                 rto_shift_next [0:7];
// a follower's retransmit timeout, RTO << shift, registered (for timing: no shifter before the
// timer's compare): it follows RTO and the shift a cycle late. The shift moves only when the timer
// restarts from 0, so that changes nothing unless RTO << shift is 0; an RTO write counts a cycle later
reg [31:0]                rto_lim_reg [0:7];
// the retransmit timers' decision from registers, per node (the always_comb below; match_moved last)
reg                       rto_clr, rto_exp;
reg [31:0]                rto_timer_pre;
reg [2:0]                 rto_shift_pre;
reg [7:0]                 repair_sent_reg = 0, repair_sent_next; // a needs-repair event is out for this follower
reg [PICK_WIDTH-1:0]      last_pick_reg = 0;
reg [6:0]                 round_reg = 7'd0;                      // numbers retransmission rounds: a later round is never a copy

// the round's start, in three stages: picked (prep_*), range computed (range_*), started (active_reg)
reg                       prep_reg = 1'b0, prep_next;
reg [2:0]                 prep_node_reg = 3'd0;
reg [31:0]                prep_pfrom_reg = 32'd0;                // the pending range's first index
reg [31:0]                prep_m1_reg = 32'd0;                   // the follower's match index + 1
reg [31:0]                prep_end_reg = 32'd0;                  // the pending range's end (0: to the last)
reg                       range_reg = 1'b0, range_next;
reg [2:0]                 range_node_reg = 3'd0;
reg [31:0]                range_from_reg = 32'd0;
reg [31:0]                range_to_reg = 32'd0;
reg [32:0]                range_from_top_reg = 33'd0;            // range_from + LOG_DEPTH - 1 (33 bits)
reg                       range_from_zero_reg = 1'b0;

reg                       active_reg = 1'b0, active_next;
reg [2:0]                 node_reg = 3'd0, node_next;
reg [31:0]                next_reg = 32'd0, next_next;           // the entry being read
reg [31:0]                start_reg = 32'd0, start_next;
reg [31:0]                end_reg = 32'd0, end_next;
reg [SLOT_BEATS_LOG2-1:0] beat_reg = 0, beat_next;

reg                       rd_valid_reg = 1'b0;
reg                       rd_first_reg = 1'b0;
reg                       rd_last_reg = 1'b0;
reg [15:0]                rd_len_reg = 16'd0;
reg [2:0]                 rd_node_reg = 3'd0;

// ---------------------------------------------------------------------------------------------
// The follower to serve next: round robin over the pending ones after the last served
wire [PICK_WIDTH-1:0] pick_sel;
wire                  pick_valid;
nicraft_rr_pick #(.PORTS(MAX_NODES), .SEL_WIDTH(PICK_WIDTH)) pick_inst (
    .req(pend_reg[MAX_NODES-1:0]), .last(last_pick_reg), .sel(pick_sel), .found(pick_valid)
);
wire [2:0]  pick = 3'(pick_sel);
wire [31:0] match_pick = match[pick*32 +: 32];
wire [31:0] match_node = match[node_reg*32 +: 32];
// stage 1, pick: a pending follower, when no round is under way or starting
wire pick_ok = leader_mode && !active_reg && !prep_reg && !range_reg && pick_valid;
// stage 2, range: from the later of the pending range's start and the match index + 1, to the
// pending range's end or the last index
wire [31:0] prep_from = (prep_pfrom_reg > prep_m1_reg) ? prep_pfrom_reg : prep_m1_reg;
wire [31:0] prep_to = (prep_end_reg != 32'd0 && prep_end_reg - 32'd1 < last_index) ? prep_end_reg - 32'd1 : last_index;
// stage 3, start: a round, or a needs-repair event if its first index left the log RAM, i.e. is
// below the oldest index the RAM holds, last - LOG_DEPTH + 1 (1 while last <= LOG_DEPTH): from < that
// iff from + LOG_DEPTH - 1 < last (the sum registered in stage 2, so one compare here)
wire from_left_ram = (last_index > LOG_DEPTH) ? range_from_top_reg < {1'b0, last_index} : range_from_zero_reg;
wire start_ok = leader_mode && range_reg;
wire needs_repair = start_ok && range_from_reg <= last_index && from_left_ram;

// the entry to read next is not in its slot (the slot's tag names another index), or is of an older
// term (a follower NIC punts it): nothing of it is sent, the round stops, the host gets a needs-repair
// event for it
wire stale = active_reg && leader_mode && beat_reg == {SLOT_BEATS_LOG2{1'b0}} && (rd_index != next_reg || rd_term != term);

wire evt_afull;
wire rtx_afull;
// a needs-repair event: at the start of a round (an index that left the RAM) or for a stale slot
// (only while a round is under way, so never both in one cycle)
wire [2:0]  evt_node = active_reg ? node_reg : range_node_reg;
wire [31:0] evt_index = active_reg ? next_reg : range_from_reg;
wire evt_we = (needs_repair || stale) && !repair_sent_reg[evt_node] && !evt_afull;

wire [15:0] last_beat = (rd_len == 16'd0) ? 16'd0 : (rd_len - 16'd1) >> 6;
wire is_last = {{(16-SLOT_BEATS_LOG2){1'b0}}, beat_reg} >= last_beat;
// a frame once started is read to its last beat even if leader mode ends meanwhile
assign rd_req = active_reg && (leader_mode || beat_reg != 0) && !rtx_afull && !stale;
wire go = rd_req && rd_gnt;
wire mid_next = go ? !is_last : (beat_reg != 0);   // inside a frame after this cycle
assign rd_slot = next_reg[LOG_DEPTH_LOG2-1:0];
assign rd_beat = beat_reg;

// after an entry: the next is match + 1 if match + 1 > next + 1, and the round ends if next + 1 >
// end (in 32 bits, as written; here without the sums before the compares: each sum is 0 only at
// 2^32 - 1)
// (match + 1 comes from the commit engine's registers: with an adder here, Yosys shares one adder
// for both sums after the choice, in series with the compare)
wire [32:0] match_node_p1 = match_p1[node_reg*33 +: 33];
wire match_max = match_node_p1[32];
wire next_max = next_reg == 32'hffff_ffff;
wire skip_acked = !match_max && (next_max || match_node > next_reg);
wire past_end = !next_max && next_reg >= end_reg;
wire [31:0] next_p1 = next_reg + 32'd1;

// a NACK for a gap that the retransmission under way already covers is stale: ignored
wire [2:0] nack_node = ev_src[NODE_WIDTH-1:0];
wire nack_take = ev_nack && !(active_reg && node_reg == nack_node && ev_index >= start_reg && ev_index <= next_reg);

integer n;
always_comb begin
    pend_next = pend_reg;
    repair_sent_next = repair_sent_reg;
    prep_next = prep_reg;
    range_next = range_reg;
    active_next = active_reg;
    node_next = node_reg;
    next_next = next_reg;
    start_next = start_reg;
    end_next = end_reg;
    beat_next = beat_reg;
    for (n = 0; n < 8; n = n + 1) begin
        pend_index_next[n] = pend_index_reg[n];
        pend_end_next[n] = pend_end_reg[n];
        rto_timer_next[n] = rto_timer_reg[n];
        rto_shift_next[n] = rto_shift_reg[n];
    end
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        pend_index_next[n] = pend_index_reg[n];
        pend_end_next[n] = pend_end_reg[n];
        rto_shift_next[n] = rto_shift_reg[n];
        // retransmit timers: run while this (leading) node's follower lags and its match stands still
        if (match_moved[n]) repair_sent_next[n] = 1'b0;
        // (the match register, not the value it moves to: they differ only when match_moved, which
        // resets the timer anyway; from the register the timers wait on no cross-module path.)
        // The timer's decision from registers first; match_moved, which comes late (the execute
        // engine's ACK through the commit engine's compare), enters last: it clears the timer and the
        // shift, and holds off a timeout, whatever the registers say.
        rto_clr = !leader_mode || 8'(n) == node_id || !members[n] || match[n*32 +: 32] >= last_index;
        rto_exp = !rto_clr && rto_timer_reg[n] >= rto_lim_reg[n];
        rto_timer_pre = (rto_clr || rto_exp) ? 32'd0 : rto_timer_reg[n] + 32'd1;
        rto_shift_pre = rto_clr ? 3'd0
                      : (rto_exp && rto_shift_reg[n] != RTO_SHIFT_MAX) ? rto_shift_reg[n] + 3'd1 : rto_shift_reg[n];
        rto_timer_next[n] = match_moved[n] ? 32'd0 : rto_timer_pre;
        rto_shift_next[n] = match_moved[n] ? 3'd0 : rto_shift_pre;
        if (rto_exp && !pend_reg[n] && !match_moved[n]) begin
            pend_next[n] = 1'b1;
            pend_index_next[n] = match[n*32 +: 32] + 32'd1;
            pend_end_next[n] = 32'd0;
        end
    end
    // (a bit of a vector chosen by a node id is written through a per-bit compare with a constant:
    // Yosys builds a dynamic bit select's write from a 32-bit subtract)
    for (n = 0; n < 8; n = n + 1) if (evt_we && evt_node == 3'(n)) repair_sent_next[n] = 1'b1;

    // start serving a follower: pick, range, start
    if (pick_ok) begin
        for (n = 0; n < 8; n = n + 1) if (pick == 3'(n)) pend_next[n] = 1'b0;
        prep_next = 1'b1;
    end
    if (prep_reg) begin
        prep_next = 1'b0;
        range_next = 1'b1;
    end
    if (range_reg) range_next = 1'b0;
    if (start_ok && range_from_reg <= range_to_reg && !needs_repair) begin
        active_next = 1'b1;
        node_next = range_node_reg;
        next_next = range_from_reg;
        start_next = range_from_reg;
        end_next = range_to_reg;
        beat_next = 0;
    end
    // read a beat
    if (go) begin
        if (is_last) begin
            beat_next = 0;
            // skip what the follower acknowledged meanwhile
            if (skip_acked) next_next = match_node_p1[31:0];
            else next_next = next_p1;
            if (past_end || match_node >= end_reg) active_next = 1'b0;
        end else begin
            beat_next = beat_reg + 1'b1;
        end
    end
    if (stale) active_next = 1'b0;
    for (n = 0; n < 8; n = n + 1) begin
        if (nack_take && nack_node == 3'(n)) begin
            pend_next[n] = 1'b1;
            if (!pend_reg[n] || ev_index < pend_index_reg[n]) begin
                pend_index_next[n] = ev_index;
                pend_end_next[n] = ev_client;
            end
        end
    end
    if (!leader_mode) begin
        if (!mid_next) active_next = 1'b0;   // the frame in flight is finished first
        pend_next = 0;
        prep_next = 1'b0;
        range_next = 1'b0;
    end
    if (rst) begin
        pend_next = 0;
        repair_sent_next = 0;
        prep_next = 1'b0;
        range_next = 1'b0;
        active_next = 1'b0;
        for (n = 0; n < MAX_NODES; n = n + 1) begin
            rto_timer_next[n] = 32'd0;
            rto_shift_next[n] = 3'd0;
            pend_index_next[n] = 32'd0;
            pend_end_next[n] = 32'd0;
        end
    end
end

always_ff @(posedge clk) begin
    pend_reg <= pend_next;
    repair_sent_reg <= repair_sent_next;
    for (n = 0; n < 8; n = n + 1) begin
        pend_index_reg[n] <= pend_index_next[n];
        pend_end_reg[n] <= pend_end_next[n];
        rto_timer_reg[n] <= rto_timer_next[n];
        rto_shift_reg[n] <= rto_shift_next[n];
        rto_lim_reg[n] <= rto << rto_shift_reg[n];
    end
    prep_reg <= prep_next;
    range_reg <= range_next;
    if (pick_ok) begin
        prep_node_reg <= pick;
        prep_pfrom_reg <= pend_index_reg[pick];
        prep_m1_reg <= match_pick + 32'd1;
        prep_end_reg <= pend_end_reg[pick];
    end
    if (prep_reg) begin
        range_node_reg <= prep_node_reg;
        range_from_reg <= prep_from;
        range_to_reg <= prep_to;
        range_from_top_reg <= {1'b0, prep_from} + 33'(LOG_DEPTH - 1);
        range_from_zero_reg <= prep_from == 32'd0;
    end
    active_reg <= active_next;
    node_reg <= node_next;
    next_reg <= next_next;
    start_reg <= start_next;
    end_reg <= end_next;
    beat_reg <= beat_next;
    if (rst) begin
        round_reg <= 7'd0;
    end else if (pick_ok) begin
        last_pick_reg <= pick_sel;
        round_reg <= round_reg + 7'd1;
    end
    rd_valid_reg <= rst ? 1'b0 : go;
    if (go) begin
        rd_first_reg <= beat_reg == {SLOT_BEATS_LOG2{1'b0}};
        rd_last_reg <= is_last;
        rd_len_reg <= rd_len;
        rd_node_reg <= node_reg;
    end
end

// ---------------------------------------------------------------------------------------------
// The first beat of a retransmitted APPEND: to the follower, flagged, with the current commit index
reg [DATA_WIDTH-1:0] beat0;
always_comb begin
    beat0 = rd_data;
    beat0 = nr_set_dst_mac(beat0, NR_MAC_NODE_PREFIX | {45'd0, rd_node_reg});
    beat0 = nr_set_dst_node(beat0, {5'd0, rd_node_reg});
    beat0 = nr_set_flags(beat0, nr_get_flags(rd_data) | (8'd1 << NR_FLAG_RETRANSMIT));
    beat0 = nr_set_commit_index(beat0, commit_index);
    beat0 = nr_set_rsvd(beat0, {1'b0, round_reg});
end

// needs-repair event for the host: a NACK-shaped frame naming the follower and the index
wire [47:0] my_mac = NR_MAC_NODE_PREFIX | {40'd0, node_id};
reg [DATA_WIDTH-1:0] evt_beat;
always_comb begin
    evt_beat = {DATA_WIDTH{1'b0}};
    evt_beat = nr_set_dst_mac(evt_beat, my_mac);
    evt_beat = nr_set_src_mac(evt_beat, NR_MAC_NODE_PREFIX | {45'd0, evt_node});
    evt_beat = nr_set_ethertype(evt_beat, NR_ETHERTYPE);
    evt_beat = nr_set_version(evt_beat, NR_VERSION);
    evt_beat = nr_set_type(evt_beat, NR_TYPE_NACK);
    evt_beat = nr_set_cluster_id(evt_beat, cluster_id);
    evt_beat = nr_set_src_node(evt_beat, {5'd0, evt_node});
    evt_beat = nr_set_dst_node(evt_beat, node_id);
    evt_beat = nr_set_term(evt_beat, term);
    evt_beat = nr_set_log_index(evt_beat, evt_index);
    evt_beat = nr_set_commit_index(evt_beat, commit_index);
end

// the event enters its FIFO a cycle after the decision (registered, for timing: the decision's compares
// then reach only this register, not the FIFO's LUTRAM write enable); the FIFO keeps 2 entries free, one
// for this register
reg                  evt_push_reg = 1'b0;
reg [DATA_WIDTH-1:0] evt_beat_reg = {DATA_WIDTH{1'b0}};
always_ff @(posedge clk) begin
    evt_push_reg <= !rst && evt_we;
    if (evt_we) evt_beat_reg <= evt_beat;
end

wire [4:0] rtx_count;
wire [3:0] evt_count;
wire       rtx_in_ready, evt_in_ready, unused_rtx_tuser;
nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
    .DEPTH_LOG2(4), .ALMOST_FULL_FREE(3), .NO_STALL(1)) rtx_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(rd_first_reg ? beat0 : rd_data), .s_axis_tkeep(keep_for(rd_len_reg[5:0], rd_last_reg)),
    .s_axis_tvalid(rd_valid_reg), .s_axis_tready(rtx_in_ready), .s_axis_tlast(rd_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast), .m_axis_tuser(unused_rtx_tuser),
    .count(rtx_count), .almost_full(rtx_afull)
);
nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8),
    .DEPTH_LOG2(3), .ALMOST_FULL_FREE(2), .NO_STALL(1)) evt_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(evt_beat_reg), .s_axis_tkeep(MIN_KEEP), .s_axis_tvalid(evt_push_reg), .s_axis_tready(evt_in_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(NR_HOST_NEEDS_REPAIR),
    .m_axis_tdata(m_axis_evt_tdata), .m_axis_tkeep(m_axis_evt_tkeep), .m_axis_tvalid(m_axis_evt_tvalid),
    .m_axis_tready(m_axis_evt_tready), .m_axis_tlast(m_axis_evt_tlast), .m_axis_tuser(m_axis_evt_tuser),
    .count(evt_count), .almost_full(evt_afull)
);

assign ev_rtx_frame = rd_valid_reg && rd_last_reg;
assign ev_repair = evt_we;
assign ev_stale = stale;

`ifndef SYNTHESIS
// frames go into the retransmit FIFO whole: a first beat only after the previous frame's last
reg out_mid_reg = 1'b0;
always_ff @(posedge clk) begin
    if (!rst) begin
        assert (!(rd_valid_reg && rd_first_reg == out_mid_reg))
            else $error("nicraft_rtx: %s", rd_first_reg ? "a frame started mid-frame" : "a frame continued without its first beat");
        assert (!range_reg || from_left_ram == (range_from_reg < ((last_index > LOG_DEPTH) ? last_index - LOG_DEPTH + 32'd1 : 32'd1)))
            else $error("nicraft_rtx: the log RAM's oldest index test differs from its definition (from %0d, last %0d)", range_from_reg, last_index);
        assert (match_node_p1 == {1'b0, match_node} + 33'd1)
            else $error("nicraft_rtx: match_p1 of node %0d is %0d, its match index %0d", node_reg, match_node_p1, match_node);
        assert (skip_acked == (match_node + 32'd1 > next_reg + 32'd1) && past_end == (next_reg + 32'd1 > end_reg))
            else $error("nicraft_rtx: the skip or end test differs from its definition (match %0d, next %0d, end %0d)", match_node, next_reg, end_reg);
        assert ($onehot0({prep_reg, range_reg, active_reg}))
            else $error("nicraft_rtx: round start stages overlap (prep %0d, range %0d, active %0d)", prep_reg, range_reg, active_reg);
        assert (!(active_reg && 32'(node_reg) >= MAX_NODES))
            else $error("nicraft_rtx: serving node %0d of %0d", node_reg, MAX_NODES);
    end
    if (rst) out_mid_reg <= 1'b0;
    else if (rd_valid_reg) out_mid_reg <= !rd_last_reg;
end
`endif

wire _unused_ok = &{1'b0, rtx_count, evt_count, rtx_in_ready, evt_in_ready, unused_rtx_tuser, rd_len_reg[15:6],
                    ev_src[7:NODE_WIDTH], 1'b0};

endmodule

`resetall
