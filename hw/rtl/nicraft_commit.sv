// nicraft: match indexes and the commit index.
//
// Leader: every follower's match index (the highest index it is known to hold) moves up with its
// ACKs (the parallel ACK path of the plane merge, and ACKs in the main pipeline) and its NACKs (a NACK
// for index e says e-1 is held). The quorum (nicraft_quorum) of the match indexes, this node's own
// being its last index, moves the commit index, never below TERM_START (an entry of an earlier term
// is committed only with one of this term) nor past the last index.
// Follower: the commit index follows the leader's (from APPENDs and HEARTBEATs), capped at the log's
// tail by the execute engine. Follower commit: with QUORUM 2 and both this node and the leader
// members, an APPEND of this term accepted in order from the leader and sent fresh (not a
// retransmission) is on two NICs, the leader's and this one, a quorum: the commit index moves to it
// at its last beat (docs/architecture.md "Follower replies" argues the safety).
// The host's writes of COMMIT_INDEX and MATCH_INDEX win over the engine's updates.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_commit #(
    // replicas: node ids 0..MAX_NODES-1 (1..8)
    parameter MAX_NODES = 8
) (
    input  wire                     clk,
    input  wire                     rst,

    input  wire                     leader_mode,
    input  wire                     fast_en,
    input  wire [7:0]               node_sel,       // this node's id one-hot (the CSR block registers it with node_id)
    input  wire [7:0]               members,
    input  wire [3:0]               quorum,
    input  wire [7:0]               leader_id,
    input  wire [31:0]              term_start,
    input  wire [31:0]              last_index,
    // chain replication: this NIC leads a successor (CHAIN.SUCC_ID set), whose NACK for e says only that
    // it holds e - 1, not that the chain below it does: a NACK does not move a match index
    input  wire                     chain_lead,
    // chain tail (ROLE follower, CHAIN.TAIL, fast path on): the commit index follows the last index
    input  wire                     tail_on,
    // the execute engine is writing a frame into the log (its last beat sets the tail, whatever the host
    // wrote to LAST_INDEX meanwhile): the tail's commit waits for it
    input  wire                     log_mid,

    // ACKs on the plane merge's parallel path
    input  wire                     ack_valid,
    input  wire [7:0]               ack_src,
    input  wire [31:0]              ack_index,
    // ACKs and NACKs taken by the execute engine (src, index)
    input  wire                     ev_ack,
    input  wire                     ev_nack,
    input  wire [7:0]               ev_src,
    input  wire [31:0]              ev_index,
    // follower: the leader's commit index, capped at this log's tail
    input  wire                     ev_commit,
    input  wire [31:0]              ev_commit_index,
    // (with ev_commit: ev_hb tells a HEARTBEAT from an accepted APPEND, ev_client is its client id)
    input  wire                     ev_hb,
    input  wire [31:0]              ev_client,
    // follower: the last beat of an APPEND accepted fresh (its index becomes the log's tail at this edge)
    input  wire                     ev_fresh_end,
    input  wire [31:0]              ev_fresh_index,

    // host writes (the value is wr_data); wr_last_index only disarms the invariant check
    input  wire                     wr_commit_index,
    input  wire                     wr_match_index,
    input  wire [2:0]               match_sel,
    input  wire                     wr_last_index,
    input  wire [31:0]              wr_data,

    output wire [MAX_NODES*32-1:0]  match,          // the match index registers
    output wire [MAX_NODES*33-1:0]  match_p1,       // ... + 1, in 33 bits (registers: no adder after them)
    output wire [MAX_NODES-1:0]     match_moved,    // the match indexes the engine moves this cycle
    output wire [MAX_NODES*32-1:0]  match_view,     // this node's own replaced by its last index (quorum, CSR)
    output wire [31:0]              commit_index,
    output wire [31:0]              dlv_target      // what delivery may reach this cycle (the leader's quorum moves it at once)
);

initial begin
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_commit: MAX_NODES must be 1..8");
        $finish;
    end
end

