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
    input  wire                                   hk_wr,         // hash key writes (nicraft_auth_csr, nicraft_auth_mac)
    input  wire [1:0]                             hk_wr_ctx,
    input  wire [11:0]                            hk_wr_word,
    input  wire [31:0]                            hk_wr_data,
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
    .in_valid(s_axis_tvalid && auth_en), .in_first(!in_frame_reg), .in_last(s_axis_tlast), .in_data(mac_data), .in_keep(s_axis_tkeep),
    .in_nonce(f_nonce), .in_key(f_ctx),
    .round_keys(round_keys), .hk_wr(hk_wr), .hk_wr_ctx(hk_wr_ctx), .hk_wr_word(hk_wr_word), .hk_wr_data(hk_wr_data),
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
localparam DW = DATA_WIDTH + KEEP_WIDTH;  // a line entry's beat: tdata, tkeep
localparam FW = 2 + MW;                   // its fields: tuser, tlast, then the MW above
// the fields' offsets in a line entry's fields (line_f_mem): tuser, tlast, icv, pn, src, ctx, class, checked
localparam F_ICV = 2, F_PN = 66, F_SRC = 114, F_CTX = 122, F_CLASS = 124, F_CHECKED = 125;
// The delay line as a ring of 16 entries (distributed RAM; one write and one read a cycle rather
// than 13 wide registers shifting), as two memories of the same depth and address: the beats, read
// LATENCY cycles after their write, and their fields, read two cycles earlier into registers (an
// entry is in the ring from the cycle after its write until 16 cycles after), so that the replay
// decision below works on registers, not on the ring's read port.
localparam LINE_DEPTH = 16;
reg [DW-1:0] line_mem [0:LINE_DEPTH-1];
reg [FW-1:0] line_f_mem [0:LINE_DEPTH-1];
reg [3:0] line_wr_reg = 4'd0;
reg [LATENCY-1:0] line_valid_reg = 0;

// with AUTH_EN=0 frames pass around the engine and the delay line: neither takes their beats
// (AUTH_EN changes only while the planes are idle)
always @(posedge clk) begin
    if (auth_en) begin
        line_mem[line_wr_reg] <= {s_axis_tkeep, s_axis_tdata};
        line_f_mem[line_wr_reg] <= {c_checked, c_class, c_ctx, c_src, c_pn, c_icv, s_axis_tlast, s_axis_tuser};
    end
    line_wr_reg <= line_wr_reg + 4'd1;
end

always @(posedge clk) begin
    line_valid_reg <= {line_valid_reg[LATENCY-2:0], s_axis_tvalid && auth_en};
    if (rst) line_valid_reg <= 0;
end

