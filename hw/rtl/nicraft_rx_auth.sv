// nicraft: frame authentication on one plane's receive path (issue 16; docs/auth.md), between the
// wire and the plane's RX buffer (nicraft_rx_fifo).
//
// Every nicraft frame (ethertype, at least a header) carries a key id, a packet number and a 64-bit
// ICV in its header. The frame goes through the MAC engine (nicraft_auth_mac) as it arrives and, beside
// it, through a delay line of the engine's latency, so that its last beat reaches the RX buffer with
// the verdict (drop reason on tlast, 0 = good):
//   NO_KEY     the key context it names (class: REQ and REPLY frames the client key, others the node
//              key; slot: auth_kid[0]) is not installed (AUTH_KEY_VALID)
//   AUTH_FAIL  the ICV differs from the tag computed over the frame (ICV bytes zero)
//   REPLAY     a node frame (src_node < MAX_NODES) whose packet number is at or below the top of the
//              sender's window minus REPLAY_WINDOW, or seen already in it (a bitmap, RFC 4303 style)
// A good node frame advances its sender's window. Frames from clients (REQ) have no window here (the
// state machine's sessions make a repeated request harmless: docs/auth.md). With AUTH_EN off, frames
// pass straight through, unchecked and without the delay (AUTH_EN changes only while the planes are
// quiet: the host sets it before it enables the fast path). Non-nicraft and short frames pass unchecked: the parser
// drops them (BAD_ETHERTYPE, SHORT) before they can touch any state.
// The wire cannot be back-pressured: nothing here stalls.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rx_auth #(
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // node ids with a replay window: 0..MAX_NODES-1
    parameter MAX_NODES = 8,
    // longest frame in beats (the MAC's hash key length)
    parameter MAX_BEATS = 5
) (
    input  wire                                   clk,
    input  wire                                   rst,

    input  wire [DATA_WIDTH-1:0]                  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]                  s_axis_tkeep,
    input  wire                                   s_axis_tvalid,
    input  wire                                   s_axis_tlast,
    input  wire                                   s_axis_tuser,

    output wire [DATA_WIDTH-1:0]                  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]                  m_axis_tkeep,
    output wire                                   m_axis_tvalid,
    output wire                                   m_axis_tlast,
    output wire                                   m_axis_tuser,
    output wire [7:0]                             m_axis_drop,   // on tlast: the drop reason, 0 = good

    input  wire                                   auth_en,
    input  wire [3:0]                             key_valid,
    input  wire [4*11*128-1:0]                    round_keys,
    input  wire [4*(MAX_BEATS*512+63)-1:0]        hash_keys,
    input  wire [7:0]                             replay_clear    // senders whose windows are cleared (a strobe)
);

