// nicraft: leader-silence detection in a follower NIC (docs/control-plane.md section 4.1).
//
// A follower NIC sees every frame of its leader: APPENDs at line rate, HEARTBEATs from the leader NIC
// when no APPEND went out for HB_INTERVAL cycles. When none arrived for SILENCE_CYCLES cycles while
// the fast path runs as a follower, the host gets a LEADER_SILENT event on its RX queue (one beat,
// a header naming the leader, this node and the term at that moment), so the control plane can stand
// for election at once instead of waiting for its election timeout. One event per silence: the
// leader's next frame, or a change of ROLE or FAST_EN (leaving follower mode), arms it again.
// SILENCE_CYCLES = 0 turns it off.
//
// "A frame of the leader" is any APPEND or HEARTBEAT from LEADER_ID of this term that reached the
// execute engine's decision as a follower: taken, already held, buffered beyond a gap, or dropped
// because the log window is full (the leader is alive; the host is slow). The execute engine's
// first-beat events say so: ev_commit (taken or heartbeat), ev_dup (held), ev_gap (buffered, window
// full or beyond it, or a heartbeat ahead of the log).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_leader_watch #(
    // AXI-Stream data width in bits: 512 (the event is one beat, its header in it)
    parameter DATA_WIDTH = 512,
    // tkeep bits
    parameter KEEP_WIDTH = DATA_WIDTH/8
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire                   follower_mode,   // ROLE follower and FAST_EN on
    input  wire [31:0]            silence_cycles,  // SILENCE_CYCLES (0: off)
    // the execute engine's first-beat events of a frame of the leader (see above)
    input  wire                   ev_commit,
    input  wire                   ev_dup,
    input  wire                   ev_gap,
    input  wire [15:0]            cluster_id,
    input  wire [7:0]             node_id,
    input  wire [7:0]             leader_id,
    input  wire [31:0]            term,

    // the event, to the host RX arbiter (one beat, tuser = LEADER_SILENT)
    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire [7:0]             m_axis_tuser,

    output wire                   ev_silent        // an event was raised this cycle (LEADER_SILENT counter)
);

`include "nicraft_wire.svh"

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_leader_watch: DATA_WIDTH must be 512 (the header accessors assume a 64-byte beat), KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
end

wire leader_frame = ev_commit || ev_dup || ev_gap;  // a frame of the leader reached the decision this cycle
localparam [KEEP_WIDTH-1:0] MIN_KEEP = {{(KEEP_WIDTH-NR_MIN_FRAME_BYTES){1'b0}}, {NR_MIN_FRAME_BYTES{1'b1}}};

reg [31:0] idle_reg = 32'd0, idle_next;       // cycles since the leader's last frame (saturating)
// idle_reg + 1 (saturating), kept in a register beside it: the silence test compares a register with
// SILENCE_CYCLES (no increment in series with the compare)
reg [31:0] idle_inc_reg = 32'd1, idle_inc_next;
reg        fired_reg = 1'b0, fired_next;      // the event of this silence was raised
reg        valid_reg = 1'b0, valid_next;      // the event waits for the host RX arbiter
reg [7:0]  leader_reg = 8'd0, leader_next;    // the event's leader and term, as they were when it was raised
reg [31:0] term_reg = 32'd0, term_next;

wire        active = follower_mode && silence_cycles != 32'd0;
wire [31:0] idle_inc = idle_inc_reg;
wire        fire = active && !leader_frame && !fired_reg && idle_inc >= silence_cycles;

always_comb begin
    idle_next = idle_reg;
    fired_next = fired_reg;
    valid_next = valid_reg;
    leader_next = leader_reg;
    term_next = term_reg;
    if (valid_reg && m_axis_tready) valid_next = 1'b0;
    idle_inc_next = idle_inc_reg;
    if (!active || leader_frame) begin
        idle_next = 32'd0;
        idle_inc_next = 32'd1;
        fired_next = 1'b0;
    end else begin
        idle_next = idle_inc;
        idle_inc_next = &idle_inc_reg ? idle_inc_reg : idle_inc_reg + 32'd1;
        if (fire) begin
            fired_next = 1'b1;
            valid_next = 1'b1;
            leader_next = leader_id;
            term_next = term;
        end
    end
end

always_ff @(posedge clk) begin
    if (rst) begin
        idle_reg <= 32'd0;
        idle_inc_reg <= 32'd1;
        fired_reg <= 1'b0;
        valid_reg <= 1'b0;
        leader_reg <= 8'd0;
        term_reg <= 32'd0;
    end else begin
        idle_reg <= idle_next;
        idle_inc_reg <= idle_inc_next;
        fired_reg <= fired_next;
        valid_reg <= valid_next;
        leader_reg <= leader_next;
        term_reg <= term_next;
    end
end

// Check: a cycle not watching (or hearing the leader) leaves the count at 0 and the event armed
`ifndef SYNTHESIS
reg quiet_prev_reg = 1'b1;  // the previous cycle did not count (not watching, or the leader was heard)
always_ff @(posedge clk) begin
    quiet_prev_reg <= rst || !active || leader_frame;
    if (!rst) begin
        assert (idle_inc_reg == (&idle_reg ? idle_reg : idle_reg + 32'd1))
            else $error("nicraft_leader_watch: idle_inc %0d does not follow idle %0d", idle_inc_reg, idle_reg);
    end
    if (!rst && quiet_prev_reg) begin
        assert (idle_reg == 32'd0 && !fired_reg) else $error("nicraft_leader_watch: counting across the leader's frame or outside follower mode");
    end
end
`endif

reg [DATA_WIDTH-1:0] beat;
always_comb begin
    beat = {DATA_WIDTH{1'b0}};
    beat = nr_set_dst_mac(beat, NR_MAC_NODE_PREFIX | {40'd0, node_id});
    beat = nr_set_src_mac(beat, NR_MAC_NODE_PREFIX | {40'd0, leader_reg});
    beat = nr_set_ethertype(beat, NR_ETHERTYPE);
    beat = nr_set_version(beat, NR_VERSION);
    beat = nr_set_type(beat, NR_TYPE_HEARTBEAT);
    beat = nr_set_cluster_id(beat, cluster_id);
    beat = nr_set_src_node(beat, leader_reg);
    beat = nr_set_dst_node(beat, node_id);
    beat = nr_set_term(beat, term_reg);
end

assign m_axis_tdata = beat;
assign m_axis_tkeep = MIN_KEEP;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast = 1'b1;
assign m_axis_tuser = NR_HOST_LEADER_SILENT;
assign ev_silent = fire;

endmodule

`resetall
