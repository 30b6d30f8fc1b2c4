// nicraft: frame signing on the transmit path (issue 16; docs/auth.md), between the TX arbiter and the
// per-plane fan-out: every frame the NIC sends (APPENDs, retransmissions, ACK, NACK, HEARTBEAT, REPLY
// and the host's frames) is signed once, and every plane sends the same signed frame.
//
// At a frame's first beat (a nicraft ethertype and a whole header, AUTH_EN on) the key id
// (AUTH_TX_KID) and the next packet number are written into its header and the ICV bytes cleared;
// its beats enter a buffer and, as they enter, the MAC engine (nicraft_auth_mac). A frame leaves once
// its tag is known (13 cycles after its last beat entered), the tag written into its ICV bytes. Class:
// REPLY frames (to clients) are signed with the client key, every other frame with the node key.
// Frames that are not signed (other ethertypes, short) take the same path unchanged. With AUTH_EN off
// frames pass straight through (AUTH_EN changes only while the NIC sends nothing: the host sets it
// before it enables the fast path).
// One beat per cycle in and out; the buffer holds the engine's latency and a largest frame, so a
// stream of frames flows without a bubble.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_tx_sign #(
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // longest frame in beats
    parameter MAX_BEATS = 5,
    // buffer: 2**DEPTH_LOG2 beats, at least LATENCY + MAX_BEATS + 2
    parameter DEPTH_LOG2 = $clog2(13 + MAX_BEATS + 2)
) (
    input  wire                                   clk,
    input  wire                                   rst,

    input  wire [DATA_WIDTH-1:0]                  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]                  s_axis_tkeep,
    input  wire                                   s_axis_tvalid,
    output wire                                   s_axis_tready,
    input  wire                                   s_axis_tlast,

    output wire [DATA_WIDTH-1:0]                  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]                  m_axis_tkeep,
    output wire                                   m_axis_tvalid,
    input  wire                                   m_axis_tready,
    output wire                                   m_axis_tlast,

    input  wire                                   auth_en,
    input  wire                                   tx_kid,
    input  wire                                   pn_load,       // a strobe: the next packet number is pn_value
    input  wire [47:0]                            pn_value,
    input  wire [4*11*128-1:0]                    round_keys,
    input  wire                                   hk_wr,         // hash key writes (nicraft_auth_csr, nicraft_auth_mac)
    input  wire [1:0]                             hk_wr_ctx,
    input  wire [11:0]                            hk_wr_word,
    input  wire [31:0]                            hk_wr_data
);