`include "nicraft_wire.svh"

localparam LATENCY = 13;           // nicraft_auth_mac's
localparam W = 32;                 // replay window: packet numbers top-W+1 .. top
localparam NW = MAX_NODES > 1 ? $clog2(MAX_NODES) : 1;
localparam ICV_OFF = 52;           // byte offset of icv_hi

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_rx_auth: DATA_WIDTH must be 512, KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (NR_HDR_BYTES != 60 || MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_rx_auth: the authentication fields end the 60-byte header; MAX_NODES 1..8");
        $finish;
    end
end

// ---------------------------------------------------------------------------------------------
// First beat: the frame's authentication fields
reg in_frame_reg = 1'b0;
wire first = s_axis_tvalid && !in_frame_reg;
wire [7:0] f_type = nr_get_type(s_axis_tdata);
wire f_class = f_type == NR_TYPE_REQ || f_type == NR_TYPE_REPLY;
wire f_kid = s_axis_tdata[8*44];
wire [1:0] f_ctx = {f_class, f_kid};
// checked: a nicraft ethertype and a whole header in the first beat (tkeep is contiguous)
wire f_checked = nr_get_ethertype(s_axis_tdata) == NR_ETHERTYPE && s_axis_tkeep[NR_HDR_BYTES-1];
wire [127:0] f_nonce = {16'd0, s_axis_tdata[8*46 +: 48], s_axis_tdata[8*34 +: 32], 8'd0,
                        s_axis_tdata[8*19 +: 8], s_axis_tdata[8*44 +: 8], 7'd0, f_class};
// the MAC covers the frame with its ICV bytes zero
localparam [DATA_WIDTH-1:0] ICV_MASK = ~({{(DATA_WIDTH-64){1'b0}}, 64'hFFFF_FFFF_FFFF_FFFF} << (8*ICV_OFF));
wire [DATA_WIDTH-1:0] mac_data = first ? (s_axis_tdata & ICV_MASK) : s_axis_tdata;

wire        mac_valid;
wire [63:0] mac_tag;
nicraft_auth_mac #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .MAX_BEATS(MAX_BEATS), .KEYS(4)) mac_inst (
    .clk(clk), .rst(rst),
    .in_valid(s_axis_tvalid && auth_en), .in_first(first), .in_last(s_axis_tlast), .in_data(mac_data), .in_keep(s_axis_tkeep),
    .in_nonce(f_nonce), .in_key(f_ctx),
    .round_keys(round_keys), .hash_keys(hash_keys),
    .out_valid(mac_valid), .out_tag(mac_tag)
);

// The frame's fields, held from its first beat and carried with every beat down the delay line
// (the line's last stage has them when the frame's last beat leaves, the cycle its tag arrives)
reg        h_checked_reg = 1'b0, h_class_reg = 1'b0;
reg [1:0]  h_ctx_reg = 2'd0;
reg [7:0]  h_src_reg = 8'd0;
reg [47:0] h_pn_reg = 48'd0;
reg [63:0] h_icv_reg = 64'd0;
wire        c_checked = first ? f_checked : h_checked_reg;
wire        c_class = first ? f_class : h_class_reg;
wire [1:0]  c_ctx = first ? f_ctx : h_ctx_reg;
wire [7:0]  c_src = first ? nr_get_src_node(s_axis_tdata) : h_src_reg;
wire [47:0] c_pn = first ? nr_get_pn(s_axis_tdata) : h_pn_reg;
wire [63:0] c_icv = first ? s_axis_tdata[8*ICV_OFF +: 64] : h_icv_reg;

always @(posedge clk) begin
    if (s_axis_tvalid) in_frame_reg <= !s_axis_tlast;
    if (first) begin
        h_checked_reg <= f_checked;
        h_class_reg <= f_class;
        h_ctx_reg <= f_ctx;
        h_src_reg <= c_src;
        h_pn_reg <= c_pn;
        h_icv_reg <= c_icv;
    end
    if (rst) in_frame_reg <= 1'b0;
end

localparam MW = 1 + 1 + 2 + 8 + 48 + 64;   // checked, class, ctx, src, pn, icv
localparam LW = DATA_WIDTH + KEEP_WIDTH + 2 + MW;
// The delay line as a ring of 16 entries (distributed RAM; one write and one read a cycle rather
// than 13 wide registers shifting): the entry written LATENCY cycles ago is read.
localparam LINE_DEPTH = 16;
reg [LW-1:0] line_mem [0:LINE_DEPTH-1];
reg [3:0] line_wr_reg = 4'd0;
reg [LATENCY-1:0] line_valid_reg = 0;
wire [LW-1:0] line_in = {c_checked, c_class, c_ctx, c_src, c_pn, c_icv, s_axis_tlast, s_axis_tuser, s_axis_tkeep, s_axis_tdata};

// with AUTH_EN=0 frames pass around the engine and the delay line: neither takes their beats
// (AUTH_EN changes only while the planes are idle)
always @(posedge clk) begin
    if (auth_en) line_mem[line_wr_reg] <= line_in;
    line_wr_reg <= line_wr_reg + 4'd1;
end

always @(posedge clk) begin
    line_valid_reg <= {line_valid_reg[LATENCY-2:0], s_axis_tvalid && auth_en};
    if (rst) line_valid_reg <= 0;
end

wire [LW-1:0] o = line_mem[line_wr_reg - 4'(LATENCY)];
wire          o_valid = line_valid_reg[LATENCY-1];
wire [DATA_WIDTH-1:0] o_data = o[0 +: DATA_WIDTH];
wire [KEEP_WIDTH-1:0] o_keep = o[DATA_WIDTH +: KEEP_WIDTH];
wire          o_user = o[DATA_WIDTH + KEEP_WIDTH];
wire          o_last = o[DATA_WIDTH + KEEP_WIDTH + 1];
wire [63:0]   o_icv = o[DATA_WIDTH + KEEP_WIDTH + 2 +: 64];
wire [47:0]   o_pn = o[DATA_WIDTH + KEEP_WIDTH + 66 +: 48];
wire [7:0]    o_src = o[DATA_WIDTH + KEEP_WIDTH + 114 +: 8];
wire [1:0]    o_ctx = o[DATA_WIDTH + KEEP_WIDTH + 122 +: 2];
wire          o_class = o[DATA_WIDTH + KEEP_WIDTH + 124];
wire          o_checked = o[DATA_WIDTH + KEEP_WIDTH + 125];

// ---------------------------------------------------------------------------------------------
// The verdict at the frame's last beat, and the replay windows
reg [47:0] top_reg [0:MAX_NODES-1];     // highest packet number taken from the sender
reg [W-1:0] seen_reg [0:MAX_NODES-1];   // bit d: top - d was taken

wire o_end = o_valid && o_last;
wire o_node = !o_class && 32'(o_src) < MAX_NODES;
wire [NW-1:0] o_idx = o_src[NW-1:0];
wire [47:0] w_top = top_reg[o_idx];
wire [W-1:0] w_seen = seen_reg[o_idx];
wire        w_above = o_pn > w_top;
wire [47:0] w_ahead = o_pn - w_top;     // above: how far the window moves
wire [47:0] w_behind = w_top - o_pn;    // not above: how far below the top
wire        w_fresh = w_above || (w_behind < 48'(W) && !w_seen[w_behind[$clog2(W)-1:0]]);

wire [7:0] verdict = !o_checked ? 8'd0 :
                     !key_valid[o_ctx]      ? NR_DROP_NO_KEY :
                     mac_tag != o_icv       ? NR_DROP_AUTH_FAIL :
                     o_node && !w_fresh     ? NR_DROP_REPLAY : 8'd0;
wire take = o_end && auth_en && o_checked && o_node && verdict == 8'd0 && !o_user;

integer n;
always @(posedge clk) begin
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        if (take && 32'(o_idx) == n) begin
            if (w_above) begin
                top_reg[n] <= o_pn;
                seen_reg[n] <= (w_ahead >= 48'(W) ? {W{1'b0}} : seen_reg[n] << w_ahead[$clog2(W)-1:0]) | W'(1);
            end else begin
                seen_reg[n] <= seen_reg[n] | (W'(1) << w_behind[$clog2(W)-1:0]);
            end
        end
        if (rst || replay_clear[n]) begin
            top_reg[n] <= 48'd0;
            seen_reg[n] <= {W{1'b0}};
        end
    end
end

assign m_axis_tdata = auth_en ? o_data : s_axis_tdata;
assign m_axis_tkeep = auth_en ? o_keep : s_axis_tkeep;
assign m_axis_tvalid = auth_en ? o_valid : s_axis_tvalid;
assign m_axis_tlast = auth_en ? o_last : s_axis_tlast;
assign m_axis_tuser = auth_en ? o_user : s_axis_tuser;
assign m_axis_drop = auth_en && o_end ? verdict : 8'd0;

wire _unused_ok = &{1'b0, replay_clear, 1'b0};

`ifndef SYNTHESIS
always @(posedge clk) begin
    if (!rst) begin
        assert (!o_end || mac_valid) else $error("nicraft_rx_auth: a frame's last beat left the delay line without its tag");
        assert (!mac_valid || o_end) else $error("nicraft_rx_auth: a tag without its frame's last beat");
    end
end
`endif

endmodule

`resetall
