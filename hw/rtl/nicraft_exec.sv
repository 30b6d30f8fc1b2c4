// nicraft: the execute engine (the D and E stages of the receive pipeline).
//
//   D: registers a beat of the merged RX stream and, on a frame's first beat, the stateless header
//      checks (length, ethertype, version, cluster, type).
//   E: decides on the first beat and holds the decision for the frame's other beats: sequence a REQ
//      into an APPEND (leader), accept an APPEND into the log (follower), buffer an APPEND beyond a
//      gap (follower), take an ACK / NACK / HEARTBEAT, punt to the host, or drop with a reason.
//
// The engine owns the tail of the log (LAST_INDEX) and the reorder state: the log grows by the
// entries it accepts and, one a cycle, over entries buffered beyond a gap once the gap fills (the
// slot's tag, read from the log RAM, names the entry it holds). It writes the log RAM (one write
// port, which has priority over the host's log port), sequenced APPENDs into the APPEND FIFO (to the
// TX arbiter) and punts into the punt FIFO (to the host RX queue). The pipeline advances unless the
// APPEND FIFO is nearly full; a punt the punt FIFO has no room for is dropped and counted.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_exec #(
    // AXI-Stream data width in bits: 512 (the header accessors assume a 64-byte beat)
    parameter DATA_WIDTH = 512,
    // tkeep width, one bit per byte: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // replicas: node ids 0..MAX_NODES-1 (1..8)
    parameter MAX_NODES = 8,
    // log RAM entries: 2**LOG_DEPTH_LOG2 (2..20)
    parameter LOG_DEPTH_LOG2 = 10,
    // largest payload in bytes (16..65535-header)
    parameter MAX_PAYLOAD = 256,
    // derived, do not override: log2 of the beats of a log slot (44 = the header's bytes)
    parameter SLOT_BEATS_LOG2 = (44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8) > 1 ?
                                $clog2((44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8)) : 1,
    // APPEND FIFO depth: 2**TX_FIFO_DEPTH_LOG2 beats (1..16)
    parameter TX_FIFO_DEPTH_LOG2 = 5,
    // punt FIFO depth: 2**HOST_FIFO_DEPTH_LOG2 beats (room for two largest frames and two beats)
    parameter HOST_FIFO_DEPTH_LOG2 = 6
) (
    input  wire                       clk,
    input  wire                       rst,

    // merged RX stream (plane merge): m_first marks a frame's first beat, len its length in bytes
    input  wire [DATA_WIDTH-1:0]      s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]      s_axis_tkeep,
    input  wire                       s_axis_tvalid,
    output wire                       s_axis_tready,
    input  wire                       s_axis_tlast,
    input  wire [15:0]                s_len,
    input  wire                       s_first,

    // configuration (CSRs)
    input  wire [7:0]                 node_id,
    input  wire [15:0]                cluster_id,
    input  wire [1:0]                 role,
    input  wire [31:0]                term,
    input  wire [7:0]                 leader_id,
    input  wire [7:0]                 members,
    input  wire                       fast_en,
    input  wire [31:0]                commit_index,
    input  wire [31:0]                applied_index,
    // host write of LAST_INDEX (wins over the engine's update)
    input  wire                       wr_last_index,
    input  wire [31:0]                wr_data,

    // the log's tail and the reorder state
    output wire [31:0]                last_index,
    output wire [31:0]                expect_index,     // last_index + 1
    output wire                       window_full,      // last - applied has reached the log depth
    output wire                       ooo_valid,        // an entry beyond a gap is buffered ...
    output wire [31:0]                ooo_min,          // ... the lowest such index
    // tag of the slot of expect_index (log RAM, combinational): {term, index} of the entry it holds
    output wire [LOG_DEPTH_LOG2-1:0]  tag_slot,
    input  wire [63:0]                tag_data,

    // log RAM write port: a beat; on the first beat also the entry's length, on the last its tag
    output wire                       log_we,
    output wire [LOG_DEPTH_LOG2-1:0]  log_slot,
    output wire [SLOT_BEATS_LOG2-1:0] log_beat,
    output wire [DATA_WIDTH-1:0]      log_data,
    output wire                       log_len_we,
    output wire [15:0]                log_len,
    output wire                       log_tag_we,
    output wire [63:0]                log_tag,

    // sequenced APPENDs (to the TX arbiter)
    output wire [DATA_WIDTH-1:0]      m_axis_append_tdata,
    output wire [KEEP_WIDTH-1:0]      m_axis_append_tkeep,
    output wire                       m_axis_append_tvalid,
    input  wire                       m_axis_append_tready,
    output wire                       m_axis_append_tlast,
    output wire                       append_afull,     // the APPEND FIFO is nearly full (the pipeline waits)

    // punted frames (to the host RX arbiter), tuser = the reason
    output wire [DATA_WIDTH-1:0]      m_axis_punt_tdata,
    output wire [KEEP_WIDTH-1:0]      m_axis_punt_tkeep,
    output wire                       m_axis_punt_tvalid,
    input  wire                       m_axis_punt_tready,
    output wire                       m_axis_punt_tlast,
    output wire [7:0]                 m_axis_punt_tuser,

    // events of this cycle (first beat unless said otherwise)
    output wire                       ev_seq_first,     // a REQ is being sequenced (heartbeat timer restarts)
    output wire                       ev_dup,           // an APPEND already held (an ACK is forced)
    output wire                       ev_log_grew,      // the log grew (an accepted APPEND's last beat, or the reorder chain)
    output wire                       ev_gap,           // a gap was seen (a NACK is wanted)
    output wire                       ev_ack,           // an ACK taken (src, index)
    output wire                       ev_nack,          // a NACK taken (src, index, client = first index held beyond the gap)
    output wire [7:0]                 ev_src,
    output wire [31:0]                ev_index,
    output wire [31:0]                ev_client,
    output wire                       ev_commit,        // follower: the leader's commit index, capped at the log's tail
    output wire [31:0]                ev_commit_index,
    output wire                       ev_drop,          // dropped (DROP or duplicate), reason ev_why
    output wire [7:0]                 ev_why,
    output wire                       ev_punt,
    output wire                       ev_hb,
    output wire                       ev_seq_end,       // last beats: a REQ sequenced, an APPEND accepted / buffered
    output wire                       ev_accept_end,
    output wire                       ev_ooo_end,

    // STATUS.FROZEN: the fast path is off (fast_en low) and no frame it took is still being written
    // to the log RAM (a REQ sequenced, an APPEND accepted or buffered before fast_en fell completes
    // its beats, and the log grows at its last beat): LAST_INDEX is final until the host acts
    output wire                       frozen
);

