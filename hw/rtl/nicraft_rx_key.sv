// nicraft: classification of a plane's head frame for the plane merge (combinational).
//
// key: what makes two frames copies of one (the same frame sent on two planes, or repeated by the
// wire): REQ (type, src, client, seq); APPEND (type, src, term, index, round, retransmit flag); ACK,
// NACK, HEARTBEAT (type, src, term, seq), where seq numbers every such frame a NIC sends, so a repeat
// is never a copy. key_valid: the frame is a nicraft frame of this cluster of one of those types.
// is_ack: a one-beat ACK the leader counts on its parallel ACK path (this term, from a member, for an
// index it wrote) instead of the main pipeline. is_req: a client's REQ (its copies are counted as DROP_REQ_DUP).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rx_key #(
    // AXI-Stream data width in bits: 512 (the header is in the first beat)
    parameter DATA_WIDTH = 512,
    // replicas: node ids 0..MAX_NODES-1 (1..8)
    parameter MAX_NODES = 8,
    // width of the copy key: 88
    parameter KEY_WIDTH = 88
) (
    input  wire [DATA_WIDTH-1:0] tdata,        // the head beat (a frame's first)
    input  wire                  tlast,
    input  wire [15:0]           len,          // the frame's length in bytes

    input  wire [15:0]           cluster_id,
    input  wire                  leader_mode,
    input  wire [31:0]           term,
    input  wire [7:0]            node_id,
    input  wire [7:0]            members,
    input  wire [31:0]           last_index,

    output wire [KEY_WIDTH-1:0]  key,
    output wire                  key_valid,
    output wire                  is_ack,
    output wire                  is_req
);

`include "nicraft_wire.svh"

localparam NODE_WIDTH = 3;

initial begin
    if (DATA_WIDTH != 512) begin
        $error("nicraft_rx_key: DATA_WIDTH must be 512 (the header accessors assume a 64-byte beat)");
        $finish;
    end
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_rx_key: MAX_NODES must be 1..8");
        $finish;
    end
    if (KEY_WIDTH != 88) begin
        $error("nicraft_rx_key: KEY_WIDTH must be 88");
        $finish;
    end
end

wire [7:0]  t = nr_get_type(tdata);
wire [7:0]  src = nr_get_src_node(tdata);
wire [31:0] f_term = nr_get_term(tdata);
wire [31:0] idx = nr_get_log_index(tdata);
wire [7:0]  flags = nr_get_flags(tdata);
wire [7:0]  rsvd = nr_get_rsvd(tdata);   // a retransmission's round
wire basic_ok = len >= 16'(NR_HDR_BYTES) && nr_get_ethertype(tdata) == NR_ETHERTYPE &&
                nr_get_version(tdata) == NR_VERSION && nr_get_cluster_id(tdata) == cluster_id;

assign key = t == NR_TYPE_REQ    ? {t, src, nr_get_client_id(tdata), nr_get_seq(tdata), 8'd0} :
             t == NR_TYPE_APPEND ? {t, src, f_term, idx, rsvd[6:0], flags[NR_FLAG_RETRANSMIT]} :
                                   {t, src, f_term, nr_get_seq(tdata), 8'd0};
assign key_valid = basic_ok && (t == NR_TYPE_REQ || t == NR_TYPE_APPEND || t == NR_TYPE_ACK ||
                                t == NR_TYPE_NACK || t == NR_TYPE_HEARTBEAT);
assign is_ack = basic_ok && t == NR_TYPE_ACK && tlast &&
                len == 16'(NR_MIN_FRAME_BYTES) && nr_get_payload_len(tdata) == 16'd0 &&
                leader_mode && f_term == term && src < 8'(MAX_NODES) &&
                members[src[NODE_WIDTH-1:0]] && src != node_id && idx <= last_index;

assign is_req = basic_ok && t == NR_TYPE_REQ;

wire _unused_ok = &{1'b0, rsvd[7], 1'b0};

endmodule

`resetall