`include "nicraft_wire.svh"

localparam DEPTH = 2**DEPTH_LOG2;
localparam ICV_OFF = 52;

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8 || NR_HDR_BYTES != 60) begin
        $error("nicraft_tx_sign: DATA_WIDTH must be 512, KEEP_WIDTH DATA_WIDTH/8, the header 60 bytes");
        $finish;
    end
    if (DEPTH < 13 + MAX_BEATS + 2) begin
        $error("nicraft_tx_sign: the buffer must hold the MAC's latency and a largest frame");
        $finish;
    end
end

// ---------------------------------------------------------------------------------------------
// Input: the first beat's fields, written before the beat enters the buffer and the engine
reg [DEPTH_LOG2:0] used_reg = 0;
reg                in_frame_reg = 1'b0;
reg [47:0]         pn_reg = 48'd0;
wire accept = auth_en && s_axis_tvalid && s_axis_tready;
wire first = !in_frame_reg;
wire [7:0] f_type = nr_get_type(s_axis_tdata);
wire f_class = f_type == NR_TYPE_REQ || f_type == NR_TYPE_REPLY;
wire f_sign = auth_en && nr_get_ethertype(s_axis_tdata) == NR_ETHERTYPE && s_axis_tkeep[NR_HDR_BYTES-1];
localparam [DATA_WIDTH-1:0] AUTH_MASK = ~({{(DATA_WIDTH-128){1'b0}}, 128'hFFFF_FFFF_FFFF_FFFF_FFFF_FFFF_FFFF_00FF} << (8*44));
// pn is big-endian in the header: byte 46 its top byte
wire [47:0] pn_le = {pn_reg[7:0], pn_reg[15:8], pn_reg[23:16], pn_reg[31:24], pn_reg[39:32], pn_reg[47:40]};
wire [DATA_WIDTH-1:0] signed_beat = (s_axis_tdata & AUTH_MASK) |
                                    (DATA_WIDTH'({pn_le, 8'd0, 7'd0, tx_kid}) << (8*44));
wire [DATA_WIDTH-1:0] in_beat = first && f_sign ? signed_beat : s_axis_tdata;
wire [127:0] f_nonce = {16'd0, in_beat[8*46 +: 48], in_beat[8*34 +: 32], 8'd0, in_beat[8*19 +: 8], in_beat[8*44 +: 8], 7'd0, f_class};

wire        mac_valid;
wire [63:0] mac_tag;
nicraft_auth_mac #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .MAX_BEATS(MAX_BEATS), .KEYS(4)) mac_inst (
    .clk(clk), .rst(rst),
    .in_valid(accept), .in_first(first), .in_last(s_axis_tlast), .in_data(in_beat), .in_keep(s_axis_tkeep),
    .in_nonce(f_nonce), .in_key({f_class, tx_kid}),
    .round_keys(round_keys), .hk_wr(hk_wr), .hk_wr_ctx(hk_wr_ctx), .hk_wr_word(hk_wr_word), .hk_wr_data(hk_wr_data),
    .out_valid(mac_valid), .out_tag(mac_tag)
);

// ---------------------------------------------------------------------------------------------
// The buffer (beats, with the frame's sign flag on its first beat) and the tags, in frame order
reg [DATA_WIDTH-1:0] data_mem [0:DEPTH-1];
reg [KEEP_WIDTH-1:0] keep_mem [0:DEPTH-1];
reg                  last_mem [0:DEPTH-1];
reg                  sign_mem [0:DEPTH-1];
reg [63:0]           tag_mem [0:DEPTH-1];
reg [DEPTH_LOG2-1:0] wr_reg = 0, rd_reg = 0, tag_wr_reg = 0, tag_rd_reg = 0;
reg [DEPTH_LOG2:0]   tags_reg = 0;
reg                  out_frame_reg = 1'b0;     // the head beat is not a first beat

wire head_first = !out_frame_reg;
wire out_valid = used_reg != 0 && (!head_first || tags_reg != 0);
wire pop = auth_en && out_valid && m_axis_tready;
wire pop_tag = pop && head_first;

assign s_axis_tready = auth_en ? used_reg != (DEPTH_LOG2+1)'(DEPTH) : m_axis_tready;

always @(posedge clk) begin
    if (accept) begin
        data_mem[wr_reg] <= in_beat;
        keep_mem[wr_reg] <= s_axis_tkeep;
        last_mem[wr_reg] <= s_axis_tlast;
        sign_mem[wr_reg] <= first && f_sign;
        wr_reg <= wr_reg + 1'b1;
        in_frame_reg <= !s_axis_tlast;
    end
    if (pn_load) pn_reg <= pn_value;
    else if (accept && first && f_sign) pn_reg <= pn_reg + 48'd1;
    if (mac_valid) begin
        tag_mem[tag_wr_reg] <= mac_tag;
        tag_wr_reg <= tag_wr_reg + 1'b1;
    end
    if (pop) begin
        rd_reg <= rd_reg + 1'b1;
        out_frame_reg <= !last_mem[rd_reg];
    end
    if (pop_tag) tag_rd_reg <= tag_rd_reg + 1'b1;
    used_reg <= used_reg + (DEPTH_LOG2+1)'(accept) - (DEPTH_LOG2+1)'(pop);
    tags_reg <= tags_reg + (DEPTH_LOG2+1)'(mac_valid) - (DEPTH_LOG2+1)'(pop_tag);
    if (rst) begin
        used_reg <= 0;
        in_frame_reg <= 1'b0;
        pn_reg <= 48'd0;
        wr_reg <= 0;
        rd_reg <= 0;
        tag_wr_reg <= 0;
        tag_rd_reg <= 0;
        tags_reg <= 0;
        out_frame_reg <= 1'b0;
    end
end

wire [DATA_WIDTH-1:0] head = data_mem[rd_reg];
assign m_axis_tdata = !auth_en ? s_axis_tdata : head_first && sign_mem[rd_reg] ?
    (head | (DATA_WIDTH'(tag_mem[tag_rd_reg]) << (8*ICV_OFF))) : head;
assign m_axis_tkeep = auth_en ? keep_mem[rd_reg] : s_axis_tkeep;
assign m_axis_tvalid = auth_en ? out_valid : s_axis_tvalid;
assign m_axis_tlast = auth_en ? last_mem[rd_reg] : s_axis_tlast;

`ifndef SYNTHESIS
always @(posedge clk) begin
    if (!rst) begin
        assert (!mac_valid || tags_reg != (DEPTH_LOG2+1)'(DEPTH)) else $error("nicraft_tx_sign: tag FIFO overflow");
    end
end
`endif

endmodule

`resetall