`include "nicraft_wire.svh"

localparam LOG_DEPTH = 2**LOG_DEPTH_LOG2;
localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
localparam NODE_WIDTH = 3;
localparam [1:0] ROLE_OFF = 2'd0, ROLE_FOLLOWER = 2'd1, ROLE_LEADER = 2'd2;
localparam [3:0] A_DROP = 4'd0, A_SEQ = 4'd1, A_ACCEPT = 4'd2, A_PUNT = 4'd3,
                 A_ACK = 4'd4, A_HB = 4'd5, A_DUP = 4'd6, A_NACK = 4'd7, A_OOO = 4'd8;

initial begin
    if (SLOT_BEATS_LOG2 != (MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1)) begin
        $error("nicraft_exec: SLOT_BEATS_LOG2 is derived from MAX_PAYLOAD and must not be overridden");
        $finish;
    end
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_exec: DATA_WIDTH must be 512 and KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_exec: MAX_NODES must be 1..8");
        $finish;
    end
    if (LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin
        $error("nicraft_exec: LOG_DEPTH_LOG2 must be 2..20");
        $finish;
    end
    if (MAX_PAYLOAD < 16 || MAX_FRAME_BYTES > 65535) begin
        $error("nicraft_exec: MAX_PAYLOAD out of range");
        $finish;
    end
    if (TX_FIFO_DEPTH_LOG2 < 1 || TX_FIFO_DEPTH_LOG2 > 16) begin
        $error("nicraft_exec: TX_FIFO_DEPTH_LOG2 must be 1..16");
        $finish;
    end
    if (HOST_FIFO_DEPTH_LOG2 > 16 || 2**HOST_FIFO_DEPTH_LOG2 < 2*MAX_BEATS + 2) begin
        $error("nicraft_exec: the punt FIFO must hold two largest frames and two beats (HOST_FIFO_DEPTH_LOG2 <= 16)");
        $finish;
    end
end

wire leader_mode = fast_en && role == ROLE_LEADER;
wire follower_mode = fast_en && role == ROLE_FOLLOWER;
wire [47:0] my_mac = NR_MAC_NODE_PREFIX | {40'd0, node_id};

// ---------------------------------------------------------------------------------------------
// Registers
reg                       d_valid_reg = 1'b0, d_valid_next;
reg [DATA_WIDTH-1:0]      d_data_reg = 0;
reg [KEEP_WIDTH-1:0]      d_keep_reg = 0;
reg                       d_last_reg = 1'b0;
reg                       d_first_reg = 1'b0;
reg [7:0]                 d_bad_reg = 8'd0, d_bad_next;   // drop reason, 0 = good

reg [3:0]                 e_act_reg = A_DROP;              // the decision of the frame in progress
reg [7:0]                 e_why_reg = 8'd0;
reg [31:0]                e_index_reg = 32'd0;             // its log index
reg [SLOT_BEATS_LOG2-1:0] e_beat_reg = 0;
reg                       e_log_mid_reg = 1'b0, e_log_mid_next;   // a frame's first beats are in the log RAM, its last is not

reg [31:0]                last_index_reg = 32'd0, last_index_next;
reg                       ooo_valid_reg = 1'b0, ooo_valid_next;
reg [31:0]                ooo_min_reg = 32'd0, ooo_min_next;

// ---------------------------------------------------------------------------------------------
// D: the stateless header checks of a first beat
wire [15:0] rx_plen = nr_get_payload_len(s_axis_tdata);
wire [7:0]  rx_type = nr_get_type(s_axis_tdata);
wire [16:0] rx_want_len = (17'(rx_plen) + 17'(NR_HDR_BYTES) < 17'(NR_MIN_FRAME_BYTES)) ?
                          17'(NR_MIN_FRAME_BYTES) : 17'(rx_plen) + 17'(NR_HDR_BYTES);
wire [7:0]  rx_bad =
    (32'(s_len) < NR_HDR_BYTES)                          ? NR_DROP_SHORT :
    (nr_get_ethertype(s_axis_tdata) != NR_ETHERTYPE)     ? NR_DROP_BAD_ETHERTYPE :
    (nr_get_version(s_axis_tdata) != NR_VERSION)         ? NR_DROP_BAD_VERSION :
    (nr_get_cluster_id(s_axis_tdata) != cluster_id)      ? NR_DROP_BAD_CLUSTER :
    (rx_type < NR_TYPE_REQ || rx_type > NR_TYPE_CONTROL) ? NR_DROP_BAD_TYPE :
    (32'(rx_plen) > MAX_PAYLOAD || rx_want_len != {1'b0, s_len}) ? NR_DROP_BAD_LENGTH :
    8'd0;

// ---------------------------------------------------------------------------------------------
// E: the decision, from the D registers and the state
wire punt_afull;
wire adv = !append_afull;           // the pipeline moves unless the APPEND FIFO is nearly full
wire fire = d_valid_reg && adv;
assign s_axis_tready = !d_valid_reg || adv;

wire [7:0]  d_type   = nr_get_type(d_data_reg);
wire [31:0] d_term   = nr_get_term(d_data_reg);
wire [31:0] d_index  = nr_get_log_index(d_data_reg);
wire [31:0] d_commit = nr_get_commit_index(d_data_reg);
wire [7:0]  d_src    = nr_get_src_node(d_data_reg);
wire        d_src_ok = d_src < 8'(MAX_NODES) && members[d_src[NODE_WIDTH-1:0]] && d_src != node_id;

wire [31:0] window_used = last_index_reg - applied_index;   // entries the log RAM must keep
assign window_full = window_used >= LOG_DEPTH;
wire        replica_frame = d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT ||
                            d_type == NR_TYPE_ACK || d_type == NR_TYPE_NACK;

reg [3:0] act_first;
reg [7:0] why_first;   // drop or punt reason
always_comb begin
    act_first = A_DROP;
    why_first = 8'd0;
    if (d_bad_reg != 8'd0) begin
        act_first = A_DROP; why_first = d_bad_reg;
    end else if (d_type == NR_TYPE_CONTROL) begin
        act_first = A_PUNT; why_first = NR_HOST_CONTROL;
    end else if (d_type == NR_TYPE_REQ) begin
        if (!leader_mode) begin
            act_first = A_PUNT; why_first = NR_HOST_NOT_LEADER;
        end else if (window_full) begin
            act_first = A_DROP; why_first = NR_DROP_LOG_FULL;
        end else begin
            act_first = A_SEQ;
        end
    end else if (replica_frame) begin
        if (!fast_en || role == ROLE_OFF) begin
            act_first = A_PUNT; why_first = NR_HOST_FAST_OFF;
        end else if (d_term > term) begin
            act_first = A_PUNT; why_first = NR_HOST_TERM_NEWER;
        end else if (d_term < term) begin
            act_first = A_PUNT; why_first = NR_HOST_TERM_OLDER;
        end else if (d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT) begin
            if (role != ROLE_FOLLOWER || d_src != leader_id) begin
                act_first = A_PUNT; why_first = NR_HOST_NOT_MEMBER;
            end else if (d_type == NR_TYPE_HEARTBEAT) begin
                act_first = A_HB;
            end else if (d_index == last_index_reg + 32'd1) begin
                if (window_full) begin
                    act_first = A_DROP; why_first = NR_DROP_LOG_FULL;
                end else begin
                    act_first = A_ACCEPT;
                end
            end else if (d_index <= last_index_reg) begin
                act_first = A_DUP; why_first = NR_DROP_DUPLICATE;
            end else if (d_index - last_index_reg > LOG_DEPTH) begin
                act_first = A_DROP; why_first = NR_DROP_FUTURE_INDEX;
            end else if (d_index - applied_index > LOG_DEPTH) begin
                act_first = A_DROP; why_first = NR_DROP_LOG_FULL;
            end else begin
                // beyond a gap: written to its slot now, taken into the log when the gap fills
                act_first = A_OOO;
            end
        end else begin
            // ACK or NACK, follower to leader
            if (role != ROLE_LEADER || !d_src_ok) begin
                act_first = A_PUNT; why_first = NR_HOST_NOT_MEMBER;
            end else if (d_type == NR_TYPE_NACK) begin
                if (d_index == 32'd0 || d_index > last_index_reg + 32'd1) begin
                    act_first = A_DROP; why_first = NR_DROP_BAD_ACK;
                end else begin
                    act_first = A_NACK;
                end
            end else if (d_index > last_index_reg) begin
                act_first = A_DROP; why_first = NR_DROP_BAD_ACK;
            end else begin
                act_first = A_ACK;
            end
        end
    end else begin
        act_first = A_PUNT; why_first = NR_HOST_OTHER;   // REPLY
    end
    // a punt the host queue cannot take is dropped and counted
    if (act_first == A_PUNT && punt_afull) begin
        act_first = A_DROP; why_first = NR_DROP_PUNT_FULL;
    end
end

wire [3:0]  e_act = d_first_reg ? act_first : e_act_reg;
wire [7:0]  e_why = d_first_reg ? why_first : e_why_reg;
wire [31:0] e_index = d_first_reg ? (act_first == A_SEQ ? last_index_reg + 32'd1 : d_index) : e_index_reg;
wire [SLOT_BEATS_LOG2-1:0] e_beat = d_first_reg ? {SLOT_BEATS_LOG2{1'b0}} : e_beat_reg;

// The APPEND a REQ becomes: same payload, new header.
reg [DATA_WIDTH-1:0] seq_beat0;
always_comb begin
    seq_beat0 = d_data_reg;
    seq_beat0 = nr_set_dst_mac(seq_beat0, NR_MAC_GROUP);
    seq_beat0 = nr_set_src_mac(seq_beat0, my_mac);
    seq_beat0 = nr_set_type(seq_beat0, NR_TYPE_APPEND);
    seq_beat0 = nr_set_src_node(seq_beat0, node_id);
    seq_beat0 = nr_set_dst_node(seq_beat0, 8'hFF);
    seq_beat0 = nr_set_rsvd(seq_beat0, 8'd0);
    seq_beat0 = nr_set_term(seq_beat0, term);
    seq_beat0 = nr_set_log_index(seq_beat0, last_index_reg + 32'd1);
    seq_beat0 = nr_set_commit_index(seq_beat0, commit_index);
end

wire [DATA_WIDTH-1:0] e_data = (d_first_reg && e_act == A_SEQ) ? seq_beat0 : d_data_reg;
wire e_log_we  = fire && (e_act == A_SEQ || e_act == A_ACCEPT || e_act == A_OOO);
wire e_tx_we   = fire && e_act == A_SEQ;
wire e_punt_we = fire && e_act == A_PUNT;
wire e_end     = fire && d_last_reg;
wire e_first   = fire && d_first_reg;
wire e_grow    = e_end && (e_act == A_ACCEPT || e_act == A_SEQ);   // the log grows by this frame

// ---------------------------------------------------------------------------------------------
// Reordering (follower): entries beyond a gap sit in their slots; the log grows over them, one
// entry a cycle, as soon as the entry after the last is present (its slot's tag matches) and the
// window has room. With the window full the slot of expect_index is the slot of applied_index + 1,
// which the RAM must keep: a tag naming expect_index there can only be stale (the tag memory keeps
// its contents through a reset, when LAST_INDEX and APPLIED_INDEX restart, or the host moved
// LAST_INDEX), and growing over it would overwrite the window (an OOO write needs
// index - applied <= LOG_DEPTH, so a real buffered entry never waits behind a full window).
assign expect_index = last_index_reg + 32'd1;
assign tag_slot = expect_index[LOG_DEPTH_LOG2-1:0];
wire chain_go = follower_mode && !e_grow && !window_full && tag_data == {term, expect_index};
assign ev_log_grew = chain_go || (e_end && e_act == A_ACCEPT);

always_comb begin
    last_index_next = last_index_reg;
    ooo_valid_next = ooo_valid_reg;
    ooo_min_next = ooo_min_reg;
    if (e_grow) last_index_next = e_index;
    if (chain_go) last_index_next = expect_index;
    if (wr_last_index) last_index_next = wr_data;            // the host's write wins
    if (e_end && e_act == A_OOO && (!ooo_valid_reg || e_index < ooo_min_reg)) begin
        ooo_valid_next = 1'b1;
        ooo_min_next = e_index;
    end
    // the buffered entries beyond the gap are reached: no gap is known any more
    if (ooo_valid_reg && ev_log_grew && expect_index + 32'd1 >= ooo_min_reg) ooo_valid_next = 1'b0;
end

// a frame the engine writes to the log RAM (SEQ, ACCEPT, OOO) is half written from its first beat to
// its last; the decision was taken at the first beat, so fast_en falling does not stop it
always_comb begin
    e_log_mid_next = e_log_mid_reg;
    if (e_log_we) e_log_mid_next = !d_last_reg;
end
assign frozen = !fast_en && !e_log_mid_reg;

always_comb begin
    d_valid_next = d_valid_reg;
    d_bad_next = d_bad_reg;
    if (s_axis_tready) begin
        d_valid_next = s_axis_tvalid;
        if (s_axis_tvalid) d_bad_next = s_first ? rx_bad : 8'd0;
    end
    if (rst) begin
        d_valid_next = 1'b0;
        d_bad_next = 8'd0;
    end
end

always_ff @(posedge clk) begin
    d_valid_reg <= d_valid_next;
    d_bad_reg <= d_bad_next;
    if (s_axis_tready && s_axis_tvalid) begin
        d_data_reg <= s_axis_tdata;
        d_keep_reg <= s_axis_tkeep;
        d_last_reg <= s_axis_tlast;
    end
    if (rst) d_first_reg <= 1'b0;
    else if (s_axis_tready && s_axis_tvalid) d_first_reg <= s_first;

    if (rst) begin
        e_act_reg <= A_DROP;
        e_why_reg <= 8'd0;
        e_index_reg <= 32'd0;
        e_beat_reg <= 0;
        e_log_mid_reg <= 1'b0;
    end else if (fire) begin
        e_log_mid_reg <= e_log_mid_next;
        if (d_first_reg) begin
            e_act_reg <= act_first;
            e_why_reg <= why_first;
            e_index_reg <= e_index;
        end
        e_beat_reg <= d_last_reg ? {SLOT_BEATS_LOG2{1'b0}} : e_beat + 1'b1;
    end

    last_index_reg <= rst ? 32'd0 : last_index_next;
    ooo_valid_reg <= rst ? 1'b0 : ooo_valid_next;
    ooo_min_reg <= ooo_min_next;
end

assign last_index = last_index_reg;
assign ooo_valid = ooo_valid_reg;
assign ooo_min = ooo_min_reg;

// ---------------------------------------------------------------------------------------------
// Log RAM write port
assign log_we = e_log_we;
assign log_slot = e_index[LOG_DEPTH_LOG2-1:0];
assign log_beat = e_beat;
assign log_data = e_data;
assign log_len_we = e_log_we && d_first_reg;
assign log_len = nr_get_payload_len(d_data_reg) + 16'(NR_HDR_BYTES) < 16'(NR_MIN_FRAME_BYTES) ?
                 16'(NR_MIN_FRAME_BYTES) : nr_get_payload_len(d_data_reg) + 16'(NR_HDR_BYTES);
assign log_tag_we = e_log_we && d_last_reg;
assign log_tag = {term, e_index};

// ---------------------------------------------------------------------------------------------
// APPEND and punt FIFOs: the producer never waits (it reserves room), so a beat offered to a full
// FIFO would be lost: the FIFOs assert it never happens (NO_STALL)
wire [TX_FIFO_DEPTH_LOG2:0]   txf_count;
wire [HOST_FIFO_DEPTH_LOG2:0] pnt_count;
wire txf_in_ready, pnt_in_ready, unused_txf_tuser;

nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
    .DEPTH_LOG2(TX_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(2), .NO_STALL(1)) append_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(e_data), .s_axis_tkeep(d_keep_reg), .s_axis_tvalid(e_tx_we), .s_axis_tready(txf_in_ready),
    .s_axis_tlast(d_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(m_axis_append_tdata), .m_axis_tkeep(m_axis_append_tkeep), .m_axis_tvalid(m_axis_append_tvalid),
    .m_axis_tready(m_axis_append_tready), .m_axis_tlast(m_axis_append_tlast), .m_axis_tuser(unused_txf_tuser),
    .count(txf_count), .almost_full(append_afull)
);

nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8),
    .DEPTH_LOG2(HOST_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(MAX_BEATS + 1), .NO_STALL(1)) punt_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(d_data_reg), .s_axis_tkeep(d_keep_reg), .s_axis_tvalid(e_punt_we), .s_axis_tready(pnt_in_ready),
    .s_axis_tlast(d_last_reg), .s_axis_tuser(e_why),
    .m_axis_tdata(m_axis_punt_tdata), .m_axis_tkeep(m_axis_punt_tkeep), .m_axis_tvalid(m_axis_punt_tvalid),
    .m_axis_tready(m_axis_punt_tready), .m_axis_tlast(m_axis_punt_tlast), .m_axis_tuser(m_axis_punt_tuser),
    .count(pnt_count), .almost_full(punt_afull)
);

// ---------------------------------------------------------------------------------------------
// Events
assign ev_seq_first = e_first && e_act == A_SEQ;
assign ev_dup = e_first && e_act == A_DUP;
assign ev_gap = e_first && ((e_act == A_OOO) ||
                            (e_act == A_DROP && (e_why == NR_DROP_FUTURE_INDEX || e_why == NR_DROP_LOG_FULL) && role == ROLE_FOLLOWER) ||
                            (e_act == A_HB && d_index > last_index_reg));
assign ev_ack = e_first && e_act == A_ACK;
assign ev_nack = e_first && e_act == A_NACK;
assign ev_src = d_src;
assign ev_index = d_index;
assign ev_client = nr_get_client_id(d_data_reg);
// follower: commit index from the leader, never past what this log holds
// (an entry being written this cycle is not yet readable: the commit may cover it from the next frame on)
assign ev_commit = e_first && (e_act == A_ACCEPT || e_act == A_HB);
assign ev_commit_index = (d_commit < last_index_reg) ? d_commit : last_index_reg;
assign ev_drop = e_first && (e_act == A_DROP || e_act == A_DUP);
assign ev_why = e_why;
assign ev_punt = e_first && e_act == A_PUNT;
assign ev_hb = e_first && e_act == A_HB;
assign ev_seq_end = e_end && e_act == A_SEQ;
assign ev_accept_end = e_end && e_act == A_ACCEPT;
assign ev_ooo_end = e_end && e_act == A_OOO;

// ---------------------------------------------------------------------------------------------
// Assertions (simulation only)
`ifndef SYNTHESIS
reg append_mid_reg = 1'b0;   // the APPEND FIFO has a frame's first beats without its last
reg punt_mid_reg = 1'b0;
always_ff @(posedge clk) begin
    if (!rst) begin
        // the log never grows into a full window: the RAM must keep (APPLIED_INDEX, LAST_INDEX]
        assert (!(((e_grow && e_index == expect_index) || chain_go) && !wr_last_index && window_used == LOG_DEPTH))
            else $error("nicraft_exec: the log grew past a full window (last %0d, applied %0d, depth %0d)",
                        last_index_reg, applied_index, LOG_DEPTH);
        // no frame is started in a FIFO before the previous one ended (and none continues without a start)
        assert (!(e_tx_we && d_first_reg == append_mid_reg))
            else $error("nicraft_exec: APPEND FIFO: %s", d_first_reg ? "a frame started mid-frame" : "a frame continued without its first beat");
        assert (!(e_punt_we && d_first_reg == punt_mid_reg))
            else $error("nicraft_exec: punt FIFO: %s", d_first_reg ? "a frame started mid-frame" : "a frame continued without its first beat");
    end
    if (rst) begin
        append_mid_reg <= 1'b0;
        punt_mid_reg <= 1'b0;
    end else begin
        if (e_tx_we) append_mid_reg <= !d_last_reg;
        if (e_punt_we) punt_mid_reg <= !d_last_reg;
    end
end
`endif

wire _unused_ok = &{1'b0, txf_count, pnt_count, txf_in_ready, pnt_in_ready, unused_txf_tuser, 1'b0};

endmodule

`resetall