// The beat leaving the delay line this cycle (o_*), and the fields of the beat leaving next cycle (e_*)
wire [DW-1:0] o = line_mem[line_wr_reg - 4'(LATENCY)];
wire          o_valid = line_valid_reg[LATENCY-1];
wire [DATA_WIDTH-1:0] o_data = o[0 +: DATA_WIDTH];
wire [KEEP_WIDTH-1:0] o_keep = o[DATA_WIDTH +: KEEP_WIDTH];
reg [FW-1:0] e_meta_reg = 0;              // the fields of the beat leaving next cycle
reg [FW-1:0] q_meta_reg = 0;              // the fields of the beat leaving this cycle
reg [48:0]   e_pn_pw_reg = 0;             // its packet number + W
reg [47:0]   e_pn_mw_reg = 0;             // its packet number - W (when at least W)
reg          e_pn_gew_reg = 1'b0;         // its packet number >= W
wire [FW-1:0] line_f_ahead = line_f_mem[line_wr_reg - 4'(LATENCY - 2)];
wire [47:0]   line_pn_ahead = line_f_ahead[F_PN +: 48];
always @(posedge clk) begin
    e_meta_reg <= line_f_ahead;
    e_pn_pw_reg <= {1'b0, line_pn_ahead} + 49'(W);
    e_pn_mw_reg <= line_pn_ahead - 48'(W);
    e_pn_gew_reg <= line_pn_ahead >= 48'(W);
    q_meta_reg <= e_meta_reg;
end
wire          o_user = q_meta_reg[0];
wire          o_last = q_meta_reg[1];
wire [63:0]   o_icv = q_meta_reg[F_ICV +: 64];
wire [47:0]   o_pn = q_meta_reg[F_PN +: 48];
wire [7:0]    o_src = q_meta_reg[F_SRC +: 8];
wire [1:0]    o_ctx = q_meta_reg[F_CTX +: 2];
wire          o_class = q_meta_reg[F_CLASS];
wire          o_checked = q_meta_reg[F_CHECKED];
wire [47:0]   e_pn = e_meta_reg[F_PN +: 48];
wire [NW-1:0] e_idx = e_meta_reg[F_SRC +: NW];

// ---------------------------------------------------------------------------------------------
// The verdict at the frame's last beat, and the replay windows (RFC 4303 style, W packet numbers).
// Per sender: top_reg, the highest packet number taken, and seen_reg, a bitmap by packet number modulo
// W: bit p mod W is set when p, one of top-W+1 .. top, was taken (the bitmap the host model keeps
// relative to the top, ctrl/nic/model/auth.ts, stored by position instead: testing a number needs no
// subtraction before the bit select).
//
// The decision for the beat leaving in cycle t is prepared in cycle t-1 from the beat's registered
// fields (e_*) against the window as it will be at t: unchanged, cleared (reset, replay_clear), or
// moved by a take in cycle t-1 from the same sender. For the last case both outcomes of t-1 are
// prepared (the take moved the top to its packet number P, or only set P's bit) and t selects by
// registered flags, so cycle t only compares the tag and selects.
reg [47:0] top_reg [0:MAX_NODES-1];     // highest packet number taken from the sender
reg [W-1:0] seen_reg [0:MAX_NODES-1];   // bit p mod W: p (top-W+1 .. top) was taken

wire o_end = o_valid && o_last;
wire o_node = !o_class && 32'(o_src) < MAX_NODES;
wire [NW-1:0] o_idx = o_src[NW-1:0];

// positions of the packet numbers lo+1 .. hi modulo W (hi - lo in 1..W-1), without arithmetic on the
// positions: with M(x) the positions 0..x, it is M(hi) xor M(lo), complemented when it wraps (hi < lo)
function automatic [W*W-1:0] upto_table(input integer unused);
    integer x, j;
    begin
        upto_table = {(W*W){1'b0}};
        for (x = 0; x < W; x = x + 1)
            for (j = 0; j <= x; j = j + 1)
                upto_table[W*x + j] = 1'b1;
    end
endfunction
localparam [W*W-1:0] UPTO_TABLE = upto_table(0);   // M(x) at [W*x +: W]
function automatic [W-1:0] span_mask(input [4:0] lo, input [4:0] hi);
    span_mask = UPTO_TABLE[W*hi +: W] ^ UPTO_TABLE[W*lo +: W] ^ {W{hi < lo}};
endfunction

// cycle t-1: the window of e's sender at t if no take of t-1 touches it: as it is, or cleared (then
// empty, top 0) by a reset or replay_clear in t-1. The compares against the top are each one carry
// chain from registers: e's number plus and minus W are registered with its fields.
// Each sender's compares are made in parallel and e's sender's results selected after them (a
// select of one bit each, not of a 48-bit top before the compares).
wire        e_clr = rst || replay_clear[3'(e_idx)];
reg [MAX_NODES-1:0] e_above_v, e_inwin_v, e_far_v, e_bit_v;
integer v;
always @(*) begin
    for (v = 0; v < MAX_NODES; v = v + 1) begin
        e_above_v[v] = e_pn > top_reg[v];
        e_inwin_v[v] = !e_above_v[v] && {1'b0, top_reg[v]} < e_pn_pw_reg;   // top - pn < W
        e_far_v[v] = e_pn_gew_reg && top_reg[v] <= e_pn_mw_reg;             // pn - top >= W
        e_bit_v[v] = seen_reg[v][e_pn[4:0]];
    end
end
wire        e_above = e_above_v[e_idx];
wire        e_inwin = e_inwin_v[e_idx];
wire        e_far = e_far_v[e_idx];
wire        e_bit = e_bit_v[e_idx];
wire [4:0]  e_top5 = top_reg[e_idx][4:0];
// against P, the packet number of the beat leaving at t-1 (o_pn), for a take of t-1 that moved the top
wire        p_above = e_pn > o_pn;
wire        p_inwin = !p_above && {1'b0, o_pn} < e_pn_pw_reg;
wire        p_far = e_pn_gew_reg && o_pn <= e_pn_mw_reg;
wire        p_same = e_pn == o_pn;

reg         d_byp_reg = 1'b0, d_up_reg = 1'b0;     // a take of t-1 from the same sender; it moved the top
reg         d_above_nb_reg = 1'b0, d_above_up_reg = 1'b0;
reg         d_far_nb_reg = 1'b0, d_far_up_reg = 1'b0; // the top moves W or more: the bitmap starts empty
reg [W-1:0] d_span_nb_reg = 0, d_span_up_reg = 0;   // positions the top moves over
reg         d_fresh_nb_reg = 1'b0, d_fresh_nu_reg = 1'b0, d_fresh_up_reg = 1'b0;

// cycle t
wire        w_up = d_byp_reg && d_up_reg;
wire        w_above = w_up ? d_above_up_reg : d_above_nb_reg;
wire        w_far = w_up ? d_far_up_reg : d_far_nb_reg;
wire [W-1:0] w_span = w_up ? d_span_up_reg : d_span_nb_reg;
wire        w_fresh = !d_byp_reg ? d_fresh_nb_reg : d_up_reg ? d_fresh_up_reg : d_fresh_nu_reg;
wire [W-1:0] w_bit = W'(1) << o_pn[4:0];

wire [7:0] verdict = !o_checked ? 8'd0 :
                     !key_valid[o_ctx]      ? NR_DROP_NO_KEY :
                     mac_tag != o_icv       ? NR_DROP_AUTH_FAIL :
                     o_node && !w_fresh     ? NR_DROP_REPLAY : 8'd0;
wire take = o_end && auth_en && o_checked && o_node && verdict == 8'd0 && !o_user;

always @(posedge clk) begin
    d_byp_reg <= take && o_idx == e_idx && !e_clr;
    d_up_reg <= w_above;
    // a cleared window (top 0, empty): any number is fresh, above it unless 0
    d_above_nb_reg <= e_clr ? e_pn != 48'd0 : e_above;
    d_above_up_reg <= p_above;
    d_far_nb_reg <= e_clr ? e_pn_gew_reg : e_far;
    d_far_up_reg <= p_far;
    d_span_nb_reg <= span_mask(e_clr ? 5'd0 : e_top5, e_pn[4:0]);
    d_span_up_reg <= span_mask(o_pn[4:0], e_pn[4:0]);
    // fresh: above the top, or in the window and not taken; after a take of P from the same sender,
    // P's bit is set too (P and e's number both in the window: the same position only if equal)
    d_fresh_nb_reg <= e_clr || e_above || (e_inwin && !e_bit);
    d_fresh_nu_reg <= e_above || (e_inwin && !(e_bit || p_same));
    d_fresh_up_reg <= p_above || (p_inwin && !(p_same || (!e_above && e_bit)));
    if (rst) d_byp_reg <= 1'b0;
end

integer n;
always @(posedge clk) begin
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        if (take && 32'(o_idx) == n) begin
            if (w_above) begin
                top_reg[n] <= o_pn;
                seen_reg[n] <= (w_far ? {W{1'b0}} : seen_reg[n] & ~w_span) | w_bit;
            end else begin
                seen_reg[n] <= seen_reg[n] | w_bit;
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
