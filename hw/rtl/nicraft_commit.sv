// nicraft: match indexes and the commit index.
//
// Leader: every follower's match index (the highest index it is known to hold) moves up with its
// ACKs (the parallel ACK path of the plane merge, and ACKs in the main pipeline) and its NACKs (a NACK
// for index e says e-1 is held). The quorum (nicraft_quorum) of the match indexes, this node's own
// being its last index, moves the commit index, never below TERM_START (an entry of an earlier term
// is committed only with one of this term) nor past the last index.
// Follower: the commit index follows the leader's (from APPENDs and HEARTBEATs), capped at the log's
// tail by the execute engine.
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
    input  wire [7:0]               node_id,
    input  wire [7:0]               members,
    input  wire [3:0]               quorum,
    input  wire [31:0]              term_start,
    input  wire [31:0]              last_index,

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

    // host writes (the value is wr_data); wr_last_index only disarms the invariant check
    input  wire                     wr_commit_index,
    input  wire                     wr_match_index,
    input  wire [2:0]               match_sel,
    input  wire                     wr_last_index,
    input  wire [31:0]              wr_data,

    output wire [MAX_NODES*32-1:0]  match,          // the match index registers
    output wire [MAX_NODES*32-1:0]  match_next,     // ... as the engine moves them this cycle
    output wire [MAX_NODES-1:0]     match_moved,
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
reg [31:0]          match_upd [0:MAX_NODES-1];    // the engine's update (before the host's write)
reg [31:0]          match_write [0:MAX_NODES-1];  // the registers' next values
reg [MAX_NODES-1:0] moved;
reg [31:0]          commit_index_reg = 32'd0, commit_index_next;

integer n;

// A member's match index moves to the largest of its candidates (the parallel path's ACK index, the
// execute engine's ACK index, its NACK index - 1) that exceeds it. Every compare is made in parallel
// (the candidates against each other once, each against every member's match index) and the winner
// selected, rather than three compare-and-replace steps in series (16 logic levels, docs/synthesis.md).
// A candidate wins when it is offered, exceeds the match index and is at least every other offered
// candidate; tied winners carry the same value, so the result is the OR of the winners.
wire [31:0] nack_index = ev_index - 32'd1;
wire a_ge_e = ack_index >= ev_index, a_ge_k = ack_index >= nack_index, e_ge_k = ev_index >= nack_index;
wire e_ge_a = ev_index >= ack_index, k_ge_a = nack_index >= ack_index, k_ge_e = nack_index >= ev_index;
reg a_ok, e_ok, k_ok, a_win, e_win, k_win;

always_comb begin
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        a_ok = ack_valid && ack_src == 8'(n) && ack_index > match_reg[n];
        e_ok = ev_ack && ev_src == 8'(n) && ev_index > match_reg[n];
        k_ok = ev_nack && ev_src == 8'(n) && nack_index > match_reg[n];
        a_win = a_ok && (!e_ok || a_ge_e) && (!k_ok || a_ge_k);
        e_win = e_ok && (!a_ok || e_ge_a) && (!k_ok || e_ge_k);
        k_win = k_ok && (!a_ok || k_ge_a) && (!e_ok || k_ge_e);
        moved[n] = a_ok || e_ok || k_ok;
        match_upd[n] = moved[n] ? ({32{a_win}} & ack_index) | ({32{e_win}} & ev_index) | ({32{k_win}} & nack_index)
                                : match_reg[n];
        match_write[n] = match_upd[n];
        if (wr_match_index && 32'(match_sel) == n) match_write[n] = wr_data;
        if (rst) match_write[n] = 32'd0;
    end
end

genvar g;
generate
    for (g = 0; g < MAX_NODES; g = g + 1) begin : g_match
        assign match[g*32 +: 32] = match_reg[g];
        assign match_next[g*32 +: 32] = match_upd[g];
        assign match_view[g*32 +: 32] = (8'(g) == node_id) ? last_index : match_reg[g];
    end
endgenerate
assign match_moved = moved;

wire [31:0] quorum_index;
wire        quorum_valid;
nicraft_quorum #(.MAX_NODES(MAX_NODES), .INDEX_WIDTH(32)) quorum_inst (
    .clk(clk), .rst(rst),
    .match_index(match_view), .members(members[MAX_NODES-1:0]), .quorum(quorum),
    .quorum_index(quorum_index), .quorum_valid(quorum_valid)
);

wire commit_adv = leader_mode && quorum_valid && quorum_index > commit_index_reg &&
                  quorum_index >= term_start && quorum_index <= last_index;
wire f_commit_adv = ev_commit && ev_commit_index > commit_index_reg;

always_comb begin
    commit_index_next = commit_adv ? quorum_index : f_commit_adv ? ev_commit_index : commit_index_reg;
    if (wr_commit_index) commit_index_next = wr_data;
    if (rst) commit_index_next = 32'd0;
end

always_ff @(posedge clk) begin
    for (n = 0; n < MAX_NODES; n = n + 1) match_reg[n] <= match_write[n];
    commit_index_reg <= commit_index_next;
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
end
`endif

wire _unused_ok = &{1'b0, members, 1'b0};

endmodule

`resetall