reg [31:0]          match_reg [0:MAX_NODES-1];
reg [32:0]          match_p1_reg [0:MAX_NODES-1]; // match_reg + 1, in 33 bits (a NACK's compare without a subtract)
reg [31:0]          match_upd [0:MAX_NODES-1];    // the engine's update (before the host's write)
reg [31:0]          match_write [0:MAX_NODES-1];  // the registers' next values
reg [32:0]          match_p1_write [0:MAX_NODES-1];
reg [MAX_NODES-1:0] moved;
reg [31:0]          commit_index_reg = 32'd0, commit_index_next;

integer n;

// A member's match index moves to the largest of its candidates (the parallel path's ACK index, the
// execute engine's ACK index, its NACK index - 1) that exceeds it. Every compare is made in parallel
// (the candidates against each other once, each against every member's match index) and the winner
// selected, rather than three compare-and-replace steps in series (16 logic levels, docs/synthesis.md).
// The execute engine's ACK and NACK are never offered together (one frame, one type; asserted), so a
// cycle picks between the parallel path's ACK and one of them (x): the larger of the two is chosen
// from the inputs alone, and each member's compares then pick one of four values.
// A NACK for index e offers e - 1 (mod 2**32, so 2**32 - 1 for e = 0). Its compares avoid a subtract
// in front of a compare (two carry chains in series): e - 1 > match is e > match + 1 in 33 bits (the
// register match_p1_reg holds match + 1) for e > 0, and match != 2**32 - 1 for e = 0.
wire [31:0] nack_index = ev_index - 32'd1;
wire        ev_zero = ev_index == 32'd0;
wire        a_ge_e = ack_index >= ev_index;
// the values + 1 the candidates leave in match_p1 (the NACK's: e, in 33 bits 2**32 for e = 0)
wire [32:0] ack_p1 = {1'b0, ack_index} + 33'd1;
wire [32:0] ev_p1 = {1'b0, ev_index} + 33'd1;
wire [32:0] nack_p1 = {ev_zero, ev_index};
// the execute engine's candidate (its ACK's index, or its NACK's e - 1), and the larger of it and the
// parallel path's ACK, from the inputs alone (no match index involved: off the compare-to-select path)
wire [31:0] x_index = ev_ack ? ev_index : nack_index;
wire [32:0] x_p1 = ev_ack ? ev_p1 : nack_p1;
// x is chosen when it is not below the ACK's index (on a tie either gives the same value): an ACK's
// e when e > ack; a NACK's e - 1 when e - 1 >= ack, that is e > ack, or always for e = 0 (2**32 - 1)
wire        ev_nack_m = ev_nack && !chain_lead;   // a NACK that moves the match index
wire        x_wins = !a_ge_e || (ev_nack_m && ev_zero);
wire [31:0] ax_index = x_wins ? x_index : ack_index;
wire [32:0] ax_p1 = x_wins ? x_p1 : ack_p1;
wire [32:0] wr_p1 = {1'b0, wr_data} + 33'd1;
reg a_ok, x_ok;

always_comb begin
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        a_ok = ack_valid && ack_src == 8'(n) && ack_index > match_reg[n];
        x_ok = ev_src == 8'(n) && (ev_ack ? ev_index > match_reg[n]
                                  : ev_nack_m && (ev_zero ? !match_p1_reg[n][32] : {1'b0, ev_index} > match_p1_reg[n]));
        moved[n] = a_ok || x_ok;
        // one of four values per bit (a LUT6): both candidates above the match index, one, or none
        match_upd[n] = a_ok ? (x_ok ? ax_index : ack_index) : (x_ok ? x_index : match_reg[n]);
        match_p1_write[n] = a_ok ? (x_ok ? ax_p1 : ack_p1) : (x_ok ? x_p1 : match_p1_reg[n]);
        match_write[n] = match_upd[n];
        if (wr_match_index && 32'(match_sel) == n) begin
            match_write[n] = wr_data;
            match_p1_write[n] = wr_p1;
        end
        if (rst) begin
            match_write[n] = 32'd0;
            match_p1_write[n] = 33'd1;
        end
    end
end

genvar g;
generate
    for (g = 0; g < MAX_NODES; g = g + 1) begin : g_match
        assign match[g*32 +: 32] = match_reg[g];
        assign match_p1[g*33 +: 33] = match_p1_reg[g];
        assign match_view[g*32 +: 32] = node_sel[g] ? last_index : match_reg[g];
    end
endgenerate
assign match_moved = moved;

wire [31:0] quorum_index;
wire        quorum_valid;
// this node's slot counts with its last index (the substitution inside the quorum's compares)
wire [MAX_NODES-1:0] self_sel = node_sel[MAX_NODES-1:0];

nicraft_quorum #(.MAX_NODES(MAX_NODES), .INDEX_WIDTH(32)) quorum_inst (
    .clk(clk), .rst(rst),
    .match_index(match), .self_sel(self_sel), .self_index(last_index),
    .members(members[MAX_NODES-1:0]), .quorum(quorum),
    .quorum_index(quorum_index), .quorum_valid(quorum_valid)
);

wire commit_adv = leader_mode && quorum_valid && quorum_index > commit_index_reg &&
                  quorum_index >= term_start && quorum_index <= last_index;
wire f_commit_adv = ev_commit && ev_commit_index > commit_index_reg;
// follower commit: QUORUM 2, this node and the leader members (the core writes QUORUM = every voter on
// a follower while follower leases may be out, which turns it off); not while the host writes LAST_INDEX
// (its write wins over the tail's growth). The fresh entry's index is the new tail, above anything
// the leader's commit index (capped at the old tail) offers in the same cycle.
wire fc_on = !leader_mode && quorum == 4'd2 && |(members & node_sel) &&
             leader_id < 8'(MAX_NODES) && members[leader_id[2:0]];
// An accepted entry of client id 0 is the control plane's (a no-op or a configuration change): from it
// on, MEMBERS and QUORUM may be stale (the host learns a configuration change after the NIC took it), so
// follower commit stops until the fast path is turned off and on again (the core rewrites MEMBERS and
// QUORUM before FAST_EN when it turns a follower's fast path on).
wire fc_block_set = ev_commit && !ev_hb && ev_client == 32'd0;
reg  fc_block_reg = 1'b0;
wire fc_adv = ev_fresh_end && fc_on && !fc_block_reg && !fc_block_set && !wr_last_index && ev_fresh_index > commit_index_reg;
// chain tail: it takes APPENDs only from its predecessor, which sends only what its own log holds in
// order (forwarded when accepted, or resent from its log), and so on up to the head: every entry of the
// tail's log is on every NIC of the chain (docs/replication-modes.md)
wire tail_adv = tail_on && !log_mid && !wr_last_index && last_index > commit_index_reg;

always_comb begin
    commit_index_next = commit_adv ? quorum_index : fc_adv ? ev_fresh_index : tail_adv ? last_index :
                        f_commit_adv ? ev_commit_index : commit_index_reg;
    if (wr_commit_index) commit_index_next = wr_data;
    if (rst) commit_index_next = 32'd0;
end

always_ff @(posedge clk) begin
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        match_reg[n] <= match_write[n];
        match_p1_reg[n] <= match_p1_write[n];
    end
    commit_index_reg <= commit_index_next;
    fc_block_reg <= !rst && fast_en && (fc_block_reg || fc_block_set);
end

assign commit_index = commit_index_reg;
// delivery may start in the cycle the leader's quorum moves (those entries were written long ago),
// but it starts from the registered commit index on a follower
assign dlv_target = commit_adv ? quorum_index : commit_index_reg;

`ifndef SYNTHESIS
// commit index <= last index: the engines keep it (only a host write can break it)
reg commit_ok_prev_reg = 1'b0;
always_ff @(posedge clk) begin
    commit_ok_prev_reg <= !rst && commit_index_reg <= last_index && !wr_commit_index && !wr_last_index;
    if (!rst && commit_ok_prev_reg) assert (commit_index_reg <= last_index)
        else $error("nicraft_commit: commit index %0d passed the last index %0d", commit_index_reg, last_index);
    if (!rst) assert (!(ev_ack && ev_nack)) else $error("nicraft_commit: an ACK and a NACK offered in one cycle");
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        if (!rst) assert (match_p1_reg[n] == {1'b0, match_reg[n]} + 33'd1)
            else $error("nicraft_commit: match_p1 of %0d is %0d, its match index %0d", n, match_p1_reg[n], match_reg[n]);
    end
end
`endif

wire _unused_ok = &{1'b0, members, node_sel, 1'b0};

endmodule

`resetall
