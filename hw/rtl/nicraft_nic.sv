// nicraft: the NIC fast path (leader mode).
//
//   plane RX ports -> per-plane store-and-forward buffers -> plane merge (copies dropped, first
//   copy wins; one-beat ACKs to a parallel ACK path) -> decode (D)
//   -> execute: sequence a REQ (leader) / accept an APPEND (follower) / NACK handling / punt / drop
//   -> log RAM, TX (APPEND), host RX queue (punts)
//   quorum over match indexes -> commit index -> delivery of committed entries to the host
//   ACK and NACK (follower), HEARTBEAT and NIC REPLY (leader) generators -> TX
//   go-back-N retransmission from log RAM (leader, on NACK or retransmit timeout) -> TX
//   TX -> one FIFO per enabled plane (a stalled plane drops its copy, never stalls the others)
//
// One frame per cycle for minimum-size frames, no bubbles. The host drives the NIC through the
// CSRs (docs/register-map.md), the host TX/RX queues and the log port, as a driver would.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_nic #(
    parameter MAX_NODES = 8,
    parameter PLANES = 1,
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter LOG_DEPTH_LOG2 = 10,
    parameter MAX_PAYLOAD = 256,
    parameter RX_FIFO_DEPTH_LOG2 = 6,
    parameter HOST_FIFO_DEPTH_LOG2 = 6,
    parameter TX_FIFO_DEPTH_LOG2 = 5
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [PLANES*DATA_WIDTH-1:0]  s_axis_rx_tdata,
    input  wire [PLANES*KEEP_WIDTH-1:0]  s_axis_rx_tkeep,
    input  wire [PLANES-1:0]             s_axis_rx_tvalid,
    output wire [PLANES-1:0]             s_axis_rx_tready,
    input  wire [PLANES-1:0]             s_axis_rx_tlast,
    input  wire [PLANES-1:0]             s_axis_rx_tuser,

    output wire [PLANES*DATA_WIDTH-1:0]  m_axis_tx_tdata,
    output wire [PLANES*KEEP_WIDTH-1:0]  m_axis_tx_tkeep,
    output wire [PLANES-1:0]             m_axis_tx_tvalid,
    input  wire [PLANES-1:0]             m_axis_tx_tready,
    output wire [PLANES-1:0]             m_axis_tx_tlast,

    output wire [DATA_WIDTH-1:0]         m_axis_host_rx_tdata,
    output wire [KEEP_WIDTH-1:0]         m_axis_host_rx_tkeep,
    output wire                          m_axis_host_rx_tvalid,
    input  wire                          m_axis_host_rx_tready,
    output wire                          m_axis_host_rx_tlast,
    output wire [7:0]                    m_axis_host_rx_tuser,

    input  wire [DATA_WIDTH-1:0]         s_axis_host_tx_tdata,
    input  wire [KEEP_WIDTH-1:0]         s_axis_host_tx_tkeep,
    input  wire                          s_axis_host_tx_tvalid,
    output wire                          s_axis_host_tx_tready,
    input  wire                          s_axis_host_tx_tlast,

    input  wire                          csr_wr_en,
    input  wire                          csr_rd_en,
    input  wire [15:0]                   csr_addr,
    input  wire [31:0]                   csr_wr_data,
    output wire [31:0]                   csr_rd_data,
    output wire                          csr_rd_valid,

    input  wire                          log_req_valid,
    output wire                          log_req_ready,
    input  wire                          log_req_write,
    input  wire [31:0]                   log_req_index,
    input  wire [7:0]                    log_req_beat,
    input  wire [DATA_WIDTH-1:0]         log_req_data,
    input  wire [15:0]                   log_req_len,
    output wire                          log_rsp_valid,
    output wire [DATA_WIDTH-1:0]         log_rsp_data,
    output wire [15:0]                   log_rsp_len
);

`include "nicraft_wire.svh"

// ---------------------------------------------------------------------------------------------
// Parameters
localparam LOG_DEPTH = 2**LOG_DEPTH_LOG2;
localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
localparam SLOT_BEATS_LOG2 = MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1;
localparam LOG_ADDR_WIDTH = LOG_DEPTH_LOG2 + SLOT_BEATS_LOG2;
localparam NODE_WIDTH = 3;

localparam [1:0] ROLE_OFF = 2'd0, ROLE_FOLLOWER = 2'd1, ROLE_LEADER = 2'd2;

initial begin
    if (DATA_WIDTH != 512) begin
        $error("nicraft_nic: DATA_WIDTH must be 512 (the header accessors assume a 64-byte beat)");
        $finish;
    end
    if (PLANES < 1 || PLANES > 3) begin
        $error("nicraft_nic: PLANES must be 1..3");
        $finish;
    end
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_nic: MAX_NODES must be 1..8");
        $finish;
    end
    if (MAX_PAYLOAD < 16 || MAX_FRAME_BYTES > 65535) begin
        $error("nicraft_nic: MAX_PAYLOAD out of range");
        $finish;
    end
    if (LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin
        $error("nicraft_nic: LOG_DEPTH_LOG2 must be 2..20");
        $finish;
    end
    if (2**RX_FIFO_DEPTH_LOG2 < 2*MAX_BEATS || 2**HOST_FIFO_DEPTH_LOG2 < 2*MAX_BEATS + 2) begin
        $error("nicraft_nic: FIFOs must hold two maximum frames");
        $finish;
    end
end

// ---------------------------------------------------------------------------------------------
// CSR state
reg [7:0]  node_id_reg = 8'd0;
reg [15:0] cluster_id_reg = NR_CSR_RAFT_CLUSTER_ID_RESET[15:0];
reg [1:0]  role_reg = ROLE_OFF;
reg [31:0] term_reg = 32'd0;
reg [7:0]  leader_id_reg = 8'd0;
reg [7:0]  members_reg = 8'd1;
reg [3:0]  quorum_reg = 4'd1;
reg        fast_en_reg = 1'b0;
reg [31:0] hb_interval_reg = NR_CSR_RAFT_HB_INTERVAL_RESET;
reg [31:0] hb_commit_delay_reg = NR_CSR_RAFT_HB_COMMIT_DELAY_RESET;
reg [31:0] ack_count_reg = NR_CSR_RAFT_ACK_COUNT_RESET;
reg [31:0] ack_delay_reg = NR_CSR_RAFT_ACK_DELAY_RESET;
reg [31:0] term_start_reg = NR_CSR_RAFT_TERM_START_RESET;
reg [31:0] last_index_reg = 32'd0;
reg [31:0] commit_index_reg = 32'd0;
reg [31:0] applied_index_reg = 32'd0;
reg [2:0]  match_sel_reg = 3'd0;
reg [2:0]  plane_en_reg = 3'b111;
reg [31:0] nack_interval_reg = NR_CSR_RAFT_NACK_INTERVAL_RESET;
reg [31:0] rto_reg = NR_CSR_RAFT_RTO_RESET;
reg [31:0] match_reg [0:7];   // per-node state is indexed by a 3-bit node id: 8 slots whatever MAX_NODES
reg [63:0] cycle_reg = 64'd0;

wire leader_mode = fast_en_reg && role_reg == ROLE_LEADER;
wire follower_mode = fast_en_reg && role_reg == ROLE_FOLLOWER;
wire [47:0] my_mac = NR_MAC_NODE_PREFIX | {40'd0, node_id_reg};
wire [PLANES-1:0] plane_en = plane_en_reg[PLANES-1:0];

// ---------------------------------------------------------------------------------------------
// Counters
reg [63:0] ctr_reg [0:NR_CTR_COUNT-1];
reg [2:0]  ctr_inc [0:NR_CTR_COUNT-1];

// ---------------------------------------------------------------------------------------------
// RX: a store-and-forward buffer per plane, then a frame-atomic merge
wire [PLANES*DATA_WIDTH-1:0] pl_tdata;
wire [PLANES*KEEP_WIDTH-1:0] pl_tkeep;
wire [PLANES-1:0]            pl_tvalid;
wire [PLANES-1:0]            pl_tready;
wire [PLANES-1:0]            pl_tlast;
wire [PLANES*16-1:0]         pl_len;
wire [PLANES-1:0]            pl_frame_in;
wire [PLANES-1:0]            pl_drop_valid;
wire [PLANES*8-1:0]          pl_drop_reason;

genvar gp;
generate
    for (gp = 0; gp < PLANES; gp = gp + 1) begin : g_plane_rx
        nicraft_rx_fifo #(
            .DATA_WIDTH(DATA_WIDTH),
            .KEEP_WIDTH(KEEP_WIDTH),
            .DEPTH_LOG2(RX_FIFO_DEPTH_LOG2),
            .MAX_BEATS(MAX_BEATS)
        ) rx_fifo_inst (
            .clk(clk),
            .rst(rst),
            .s_axis_tdata(s_axis_rx_tdata[gp*DATA_WIDTH +: DATA_WIDTH]),
            .s_axis_tkeep(s_axis_rx_tkeep[gp*KEEP_WIDTH +: KEEP_WIDTH]),
            .s_axis_tvalid(s_axis_rx_tvalid[gp]),
            .s_axis_tready(s_axis_rx_tready[gp]),
            .s_axis_tlast(s_axis_rx_tlast[gp]),
            .s_axis_tuser(s_axis_rx_tuser[gp]),
            .m_axis_tdata(pl_tdata[gp*DATA_WIDTH +: DATA_WIDTH]),
            .m_axis_tkeep(pl_tkeep[gp*KEEP_WIDTH +: KEEP_WIDTH]),
            .m_axis_tvalid(pl_tvalid[gp]),
            .m_axis_tready(pl_tready[gp]),
            .m_axis_tlast(pl_tlast[gp]),
            .m_axis_len(pl_len[gp*16 +: 16]),
            .frame_in(pl_frame_in[gp]),
            .drop_valid(pl_drop_valid[gp]),
            .drop_reason(pl_drop_reason[gp*8 +: 8])
        );
    end
endgenerate

// Per-plane head classification: the copy key, and whether the frame is a one-beat ACK the
// leader counts on its parallel ACK path.
localparam KEY_WIDTH = 88;
// The copy of a frame on another plane can wait behind at most a full RX buffer while the main
// pipeline and the ACK path take frames from the other planes: the window covers that, so a copy
// is always recognised (one plane: only duplicates the wire made, within 16 frames).
localparam DUP_WINDOW = PLANES > 1 ? 2 * (2**RX_FIFO_DEPTH_LOG2) + 16 : 16;
wire [PLANES*KEY_WIDTH-1:0] pl_key;
wire [PLANES-1:0]           pl_key_valid;
wire [PLANES-1:0]           pl_is_ack;

generate
    for (gp = 0; gp < PLANES; gp = gp + 1) begin : g_plane_key
        wire [DATA_WIDTH-1:0] h = pl_tdata[gp*DATA_WIDTH +: DATA_WIDTH];
        wire [7:0]  t = nr_get_type(h);
        wire [7:0]  src = nr_get_src_node(h);
        wire [31:0] term = nr_get_term(h);
        wire [31:0] idx = nr_get_log_index(h);
        wire [15:0] len = pl_len[gp*16 +: 16];
        wire basic_ok = len >= 16'(NR_HDR_BYTES) && nr_get_ethertype(h) == NR_ETHERTYPE &&
                        nr_get_version(h) == NR_VERSION && nr_get_cluster_id(h) == cluster_id_reg;
        wire [7:0] flags = nr_get_flags(h);
        wire [7:0] rsvd = nr_get_rsvd(h);   // a retransmission's round
        wire _unused_rsvd = rsvd[7];
        // REQ: (client, seq); APPEND: (term, index, retransmit); ACK, NACK, HEARTBEAT: (term, seq),
        // where seq numbers every ACK/NACK/HEARTBEAT a NIC sends, so repeats are never copies
        assign pl_key[gp*KEY_WIDTH +: KEY_WIDTH] =
            t == NR_TYPE_REQ       ? {t, src, nr_get_client_id(h), nr_get_seq(h), 8'd0} :
            t == NR_TYPE_APPEND    ? {t, src, term, idx, rsvd[6:0], flags[NR_FLAG_RETRANSMIT]} :
                                     {t, src, term, nr_get_seq(h), 8'd0};
        assign pl_key_valid[gp] = basic_ok && (t == NR_TYPE_REQ || t == NR_TYPE_APPEND || t == NR_TYPE_ACK ||
                                               t == NR_TYPE_NACK || t == NR_TYPE_HEARTBEAT);
        assign pl_is_ack[gp] = basic_ok && t == NR_TYPE_ACK && pl_tlast[gp] &&
                               len == 16'(NR_MIN_FRAME_BYTES) && nr_get_payload_len(h) == 16'd0 &&
                               leader_mode && term == term_reg && src < 8'(MAX_NODES) &&
                               members_reg[src[NODE_WIDTH-1:0]] && src != node_id_reg && idx <= last_index_reg;
    end
endgenerate

wire [DATA_WIDTH-1:0] rx_tdata;
wire [KEEP_WIDTH-1:0] rx_tkeep;
wire                  rx_tvalid;
wire                  rx_tready;
wire                  rx_tlast;
wire [15:0]           rx_len;
wire                  rx_first;
wire                  ack_valid;
wire [DATA_WIDTH-1:0] ack_data;
wire [PLANES-1:0]     pl_dup_drop;
wire [PLANES-1:0]     pl_off_drop;

nicraft_plane_merge #(
    .PLANES(PLANES),
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .KEY_WIDTH(KEY_WIDTH),
    .WINDOW(DUP_WINDOW)
) plane_merge_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(pl_tdata),
    .s_axis_tkeep(pl_tkeep),
    .s_axis_tvalid(pl_tvalid),
    .s_axis_tready(pl_tready),
    .s_axis_tlast(pl_tlast),
    .s_len(pl_len),
    .s_key(pl_key),
    .s_key_valid(pl_key_valid),
    .s_is_ack(pl_is_ack),
    .plane_en(plane_en),
    .now(cycle_reg[31:0]),
    .m_axis_tdata(rx_tdata),
    .m_axis_tkeep(rx_tkeep),
    .m_axis_tvalid(rx_tvalid),
    .m_axis_tready(rx_tready),
    .m_axis_tlast(rx_tlast),
    .m_len(rx_len),
    .m_first(rx_first),
    .m_ack_valid(ack_valid),
    .m_ack_data(ack_data),
    .dup_drop(pl_dup_drop),
    .off_drop(pl_off_drop)
);

wire [7:0]  ack_src = nr_get_src_node(ack_data);
wire [31:0] ack_index = nr_get_log_index(ack_data);

// ---------------------------------------------------------------------------------------------
// D: register the beat and the stateless header checks
reg                  d_valid_reg = 1'b0;
reg [DATA_WIDTH-1:0] d_data_reg = 0;
reg [KEEP_WIDTH-1:0] d_keep_reg = 0;
reg                  d_last_reg = 1'b0;
reg                  d_first_reg = 1'b0;
reg [7:0]            d_bad_reg = 8'd0;   // drop reason, 0 = good

wire [15:0] rx_plen = nr_get_payload_len(rx_tdata);
wire [7:0]  rx_type = nr_get_type(rx_tdata);
wire [16:0] rx_want_len = (17'(rx_plen) + 17'(NR_HDR_BYTES) < 17'(NR_MIN_FRAME_BYTES)) ?
                          17'(NR_MIN_FRAME_BYTES) : 17'(rx_plen) + 17'(NR_HDR_BYTES);
wire [7:0]  rx_bad =
    (32'(rx_len) < NR_HDR_BYTES)                         ? NR_DROP_SHORT :
    (nr_get_ethertype(rx_tdata) != NR_ETHERTYPE)         ? NR_DROP_BAD_ETHERTYPE :
    (nr_get_version(rx_tdata) != NR_VERSION)             ? NR_DROP_BAD_VERSION :
    (nr_get_cluster_id(rx_tdata) != cluster_id_reg)      ? NR_DROP_BAD_CLUSTER :
    (rx_type < NR_TYPE_REQ || rx_type > NR_TYPE_CONTROL) ? NR_DROP_BAD_TYPE :
    (32'(rx_plen) > MAX_PAYLOAD || rx_want_len != {1'b0, rx_len}) ? NR_DROP_BAD_LENGTH :
    8'd0;

// ---------------------------------------------------------------------------------------------
// E: execute. The decision is made on the first beat from the D registers and the state,
// and held for the frame's other beats.
localparam [3:0] A_DROP = 4'd0, A_SEQ = 4'd1, A_ACCEPT = 4'd2, A_PUNT = 4'd3,
                 A_ACK = 4'd4, A_HB = 4'd5, A_DUP = 4'd6, A_NACK = 4'd7, A_OOO = 4'd8;

wire tx_fast_afull;
wire punt_afull;
wire adv = !tx_fast_afull;           // the pipeline moves unless the TX FIFO is nearly full
wire fire = d_valid_reg && adv;
assign rx_tready = !d_valid_reg || adv;

wire [7:0]  d_type   = nr_get_type(d_data_reg);
wire [31:0] d_term   = nr_get_term(d_data_reg);
wire [31:0] d_index  = nr_get_log_index(d_data_reg);
wire [31:0] d_commit = nr_get_commit_index(d_data_reg);
wire [7:0]  d_src    = nr_get_src_node(d_data_reg);
wire        d_src_ok = d_src < 8'(MAX_NODES) && members_reg[d_src[NODE_WIDTH-1:0]] && d_src != node_id_reg;

wire [31:0] window_used = last_index_reg - applied_index_reg;   // entries the log RAM must keep
wire        window_full = window_used >= LOG_DEPTH;
wire        replica_frame = d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT ||
                            d_type == NR_TYPE_ACK || d_type == NR_TYPE_NACK;

reg [3:0] act_first;
reg [7:0] why_first;   // drop or punt reason
always @* begin
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
        if (!fast_en_reg || role_reg == ROLE_OFF) begin
            act_first = A_PUNT; why_first = NR_HOST_FAST_OFF;
        end else if (d_term > term_reg) begin
            act_first = A_PUNT; why_first = NR_HOST_TERM_NEWER;
        end else if (d_term < term_reg) begin
            act_first = A_PUNT; why_first = NR_HOST_TERM_OLDER;
        end else if (d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT) begin
            if (role_reg != ROLE_FOLLOWER || d_src != leader_id_reg) begin
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
            end else if (d_index - applied_index_reg > LOG_DEPTH) begin
                act_first = A_DROP; why_first = NR_DROP_LOG_FULL;
            end else begin
                // beyond a gap: written to its slot now, taken into the log when the gap fills
                act_first = A_OOO;
            end
        end else begin
            // ACK or NACK, follower to leader
            if (role_reg != ROLE_LEADER || !d_src_ok) begin
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

reg [3:0]  e_act_reg = A_DROP;     // action of the frame in progress (beats after the first)
reg [7:0]  e_why_reg = 8'd0;
reg [31:0] e_index_reg = 32'd0;    // log index of the frame in progress
reg [SLOT_BEATS_LOG2-1:0] e_beat_reg = 0;

wire [3:0]  e_act = d_first_reg ? act_first : e_act_reg;
wire [7:0]  e_why = d_first_reg ? why_first : e_why_reg;
wire [31:0] e_index = d_first_reg ? (act_first == A_SEQ ? last_index_reg + 32'd1 : d_index) : e_index_reg;
wire [SLOT_BEATS_LOG2-1:0] e_beat = d_first_reg ? {SLOT_BEATS_LOG2{1'b0}} : e_beat_reg;

// The APPEND a REQ becomes: same payload, new header.
reg [DATA_WIDTH-1:0] seq_beat0;
always @* begin
    seq_beat0 = d_data_reg;
    seq_beat0 = nr_set_dst_mac(seq_beat0, NR_MAC_GROUP);
    seq_beat0 = nr_set_src_mac(seq_beat0, my_mac);
    seq_beat0 = nr_set_type(seq_beat0, NR_TYPE_APPEND);
    seq_beat0 = nr_set_src_node(seq_beat0, node_id_reg);
    seq_beat0 = nr_set_dst_node(seq_beat0, 8'hFF);
    seq_beat0 = nr_set_rsvd(seq_beat0, 8'd0);
    seq_beat0 = nr_set_term(seq_beat0, term_reg);
    seq_beat0 = nr_set_log_index(seq_beat0, last_index_reg + 32'd1);
    seq_beat0 = nr_set_commit_index(seq_beat0, commit_index_reg);
end

wire [DATA_WIDTH-1:0] e_data = (d_first_reg && e_act == A_SEQ) ? seq_beat0 : d_data_reg;
wire e_log_we  = fire && (e_act == A_SEQ || e_act == A_ACCEPT || e_act == A_OOO);
wire e_tx_we   = fire && e_act == A_SEQ;
wire e_punt_we = fire && e_act == A_PUNT;
wire e_end     = fire && d_last_reg;

// ---------------------------------------------------------------------------------------------
// Log RAM: one write port (execute stage or log port), two read ports (delivery, log port)
reg [DATA_WIDTH-1:0] log_mem [0:(2**LOG_ADDR_WIDTH)-1];
reg [15:0]           log_len_mem [0:LOG_DEPTH-1];
reg [63:0]           log_tag_mem [0:LOG_DEPTH-1];   // {term, index} of the whole entry in each slot

// a log-port write outside the slot (beat past the slot, or a length over the largest frame) is ignored
wire lp_in_slot = 32'(log_req_beat) < (2**SLOT_BEATS_LOG2) && (log_req_beat != 8'd0 || 32'(log_req_len) <= MAX_FRAME_BYTES);
wire lp_write = log_req_valid && log_req_write && !e_log_we && lp_in_slot;
wire lp_read  = log_req_valid && !log_req_write;
assign log_req_ready = log_req_write ? !e_log_we : 1'b1;

reg                  log_rsp_valid_reg = 1'b0;
reg [DATA_WIDTH-1:0] log_rsp_data_reg = 0;
reg [15:0]           log_rsp_len_reg = 16'd0;
assign log_rsp_valid = log_rsp_valid_reg;
assign log_rsp_data = log_rsp_data_reg;
assign log_rsp_len = log_rsp_len_reg;

wire [LOG_ADDR_WIDTH-1:0] e_log_addr = {e_index[LOG_DEPTH_LOG2-1:0], e_beat};
wire [LOG_ADDR_WIDTH-1:0] lp_addr = {log_req_index[LOG_DEPTH_LOG2-1:0], log_req_beat[SLOT_BEATS_LOG2-1:0]};

// ---------------------------------------------------------------------------------------------
// Delivery of committed entries to the host, in index order
wire dlv_afull;
wire gen_afull;
reg  [SLOT_BEATS_LOG2-1:0] dlv_beat_reg = 0;
wire [31:0] dlv_index = applied_index_reg + 32'd1;
wire [LOG_DEPTH_LOG2-1:0] dlv_slot = dlv_index[LOG_DEPTH_LOG2-1:0];
wire [15:0] dlv_len = log_len_mem[dlv_slot];
wire [15:0] dlv_last_beat = (dlv_len == 16'd0) ? 16'd0 : (dlv_len - 16'd1) >> 6;
// the commit index as it will be after this edge: delivery starts in the cycle the quorum moves
wire [31:0] commit_next;
wire [31:0] dlv_target;
// A frame once started is delivered to its last beat (whatever the host writes meanwhile):
// a half-delivered frame would break the host RX stream's framing.
wire dlv_go = (dlv_beat_reg != 0 || applied_index_reg != dlv_target) && !dlv_afull && !gen_afull;
// after this cycle the delivery is inside a frame: a host write of APPLIED_INDEX waits for its end
wire dlv_mid_next = dlv_go ? !dlv_is_last : (dlv_beat_reg != 0);
reg        applied_wr_pend_reg = 1'b0;
reg [31:0] applied_wr_val_reg = 32'd0;
wire dlv_is_last = {{(16-SLOT_BEATS_LOG2){1'b0}}, dlv_beat_reg} >= dlv_last_beat;

reg                  dlv_rd_valid_reg = 1'b0;
reg                  dlv_rd_first_reg = 1'b0;
reg                  dlv_rd_last_reg = 1'b0;
reg [15:0]           dlv_rd_len_reg = 16'd0;
reg [DATA_WIDTH-1:0] dlv_rd_data_reg = 0;

// bytes of the last beat of an entry of len bytes
function automatic [KEEP_WIDTH-1:0] keep_for(input [5:0] len_lo, input last);
    reg [6:0] n;
    begin
        n = (len_lo == 6'd0) ? 7'd64 : {1'b0, len_lo};
        keep_for = last ? (KEEP_WIDTH'({KEEP_WIDTH{1'b1}}) >> (7'd64 - n)) : {KEEP_WIDTH{1'b1}};
    end
endfunction

// NIC reply to a client at commit (leader, entry flagged NIC_REPLY)
wire [7:0]  dlv_rd_flags = nr_get_flags(dlv_rd_data_reg);
wire [31:0] dlv_rd_client = nr_get_client_id(dlv_rd_data_reg);
wire dlv_reply = dlv_rd_valid_reg && dlv_rd_first_reg && role_reg == ROLE_LEADER &&
                 dlv_rd_flags[NR_FLAG_NIC_REPLY];
reg [DATA_WIDTH-1:0] reply_beat;
always @* begin
    reply_beat = {DATA_WIDTH{1'b0}};
    reply_beat = nr_set_dst_mac(reply_beat, NR_MAC_CLIENT_PREFIX | {24'd0, dlv_rd_client[23:0]});
    reply_beat = nr_set_src_mac(reply_beat, my_mac);
    reply_beat = nr_set_ethertype(reply_beat, NR_ETHERTYPE);
    reply_beat = nr_set_version(reply_beat, NR_VERSION);
    reply_beat = nr_set_type(reply_beat, NR_TYPE_REPLY);
    reply_beat = nr_set_cluster_id(reply_beat, cluster_id_reg);
    reply_beat = nr_set_flags(reply_beat, dlv_rd_flags);
    reply_beat = nr_set_src_node(reply_beat, node_id_reg);
    reply_beat = nr_set_dst_node(reply_beat, 8'hFF);
    reply_beat = nr_set_term(reply_beat, nr_get_term(dlv_rd_data_reg));
    reply_beat = nr_set_log_index(reply_beat, nr_get_log_index(dlv_rd_data_reg));
    reply_beat = nr_set_commit_index(reply_beat, commit_index_reg);
    reply_beat = nr_set_client_id(reply_beat, nr_get_client_id(dlv_rd_data_reg));
    reply_beat = nr_set_seq(reply_beat, nr_get_seq(dlv_rd_data_reg));
    reply_beat = nr_set_payload_len(reply_beat, 16'd0);
end

// ---------------------------------------------------------------------------------------------
// ACK generator (follower) and HEARTBEAT generator (leader)
reg [31:0] acked_index_reg = 32'd0;
reg [31:0] ack_age_reg = 32'd0;
reg        force_ack_reg = 1'b0;
wire [31:0] unacked = last_index_reg - acked_index_reg;
wire ack_want = follower_mode && (unacked != 32'd0 || force_ack_reg) &&
                (unacked >= ack_count_reg || ack_age_reg >= ack_delay_reg || force_ack_reg);

reg [31:0] hb_timer_reg = 32'd0;
reg [31:0] commit_sent_reg = 32'd0;
wire hb_want = leader_mode && (hb_timer_reg >= hb_interval_reg ||
               (commit_index_reg != commit_sent_reg && hb_timer_reg >= hb_commit_delay_reg));

// Reordering (follower): entries beyond a gap sit in their slots; the log grows over them,
// one entry a cycle, as soon as the entry after the last is present (its slot's tag matches).
wire [31:0] expect_index = last_index_reg + 32'd1;
wire [LOG_DEPTH_LOG2-1:0] expect_slot = expect_index[LOG_DEPTH_LOG2-1:0];
wire chain_go = follower_mode && !(fire && d_last_reg && (e_act == A_ACCEPT || e_act == A_SEQ)) &&
                log_tag_mem[expect_slot] == {term_reg, expect_index};
reg        ooo_valid_reg = 1'b0;     // an entry beyond a gap is buffered ...
reg [31:0] ooo_min_reg = 32'd0;      // ... the lowest such index

// NACK (follower): a gap that lasted NACK_DELAY cycles; repeated every NACK_INTERVAL cycles for
// the same expected index. It names the gap: [expected index, first index held beyond it).
reg        nack_want_reg = 1'b0;
reg [31:0] gap_age_reg = 32'd0;
reg [31:0] nack_timer_reg = 32'd0;
reg [31:0] nack_sent_index_reg = 32'd0;
reg [31:0] nack_delay_reg = NR_CSR_RAFT_NACK_DELAY_RESET;
wire nack_go = follower_mode && nack_want_reg && gap_age_reg >= nack_delay_reg &&
               (expect_index != nack_sent_index_reg || nack_timer_reg >= nack_interval_reg);

reg [31:0] ctl_seq_reg = 32'd0;  // numbers the ACKs, NACKs and HEARTBEATs this NIC sends
reg [DATA_WIDTH-1:0] ctl_beat;   // ACK, NACK or HEARTBEAT
always @* begin
    ctl_beat = {DATA_WIDTH{1'b0}};
    ctl_beat = nr_set_dst_mac(ctl_beat, role_reg == ROLE_LEADER ? NR_MAC_GROUP : (NR_MAC_NODE_PREFIX | {40'd0, leader_id_reg}));
    ctl_beat = nr_set_src_mac(ctl_beat, my_mac);
    ctl_beat = nr_set_ethertype(ctl_beat, NR_ETHERTYPE);
    ctl_beat = nr_set_version(ctl_beat, NR_VERSION);
    ctl_beat = nr_set_type(ctl_beat, role_reg == ROLE_LEADER ? NR_TYPE_HEARTBEAT : nack_go ? NR_TYPE_NACK : NR_TYPE_ACK);
    ctl_beat = nr_set_cluster_id(ctl_beat, cluster_id_reg);
    ctl_beat = nr_set_src_node(ctl_beat, node_id_reg);
    ctl_beat = nr_set_dst_node(ctl_beat, role_reg == ROLE_LEADER ? 8'hFF : leader_id_reg);
    ctl_beat = nr_set_term(ctl_beat, term_reg);
    ctl_beat = nr_set_log_index(ctl_beat, (role_reg != ROLE_LEADER && nack_go) ? expect_index : last_index_reg);
    ctl_beat = nr_set_commit_index(ctl_beat, commit_index_reg);
    ctl_beat = nr_set_seq(ctl_beat, ctl_seq_reg);
    if (role_reg != ROLE_LEADER && nack_go && ooo_valid_reg) ctl_beat = nr_set_client_id(ctl_beat, ooo_min_reg);
end

// one generated frame per cycle: a reply first, else an ACK or a heartbeat
wire gen_reply = dlv_reply;
wire gen_ctl = !gen_reply && (ack_want || hb_want || nack_go);
wire gen_nack = gen_ctl && nack_go;
wire gen_ready;
wire gen_we = gen_reply || (gen_ctl && gen_ready);
localparam [KEEP_WIDTH-1:0] MIN_KEEP = {{(KEEP_WIDTH-NR_MIN_FRAME_BYTES){1'b0}}, {NR_MIN_FRAME_BYTES{1'b1}}};

// ---------------------------------------------------------------------------------------------
// FIFOs: fast path TX (APPEND), generated frames, punts, deliveries
wire [DATA_WIDTH-1:0] txf_tdata;  wire [KEEP_WIDTH-1:0] txf_tkeep;  wire txf_tvalid, txf_tready, txf_tlast;
wire [DATA_WIDTH-1:0] gen_tdata;  wire [KEEP_WIDTH-1:0] gen_tkeep;  wire gen_tvalid, gen_tready, gen_tlast;
wire [DATA_WIDTH-1:0] pnt_tdata;  wire [KEEP_WIDTH-1:0] pnt_tkeep;  wire pnt_tvalid, pnt_tready, pnt_tlast;
wire [7:0] pnt_tuser;
wire [DATA_WIDTH-1:0] dlv_tdata;  wire [KEEP_WIDTH-1:0] dlv_tkeep;  wire dlv_tvalid, dlv_tready, dlv_tlast;
wire [7:0] dlv_tuser;
wire [TX_FIFO_DEPTH_LOG2:0] txf_count;
wire [3:0] gen_count;
wire [HOST_FIFO_DEPTH_LOG2:0] pnt_count, dlv_count;
wire txf_in_ready, pnt_in_ready, dlv_in_ready;
wire unused_tuser_txf, unused_tuser_gen;

nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
    .DEPTH_LOG2(TX_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(2)) tx_fast_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(e_data), .s_axis_tkeep(d_keep_reg), .s_axis_tvalid(e_tx_we), .s_axis_tready(txf_in_ready),
    .s_axis_tlast(d_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(txf_tdata), .m_axis_tkeep(txf_tkeep), .m_axis_tvalid(txf_tvalid), .m_axis_tready(txf_tready),
    .m_axis_tlast(txf_tlast), .m_axis_tuser(unused_tuser_txf),
    .count(txf_count), .almost_full(tx_fast_afull)
);

nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
    .DEPTH_LOG2(3), .ALMOST_FULL_FREE(3)) gen_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(gen_reply ? reply_beat : ctl_beat), .s_axis_tkeep(MIN_KEEP), .s_axis_tvalid(gen_we),
    .s_axis_tready(gen_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(gen_tdata), .m_axis_tkeep(gen_tkeep), .m_axis_tvalid(gen_tvalid), .m_axis_tready(gen_tready),
    .m_axis_tlast(gen_tlast), .m_axis_tuser(unused_tuser_gen),
    .count(gen_count), .almost_full(gen_afull)
);

nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8),
    .DEPTH_LOG2(HOST_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(MAX_BEATS + 1)) punt_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(d_data_reg), .s_axis_tkeep(d_keep_reg), .s_axis_tvalid(e_punt_we), .s_axis_tready(pnt_in_ready),
    .s_axis_tlast(d_last_reg), .s_axis_tuser(e_why),
    .m_axis_tdata(pnt_tdata), .m_axis_tkeep(pnt_tkeep), .m_axis_tvalid(pnt_tvalid), .m_axis_tready(pnt_tready),
    .m_axis_tlast(pnt_tlast), .m_axis_tuser(pnt_tuser),
    .count(pnt_count), .almost_full(punt_afull)
);

nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8),
    .DEPTH_LOG2(HOST_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(3)) dlv_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(dlv_rd_data_reg), .s_axis_tkeep(keep_for(dlv_rd_len_reg[5:0], dlv_rd_last_reg)),
    .s_axis_tvalid(dlv_rd_valid_reg), .s_axis_tready(dlv_in_ready),
    .s_axis_tlast(dlv_rd_last_reg), .s_axis_tuser(NR_HOST_COMMITTED),
    .m_axis_tdata(dlv_tdata), .m_axis_tkeep(dlv_tkeep), .m_axis_tvalid(dlv_tvalid), .m_axis_tready(dlv_tready),
    .m_axis_tlast(dlv_tlast), .m_axis_tuser(dlv_tuser),
    .count(dlv_count), .almost_full(dlv_afull)
);

// Host RX queue: committed entries, punts and needs-repair events
wire [DATA_WIDTH-1:0] evt_tdata;  wire [KEEP_WIDTH-1:0] evt_tkeep;  wire evt_tvalid, evt_tready, evt_tlast;
wire [7:0] evt_tuser;
wire [3:0] evt_count;
wire evt_in_ready;
nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8),
    .DEPTH_LOG2(3), .ALMOST_FULL_FREE(2)) evt_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(evt_beat), .s_axis_tkeep(MIN_KEEP), .s_axis_tvalid(evt_we), .s_axis_tready(evt_in_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(NR_HOST_NEEDS_REPAIR),
    .m_axis_tdata(evt_tdata), .m_axis_tkeep(evt_tkeep), .m_axis_tvalid(evt_tvalid), .m_axis_tready(evt_tready),
    .m_axis_tlast(evt_tlast), .m_axis_tuser(evt_tuser),
    .count(evt_count), .almost_full(evt_afull)
);

nicraft_axis_arb #(.PORTS(3), .DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8)) host_rx_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata({evt_tdata, pnt_tdata, dlv_tdata}), .s_axis_tkeep({evt_tkeep, pnt_tkeep, dlv_tkeep}),
    .s_axis_tvalid({evt_tvalid, pnt_tvalid, dlv_tvalid}), .s_axis_tready({evt_tready, pnt_tready, dlv_tready}),
    .s_axis_tlast({evt_tlast, pnt_tlast, dlv_tlast}), .s_axis_tuser({evt_tuser, pnt_tuser, dlv_tuser}),
    .m_axis_tdata(m_axis_host_rx_tdata), .m_axis_tkeep(m_axis_host_rx_tkeep),
    .m_axis_tvalid(m_axis_host_rx_tvalid), .m_axis_tready(m_axis_host_rx_tready),
    .m_axis_tlast(m_axis_host_rx_tlast), .m_axis_tuser(m_axis_host_rx_tuser)
);

// Retransmitted APPENDs
wire [DATA_WIDTH-1:0] rtx_tdata;  wire [KEEP_WIDTH-1:0] rtx_tkeep;  wire rtx_tvalid, rtx_tready, rtx_tlast;
wire [4:0] rtx_count;
wire rtx_in_ready, unused_tuser_rtx;
nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
    .DEPTH_LOG2(4), .ALMOST_FULL_FREE(3)) rtx_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(rtx_rd_first_reg ? rtx_beat0 : rtx_rd_data_reg),
    .s_axis_tkeep(keep_for(rtx_rd_len_reg[5:0], rtx_rd_last_reg)),
    .s_axis_tvalid(rtx_rd_valid_reg), .s_axis_tready(rtx_in_ready),
    .s_axis_tlast(rtx_rd_last_reg), .s_axis_tuser(1'b0),
    .m_axis_tdata(rtx_tdata), .m_axis_tkeep(rtx_tkeep), .m_axis_tvalid(rtx_tvalid), .m_axis_tready(rtx_tready),
    .m_axis_tlast(rtx_tlast), .m_axis_tuser(unused_tuser_rtx),
    .count(rtx_count), .almost_full(rtx_afull)
);

// TX: APPENDs, retransmissions, generated frames and the host's frames
wire [DATA_WIDTH-1:0] tx_tdata;
wire [KEEP_WIDTH-1:0] tx_tkeep;
wire                  tx_tvalid, tx_tready, tx_tlast;
wire                  unused_tx_tuser;

nicraft_axis_arb #(.PORTS(4), .DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1)) tx_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata({s_axis_host_tx_tdata, gen_tdata, rtx_tdata, txf_tdata}),
    .s_axis_tkeep({s_axis_host_tx_tkeep, gen_tkeep, rtx_tkeep, txf_tkeep}),
    .s_axis_tvalid({s_axis_host_tx_tvalid, gen_tvalid, rtx_tvalid, txf_tvalid}),
    .s_axis_tready({s_axis_host_tx_tready, gen_tready, rtx_tready, txf_tready}),
    .s_axis_tlast({s_axis_host_tx_tlast, gen_tlast, rtx_tlast, txf_tlast}),
    .s_axis_tuser(4'b0000),
    .m_axis_tdata(tx_tdata), .m_axis_tkeep(tx_tkeep), .m_axis_tvalid(tx_tvalid), .m_axis_tready(tx_tready),
    .m_axis_tlast(tx_tlast), .m_axis_tuser(unused_tx_tuser)
);

// Fan-out to one FIFO per plane. At a frame's first beat, every enabled plane with room for a
// whole frame takes it; an enabled plane without room drops its copy (counted). The arbiter waits
// only when no enabled plane has room, so a stalled plane never stalls the others.
reg               tx_in_frame_reg = 1'b0;
reg  [PLANES-1:0] tx_take_reg = 0;
wire [PLANES-1:0] ptx_afull;
wire [PLANES-1:0] ptx_room = plane_en & ~ptx_afull;
wire              tx_first = !tx_in_frame_reg;
wire [PLANES-1:0] tx_take = tx_first ? ptx_room : tx_take_reg;
assign tx_tready = !tx_first || ptx_room != 0 || plane_en == 0;
wire              tx_beat = tx_tvalid && tx_tready;
wire [PLANES-1:0] ptx_drop = (tx_beat && tx_first) ? (plane_en & ~ptx_room) : {PLANES{1'b0}};
wire [PLANES-1:0] ptx_in_ready;
wire [PLANES-1:0] ptx_unused_tuser;
wire [PLANES*(TX_FIFO_DEPTH_LOG2+1)-1:0] ptx_count;

generate
    for (gp = 0; gp < PLANES; gp = gp + 1) begin : g_plane_tx
        nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
            .DEPTH_LOG2(TX_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(MAX_BEATS + 1)) ptx_fifo_inst (
            .clk(clk), .rst(rst),
            .s_axis_tdata(tx_tdata), .s_axis_tkeep(tx_tkeep), .s_axis_tvalid(tx_beat && tx_take[gp]),
            .s_axis_tready(ptx_in_ready[gp]), .s_axis_tlast(tx_tlast), .s_axis_tuser(1'b0),
            .m_axis_tdata(m_axis_tx_tdata[gp*DATA_WIDTH +: DATA_WIDTH]),
            .m_axis_tkeep(m_axis_tx_tkeep[gp*KEEP_WIDTH +: KEEP_WIDTH]),
            .m_axis_tvalid(m_axis_tx_tvalid[gp]), .m_axis_tready(m_axis_tx_tready[gp]),
            .m_axis_tlast(m_axis_tx_tlast[gp]), .m_axis_tuser(ptx_unused_tuser[gp]),
            .count(ptx_count[gp*(TX_FIFO_DEPTH_LOG2+1) +: TX_FIFO_DEPTH_LOG2+1]), .almost_full(ptx_afull[gp])
        );
    end
endgenerate

// host TX frames go through the arbiter's port 2
reg host_tx_in_frame_reg = 1'b0;
wire host_tx_done = s_axis_host_tx_tvalid && s_axis_host_tx_tready && s_axis_host_tx_tlast;

// ---------------------------------------------------------------------------------------------
// Match indexes (leader): from the ACK path, from ACKs and NACKs in the main pipeline
wire main_ack  = fire && d_first_reg && e_act == A_ACK;
wire main_nack = fire && d_first_reg && e_act == A_NACK;
reg [31:0] match_next [0:MAX_NODES-1];
reg [MAX_NODES-1:0] match_moved;
integer mn;
always @* begin
    for (mn = 0; mn < MAX_NODES; mn = mn + 1) begin
        match_next[mn] = match_reg[mn];
        if (ack_valid && ack_src == 8'(mn) && ack_index > match_next[mn]) match_next[mn] = ack_index;
        if (main_ack && d_src == 8'(mn) && d_index > match_next[mn]) match_next[mn] = d_index;
        if (main_nack && d_src == 8'(mn) && d_index - 32'd1 > match_next[mn]) match_next[mn] = d_index - 32'd1;
        match_moved[mn] = match_next[mn] != match_reg[mn];
    end
end

// Retransmission (leader): go-back-N from log RAM, on a NACK or when a lagging follower's ACKs
// made no progress for RTO cycles. One follower at a time; others wait in rtx_pend. The timeout
// doubles after every expiry without progress (RTO << rto_shift, up to RTO_SHIFT_MAX) and drops
// back to RTO when the follower's match moves: a follower that cannot take the frames (fast path
// off while its host repairs it) costs a few rounds, not the leader's whole egress.
reg [7:0]           rtx_pend_reg = 0;
reg [31:0]          rtx_pend_index_reg [0:7];
reg [31:0]          rtx_pend_end_reg [0:7];   // first index not to resend (0: up to the last)
reg [2:0]           rtx_last_pick_reg = 3'd0;
reg [31:0]          rtx_start_reg = 32'd0;
reg [6:0]           rtx_round_reg = 7'd0;   // numbers retransmission rounds: a later round is never a copy
reg [31:0]          rto_timer_reg [0:7];
localparam [2:0]    RTO_SHIFT_MAX = 3'd6;
reg [2:0]           rto_shift_reg [0:7];
reg [7:0]           repair_sent_reg = 0;   // a needs-repair event is out for this follower

reg                 rtx_active_reg = 1'b0;
reg [2:0]           rtx_node_reg = 3'd0;
reg [31:0]          rtx_next_reg = 32'd0;
reg [31:0]          rtx_end_reg = 32'd0;
reg [SLOT_BEATS_LOG2-1:0] rtx_beat_reg = 0;

// oldest index still in log RAM
wire [31:0] log_oldest = (last_index_reg > LOG_DEPTH) ? last_index_reg - LOG_DEPTH + 32'd1 : 32'd1;

// the follower to serve next: round robin over the pending ones after the last served
reg [2:0] rtx_pick;
reg       rtx_pick_valid;
always @* begin
    rtx_pick = 3'd0;
    rtx_pick_valid = 1'b0;
    for (mn = 1; mn <= MAX_NODES; mn = mn + 1) begin
        if (!rtx_pick_valid && rtx_pend_reg[(32'(rtx_last_pick_reg) + mn) % MAX_NODES]) begin
            rtx_pick = 3'((32'(rtx_last_pick_reg) + mn) % MAX_NODES);
            rtx_pick_valid = 1'b1;
        end
    end
end
wire [31:0] rtx_pend_end = rtx_pend_end_reg[rtx_pick];
wire [31:0] rtx_to = (rtx_pend_end != 32'd0 && rtx_pend_end - 32'd1 < last_index_reg) ? rtx_pend_end - 32'd1 : last_index_reg;
wire [31:0] rtx_from_pend = rtx_pend_index_reg[rtx_pick];
wire [31:0] rtx_from = (rtx_from_pend > match_reg[rtx_pick] + 32'd1) ? rtx_from_pend : match_reg[rtx_pick] + 32'd1;
wire rtx_start_ok = leader_mode && !rtx_active_reg && rtx_pick_valid;
wire rtx_needs_repair = rtx_start_ok && rtx_from <= last_index_reg && rtx_from < log_oldest;

wire rtx_afull;
wire evt_afull;
wire [15:0] rtx_len = log_len_mem[rtx_next_reg[LOG_DEPTH_LOG2-1:0]];
wire [15:0] rtx_last_beat = (rtx_len == 16'd0) ? 16'd0 : (rtx_len - 16'd1) >> 6;
wire rtx_is_last = {{(16-SLOT_BEATS_LOG2){1'b0}}, rtx_beat_reg} >= rtx_last_beat;
// A frame once started is read to its last beat even if leader mode ends meanwhile: a half frame
// left in the retransmit FIFO would lock the TX arbiter on it for good.
wire rtx_go = rtx_active_reg && (leader_mode || rtx_beat_reg != 0) && !lp_read && !rtx_afull;
wire rtx_mid_next = rtx_go ? !rtx_is_last : (rtx_beat_reg != 0);   // inside a frame after this cycle

reg                  rtx_rd_valid_reg = 1'b0;
reg                  rtx_rd_first_reg = 1'b0;
reg                  rtx_rd_last_reg = 1'b0;
reg [15:0]           rtx_rd_len_reg = 16'd0;
reg [2:0]            rtx_rd_node_reg = 3'd0;
reg [DATA_WIDTH-1:0] rtx_rd_data_reg = 0;

reg [DATA_WIDTH-1:0] rtx_beat0;
always @* begin
    rtx_beat0 = rtx_rd_data_reg;
    rtx_beat0 = nr_set_dst_mac(rtx_beat0, NR_MAC_NODE_PREFIX | {45'd0, rtx_rd_node_reg});
    rtx_beat0 = nr_set_dst_node(rtx_beat0, {5'd0, rtx_rd_node_reg});
    rtx_beat0 = nr_set_flags(rtx_beat0, nr_get_flags(rtx_rd_data_reg) | (8'd1 << NR_FLAG_RETRANSMIT));
    rtx_beat0 = nr_set_commit_index(rtx_beat0, commit_index_reg);
    rtx_beat0 = nr_set_rsvd(rtx_beat0, {1'b0, rtx_round_reg});
end

// needs-repair event for the host: a NACK-shaped frame naming the follower and the index
reg [DATA_WIDTH-1:0] evt_beat;
always @* begin
    evt_beat = {DATA_WIDTH{1'b0}};
    evt_beat = nr_set_dst_mac(evt_beat, my_mac);
    evt_beat = nr_set_src_mac(evt_beat, NR_MAC_NODE_PREFIX | {45'd0, rtx_pick});
    evt_beat = nr_set_ethertype(evt_beat, NR_ETHERTYPE);
    evt_beat = nr_set_version(evt_beat, NR_VERSION);
    evt_beat = nr_set_type(evt_beat, NR_TYPE_NACK);
    evt_beat = nr_set_cluster_id(evt_beat, cluster_id_reg);
    evt_beat = nr_set_src_node(evt_beat, {5'd0, rtx_pick});
    evt_beat = nr_set_dst_node(evt_beat, node_id_reg);
    evt_beat = nr_set_term(evt_beat, term_reg);
    evt_beat = nr_set_log_index(evt_beat, rtx_from);
    evt_beat = nr_set_commit_index(evt_beat, commit_index_reg);
end
wire evt_we = rtx_needs_repair && !repair_sent_reg[rtx_pick] && !evt_afull;

// ---------------------------------------------------------------------------------------------
// Quorum and commit (leader)
wire [MAX_NODES*32-1:0] match_flat;
genvar gn;
generate
    for (gn = 0; gn < MAX_NODES; gn = gn + 1) begin : g_match
        assign match_flat[gn*32 +: 32] = (8'(gn) == node_id_reg) ? last_index_reg : match_reg[gn];
    end
endgenerate

wire [31:0] quorum_index;
wire        quorum_valid;
nicraft_quorum #(.MAX_NODES(MAX_NODES), .INDEX_WIDTH(32)) quorum_inst (
    .clk(clk), .rst(rst),
    .match_index(match_flat), .members(members_reg[MAX_NODES-1:0]), .quorum(quorum_reg),
    .quorum_index(quorum_index), .quorum_valid(quorum_valid)
);
wire commit_adv = leader_mode && quorum_valid && quorum_index > commit_index_reg &&
                  quorum_index >= term_start_reg && quorum_index <= last_index_reg;

// follower: commit index from the leader, never past what this log holds
// (an entry being written this cycle is not yet readable: the commit may cover it from the next frame on)
wire [31:0] f_last_after = last_index_reg;
wire [31:0] f_commit_cand = (d_commit < f_last_after) ? d_commit : f_last_after;
wire f_commit_adv = fire && d_first_reg && (e_act == A_ACCEPT || e_act == A_HB) && f_commit_cand > commit_index_reg;
assign commit_next = commit_adv ? quorum_index : f_commit_adv ? f_commit_cand : commit_index_reg;
// delivery may start in the cycle the leader's quorum moves (those entries were written long ago),
// but it starts from the registered commit index on a follower
assign dlv_target = commit_adv ? quorum_index : commit_index_reg;

// ---------------------------------------------------------------------------------------------
// Counter increments
wire tx_frame_done = tx_tvalid && tx_tready && tx_tlast;
wire e_drop = fire && d_first_reg && (e_act == A_DROP || e_act == A_DUP);
integer c, pp;
always @* begin
    for (c = 0; c < NR_CTR_COUNT; c = c + 1) begin
        ctr_inc[c] = 3'd0;
    end
    for (pp = 0; pp < PLANES; pp = pp + 1) begin
        ctr_inc[NR_CTR_RX_FRAMES] = ctr_inc[NR_CTR_RX_FRAMES] + {2'd0, pl_frame_in[pp]};
        if (pl_drop_valid[pp]) begin
            ctr_inc[NR_CTR_DROPPED] = ctr_inc[NR_CTR_DROPPED] + 3'd1;
            case (pl_drop_reason[pp*8 +: 8])
                NR_DROP_MAC_ERROR:   ctr_inc[NR_CTR_DROP_MAC_ERROR]   = ctr_inc[NR_CTR_DROP_MAC_ERROR] + 3'd1;
                NR_DROP_OVERSIZE:    ctr_inc[NR_CTR_DROP_OVERSIZE]    = ctr_inc[NR_CTR_DROP_OVERSIZE] + 3'd1;
                default:             ctr_inc[NR_CTR_DROP_RX_OVERFLOW] = ctr_inc[NR_CTR_DROP_RX_OVERFLOW] + 3'd1;
            endcase
        end
    end
    if (e_drop) begin
        ctr_inc[NR_CTR_DROPPED] = ctr_inc[NR_CTR_DROPPED] + 3'd1;
        case (e_why)
            NR_DROP_SHORT:         ctr_inc[NR_CTR_DROP_SHORT] = 3'd1;
            NR_DROP_BAD_ETHERTYPE: ctr_inc[NR_CTR_DROP_BAD_ETHERTYPE] = 3'd1;
            NR_DROP_BAD_VERSION:   ctr_inc[NR_CTR_DROP_BAD_VERSION] = 3'd1;
            NR_DROP_BAD_CLUSTER:   ctr_inc[NR_CTR_DROP_BAD_CLUSTER] = 3'd1;
            NR_DROP_BAD_LENGTH:    ctr_inc[NR_CTR_DROP_BAD_LENGTH] = 3'd1;
            NR_DROP_BAD_TYPE:      ctr_inc[NR_CTR_DROP_BAD_TYPE] = 3'd1;
            NR_DROP_LOG_FULL:      ctr_inc[NR_CTR_DROP_LOG_FULL] = 3'd1;
            NR_DROP_DUPLICATE:     ctr_inc[NR_CTR_DROP_DUPLICATE] = 3'd1;
            NR_DROP_BAD_ACK:       ctr_inc[NR_CTR_DROP_BAD_ACK] = 3'd1;
            NR_DROP_FUTURE_INDEX:  ctr_inc[NR_CTR_DROP_FUTURE_INDEX] = 3'd1;
            default:               ctr_inc[NR_CTR_DROP_PUNT_FULL] = 3'd1;
        endcase
    end
    for (pp = 0; pp < PLANES; pp = pp + 1) begin
        if (pl_dup_drop[pp]) begin
            ctr_inc[NR_CTR_DROPPED] = ctr_inc[NR_CTR_DROPPED] + 3'd1;
            ctr_inc[NR_CTR_DROP_PLANE_DUP] = ctr_inc[NR_CTR_DROP_PLANE_DUP] + 3'd1;
            ctr_inc[NR_CTR_PLANE0_DUPS + 5*pp] = 3'd1;
        end
        if (pl_off_drop[pp]) begin
            ctr_inc[NR_CTR_DROPPED] = ctr_inc[NR_CTR_DROPPED] + 3'd1;
            ctr_inc[NR_CTR_DROP_PLANE_OFF] = ctr_inc[NR_CTR_DROP_PLANE_OFF] + 3'd1;
        end
        ctr_inc[NR_CTR_PLANE0_RX_FRAMES + 5*pp] = {2'd0, pl_frame_in[pp]};
        ctr_inc[NR_CTR_PLANE0_ERRORS + 5*pp] = {2'd0, pl_drop_valid[pp]} + {2'd0, pl_off_drop[pp]};
        ctr_inc[NR_CTR_PLANE0_TX_FRAMES + 5*pp] = {2'd0, m_axis_tx_tvalid[pp] && m_axis_tx_tready[pp] && m_axis_tx_tlast[pp]};
        ctr_inc[NR_CTR_PLANE0_TX_DROPS + 5*pp] = {2'd0, ptx_drop[pp]};
    end
    if (fire && d_first_reg && e_act == A_PUNT) ctr_inc[NR_CTR_PUNTED] = 3'd1;
    if (e_end && e_act == A_SEQ)    ctr_inc[NR_CTR_REQ_SEQUENCED] = 3'd1;
    if (e_end && e_act == A_ACCEPT) ctr_inc[NR_CTR_APPEND_ACCEPTED] = 3'd1;
    if (e_end && e_act == A_OOO)    ctr_inc[NR_CTR_APPEND_BUFFERED] = 3'd1;
    ctr_inc[NR_CTR_ACK_RX] = {2'd0, main_ack} + {2'd0, ack_valid};
    if (main_nack)                                 ctr_inc[NR_CTR_NACK_RX] = 3'd1;
    if (rtx_rd_valid_reg && rtx_rd_last_reg)       ctr_inc[NR_CTR_RETRANSMIT_TX] = 3'd1;
    if (evt_we)                                    ctr_inc[NR_CTR_NEEDS_REPAIR] = 3'd1;
    if (fire && d_first_reg && e_act == A_HB)  ctr_inc[NR_CTR_HEARTBEAT_RX] = 3'd1;
    if (gen_we && gen_reply)                       ctr_inc[NR_CTR_REPLY_TX] = 3'd1;
    if (gen_we && !gen_reply && role_reg == ROLE_LEADER) ctr_inc[NR_CTR_HEARTBEAT_TX] = 3'd1;
    if (gen_we && !gen_reply && role_reg != ROLE_LEADER && !gen_nack) ctr_inc[NR_CTR_ACK_TX] = 3'd1;
    if (gen_we && gen_nack)                        ctr_inc[NR_CTR_NACK_TX] = 3'd1;
    if (dlv_rd_valid_reg && dlv_rd_last_reg)       ctr_inc[NR_CTR_COMMITTED] = 3'd1;
    if (host_tx_done)                              ctr_inc[NR_CTR_HOST_TX_FRAMES] = 3'd1;
    if (tx_frame_done)                             ctr_inc[NR_CTR_TX_FRAMES] = 3'd1;
end

// ---------------------------------------------------------------------------------------------
// CSR read
reg [31:0] csr_rd_data_reg = 32'd0;
reg        csr_rd_valid_reg = 1'b0;
assign csr_rd_data = csr_rd_data_reg;
assign csr_rd_valid = csr_rd_valid_reg;

wire [15:0] ctr_off = csr_addr - NR_CTR_BASE;
wire [12:0] ctr_idx = ctr_off[15:3];
wire        ctr_hit = csr_addr >= NR_CTR_BASE && 32'(ctr_idx) < NR_CTR_COUNT;
wire [63:0] ctr_val = ctr_hit ? ctr_reg[ctr_idx[$clog2(NR_CTR_COUNT)-1:0]] : 64'd0;

localparam [31:0] PARAMS0 = {8'(MAX_BEATS > 1 ? 2**SLOT_BEATS_LOG2 : 1), 8'(LOG_DEPTH_LOG2), 8'(PLANES), 8'(MAX_NODES)};
localparam [31:0] PARAMS1 = {16'(DATA_WIDTH), 16'(MAX_PAYLOAD)};

reg [31:0] csr_mux;
always @* begin
    csr_mux = 32'd0;
    case (csr_addr)
        NR_CSR_IDENT_TYPE:          csr_mux = NR_BLK_IDENT_TYPE;
        NR_CSR_IDENT_VERSION:       csr_mux = NR_BLK_IDENT_VERSION;
        NR_CSR_IDENT_NEXT:          csr_mux = {16'd0, NR_BLK_RAFT_BASE};
        NR_CSR_IDENT_PARAMS0:       csr_mux = PARAMS0;
        NR_CSR_IDENT_PARAMS1:       csr_mux = PARAMS1;
        NR_CSR_IDENT_WIRE_VERSION:  csr_mux = {NR_ETHERTYPE, 8'd0, NR_VERSION};
        NR_CSR_IDENT_CYCLE_LO:      csr_mux = cycle_reg[31:0];
        NR_CSR_IDENT_CYCLE_HI:      csr_mux = cycle_reg[63:32];
        NR_CSR_RAFT_TYPE:           csr_mux = NR_BLK_RAFT_TYPE;
        NR_CSR_RAFT_VERSION:        csr_mux = NR_BLK_RAFT_VERSION;
        NR_CSR_RAFT_NEXT:           csr_mux = {16'd0, NR_BLK_COUNTERS_BASE};
        NR_CSR_RAFT_NODE_ID:        csr_mux = {24'd0, node_id_reg};
        NR_CSR_RAFT_CLUSTER_ID:     csr_mux = {16'd0, cluster_id_reg};
        NR_CSR_RAFT_ROLE:           csr_mux = {30'd0, role_reg};
        NR_CSR_RAFT_TERM:           csr_mux = term_reg;
        NR_CSR_RAFT_LEADER_ID:      csr_mux = {24'd0, leader_id_reg};
        NR_CSR_RAFT_MEMBERS:        csr_mux = {24'd0, members_reg};
        NR_CSR_RAFT_QUORUM:         csr_mux = {28'd0, quorum_reg};
        NR_CSR_RAFT_FAST_EN:        csr_mux = {31'd0, fast_en_reg};
        NR_CSR_RAFT_HB_INTERVAL:    csr_mux = hb_interval_reg;
        NR_CSR_RAFT_ACK_COUNT:      csr_mux = ack_count_reg;
        NR_CSR_RAFT_ACK_DELAY:      csr_mux = ack_delay_reg;
        NR_CSR_RAFT_TERM_START:     csr_mux = term_start_reg;
        NR_CSR_RAFT_LAST_INDEX:     csr_mux = last_index_reg;
        NR_CSR_RAFT_COMMIT_INDEX:   csr_mux = commit_index_reg;
        NR_CSR_RAFT_APPLIED_INDEX:  csr_mux = applied_index_reg;
        NR_CSR_RAFT_MATCH_SEL:      csr_mux = {29'd0, match_sel_reg};
        NR_CSR_RAFT_MATCH_INDEX:    csr_mux = (32'(match_sel_reg) < MAX_NODES) ? match_flat[match_sel_reg*32 +: 32] : 32'd0;
        NR_CSR_RAFT_STATUS:         csr_mux = {29'd0, tx_fast_afull, window_full, dlv_afull};
        NR_CSR_RAFT_HB_COMMIT_DELAY: csr_mux = hb_commit_delay_reg;
        NR_CSR_RAFT_PLANE_EN:       csr_mux = {29'd0, plane_en_reg};
        NR_CSR_RAFT_NACK_INTERVAL:  csr_mux = nack_interval_reg;
        NR_CSR_RAFT_RTO:            csr_mux = rto_reg;
        NR_CSR_RAFT_NACK_DELAY:     csr_mux = nack_delay_reg;
        NR_CSR_COUNTERS_TYPE:       csr_mux = NR_BLK_COUNTERS_TYPE;
        NR_CSR_COUNTERS_VERSION:    csr_mux = NR_BLK_COUNTERS_VERSION;
        NR_CSR_COUNTERS_NEXT:       csr_mux = 32'd0;
        default:                    csr_mux = ctr_off[2] ? ctr_val[63:32] : ctr_val[31:0];
    endcase
end

// ---------------------------------------------------------------------------------------------
// Sequential logic
integer n;
always @(posedge clk) begin
    cycle_reg <= cycle_reg + 64'd1;

    // D stage
    if (rx_tready) begin
        d_valid_reg <= rx_tvalid;
        if (rx_tvalid) begin
            d_data_reg <= rx_tdata;
            d_keep_reg <= rx_tkeep;
            d_last_reg <= rx_tlast;
            d_first_reg <= rx_first;
            d_bad_reg <= rx_first ? rx_bad : 8'd0;
        end
    end

    // E stage
    if (fire) begin
        if (d_first_reg) begin
            e_act_reg <= act_first;
            e_why_reg <= why_first;
            e_index_reg <= e_index;
        end
        e_beat_reg <= d_last_reg ? {SLOT_BEATS_LOG2{1'b0}} : e_beat + 1'b1;
        if (e_log_we) begin
            log_mem[e_log_addr] <= e_data;
            if (d_first_reg) begin
                log_len_mem[e_index[LOG_DEPTH_LOG2-1:0]] <= nr_get_payload_len(d_data_reg) + 16'(NR_HDR_BYTES) < 16'(NR_MIN_FRAME_BYTES) ?
                    16'(NR_MIN_FRAME_BYTES) : nr_get_payload_len(d_data_reg) + 16'(NR_HDR_BYTES);
            end
        end
        if (d_last_reg && (e_act == A_SEQ || e_act == A_ACCEPT)) begin
            last_index_reg <= e_index;
        end
        if (d_last_reg && (e_act == A_SEQ || e_act == A_ACCEPT || e_act == A_OOO)) begin
            log_tag_mem[e_index[LOG_DEPTH_LOG2-1:0]] <= {term_reg, e_index};
        end
        if (d_last_reg && e_act == A_OOO && (!ooo_valid_reg || e_index < ooo_min_reg)) begin
            ooo_valid_reg <= 1'b1;
            ooo_min_reg <= e_index;
        end
        if (d_first_reg && e_act == A_SEQ) begin
            hb_timer_reg <= 32'd0;
            commit_sent_reg <= commit_index_reg;
        end
        if (d_first_reg && e_act == A_DUP) begin
            force_ack_reg <= 1'b1;
        end
    end
    if (lp_write) begin
        log_mem[lp_addr] <= log_req_data;
        if (log_req_beat == 8'd0) begin
            log_len_mem[log_req_index[LOG_DEPTH_LOG2-1:0]] <= log_req_len;
            log_tag_mem[log_req_index[LOG_DEPTH_LOG2-1:0]] <= {nr_get_term(log_req_data), nr_get_log_index(log_req_data)};
        end
    end
    if (chain_go) begin
        last_index_reg <= expect_index;
    end
    // the buffered entries beyond the gap are reached: no gap is known any more
    if (ooo_valid_reg && (chain_go || (fire && d_last_reg && e_act == A_ACCEPT)) && expect_index + 32'd1 >= ooo_min_reg) begin
        ooo_valid_reg <= 1'b0;
    end

    // log port reads
    log_rsp_valid_reg <= lp_read;
    if (lp_read) begin
        log_rsp_data_reg <= log_mem[lp_addr];
        log_rsp_len_reg <= log_len_mem[log_req_index[LOG_DEPTH_LOG2-1:0]];
    end

    // commit
    commit_index_reg <= commit_next;

    // delivery
    dlv_rd_valid_reg <= dlv_go;
    if (dlv_go) begin
        dlv_rd_data_reg <= log_mem[{dlv_slot, dlv_beat_reg}];
        dlv_rd_first_reg <= dlv_beat_reg == {SLOT_BEATS_LOG2{1'b0}};
        dlv_rd_last_reg <= dlv_is_last;
        dlv_rd_len_reg <= dlv_len;
        if (dlv_is_last) begin
            applied_index_reg <= applied_wr_pend_reg ? applied_wr_val_reg : dlv_index;
            applied_wr_pend_reg <= 1'b0;
            dlv_beat_reg <= 0;
        end else begin
            dlv_beat_reg <= dlv_beat_reg + 1'b1;
        end
    end

    // ACK and heartbeat generators
    nack_timer_reg <= nack_timer_reg + 32'd1;
    if (gen_we && !gen_reply) ctl_seq_reg <= ctl_seq_reg + 32'd1;
    if (chain_go || (fire && d_last_reg && e_act == A_ACCEPT)) begin
        // the log grew: a gap is still known only if entries beyond it are buffered
        gap_age_reg <= 32'd0;
        nack_want_reg <= ooo_valid_reg && expect_index + 32'd1 < ooo_min_reg;
    end else if (nack_want_reg) begin
        gap_age_reg <= gap_age_reg + 32'd1;
    end
    if (fire && d_first_reg && ((e_act == A_OOO) ||
                                (e_act == A_DROP && (e_why == NR_DROP_FUTURE_INDEX || e_why == NR_DROP_LOG_FULL) && role_reg == ROLE_FOLLOWER) ||
                                (e_act == A_HB && d_index > last_index_reg))) begin
        nack_want_reg <= 1'b1;
    end
    if (gen_we && gen_nack) begin
        // a NACK for index e also tells the leader that e-1 is held
        nack_timer_reg <= 32'd0;
        nack_sent_index_reg <= expect_index;
        acked_index_reg <= last_index_reg;
        ack_age_reg <= 32'd0;
    end else if (gen_we && !gen_reply) begin
        if (role_reg == ROLE_LEADER) begin
            hb_timer_reg <= 32'd0;
            commit_sent_reg <= commit_index_reg;
        end else begin
            acked_index_reg <= last_index_reg;
            ack_age_reg <= 32'd0;
            force_ack_reg <= 1'b0;
        end
    end else begin
        if (unacked != 32'd0) ack_age_reg <= ack_age_reg + 32'd1;
        if (!(fire && d_first_reg && e_act == A_SEQ)) hb_timer_reg <= hb_timer_reg + 32'd1;
    end

    if (host_tx_done) host_tx_in_frame_reg <= 1'b0;
    else if (s_axis_host_tx_tvalid && s_axis_host_tx_tready) host_tx_in_frame_reg <= 1'b1;

    // TX fan-out
    if (tx_beat) begin
        tx_in_frame_reg <= !tx_tlast;
        if (tx_first) tx_take_reg <= ptx_room;
    end

    // match indexes, retransmit timers, repair events
    for (n = 0; n < MAX_NODES; n = n + 1) begin
        match_reg[n] <= match_next[n];
        if (match_moved[n]) repair_sent_reg[n] <= 1'b0;
        if (!leader_mode || 8'(n) == node_id_reg || !members_reg[n] || match_next[n] >= last_index_reg || match_moved[n]) begin
            rto_timer_reg[n] <= 32'd0;
            rto_shift_reg[n] <= 3'd0;
        end else if (rto_timer_reg[n] >= (rto_reg << rto_shift_reg[n])) begin
            rto_timer_reg[n] <= 32'd0;
            if (rto_shift_reg[n] != RTO_SHIFT_MAX) rto_shift_reg[n] <= rto_shift_reg[n] + 3'd1;
            if (!rtx_pend_reg[n]) begin
                rtx_pend_reg[n] <= 1'b1;
                rtx_pend_index_reg[n] <= match_reg[n] + 32'd1;
                rtx_pend_end_reg[n] <= 32'd0;
            end
        end else begin
            rto_timer_reg[n] <= rto_timer_reg[n] + 32'd1;
        end
    end
    if (evt_we) repair_sent_reg[rtx_pick] <= 1'b1;

    // go-back-N engine
    rtx_rd_valid_reg <= rtx_go;
    if (rtx_start_ok) begin
        rtx_pend_reg[rtx_pick] <= 1'b0;
        rtx_last_pick_reg <= rtx_pick;
        rtx_round_reg <= rtx_round_reg + 7'd1;
        if (rtx_from <= rtx_to && !rtx_needs_repair) begin
            rtx_active_reg <= 1'b1;
            rtx_node_reg <= rtx_pick;
            rtx_next_reg <= rtx_from;
            rtx_start_reg <= rtx_from;
            rtx_end_reg <= rtx_to;
            rtx_beat_reg <= 0;
        end
    end
    if (rtx_go) begin
        rtx_rd_data_reg <= log_mem[{rtx_next_reg[LOG_DEPTH_LOG2-1:0], rtx_beat_reg}];
        rtx_rd_first_reg <= rtx_beat_reg == {SLOT_BEATS_LOG2{1'b0}};
        rtx_rd_last_reg <= rtx_is_last;
        rtx_rd_len_reg <= rtx_len;
        rtx_rd_node_reg <= rtx_node_reg;
        if (rtx_is_last) begin
            rtx_beat_reg <= 0;
            // skip what the follower acknowledged meanwhile
            if (match_reg[rtx_node_reg] + 32'd1 > rtx_next_reg + 32'd1) rtx_next_reg <= match_reg[rtx_node_reg] + 32'd1;
            else rtx_next_reg <= rtx_next_reg + 32'd1;
            if (rtx_next_reg + 32'd1 > rtx_end_reg || match_reg[rtx_node_reg] >= rtx_end_reg) rtx_active_reg <= 1'b0;
        end else begin
            rtx_beat_reg <= rtx_beat_reg + 1'b1;
        end
    end
    // a NACK for a gap that the retransmission under way already covers is stale: ignored
    if (main_nack && !(rtx_active_reg && rtx_node_reg == d_src[NODE_WIDTH-1:0] &&
                       d_index >= rtx_start_reg && d_index <= rtx_next_reg)) begin
        rtx_pend_reg[d_src[NODE_WIDTH-1:0]] <= 1'b1;
        if (!rtx_pend_reg[d_src[NODE_WIDTH-1:0]] || d_index < rtx_pend_index_reg[d_src[NODE_WIDTH-1:0]]) begin
            rtx_pend_index_reg[d_src[NODE_WIDTH-1:0]] <= d_index;
            rtx_pend_end_reg[d_src[NODE_WIDTH-1:0]] <= nr_get_client_id(d_data_reg);
        end
    end
    if (!leader_mode) begin
        if (!rtx_mid_next) rtx_active_reg <= 1'b0;   // the frame in flight is finished first
        rtx_pend_reg <= 0;
    end

    // counters
    for (n = 0; n < NR_CTR_COUNT; n = n + 1) begin
        ctr_reg[n] <= ctr_reg[n] + {61'd0, ctr_inc[n]};
    end

    // CSR access (the host's writes win over the engines' updates)
    csr_rd_valid_reg <= csr_rd_en;
    if (csr_rd_en) csr_rd_data_reg <= csr_mux;
    if (csr_wr_en) begin
        case (csr_addr)
            NR_CSR_RAFT_NODE_ID:        node_id_reg <= csr_wr_data[7:0];
            NR_CSR_RAFT_CLUSTER_ID:     cluster_id_reg <= csr_wr_data[15:0];
            NR_CSR_RAFT_ROLE:           role_reg <= csr_wr_data[1:0];
            NR_CSR_RAFT_TERM:           term_reg <= csr_wr_data;
            NR_CSR_RAFT_LEADER_ID:      leader_id_reg <= csr_wr_data[7:0];
            NR_CSR_RAFT_MEMBERS:        members_reg <= csr_wr_data[7:0];
            NR_CSR_RAFT_QUORUM:         quorum_reg <= csr_wr_data[3:0];
            NR_CSR_RAFT_FAST_EN:        fast_en_reg <= csr_wr_data[0];
            NR_CSR_RAFT_HB_INTERVAL:    hb_interval_reg <= csr_wr_data;
            NR_CSR_RAFT_HB_COMMIT_DELAY: hb_commit_delay_reg <= csr_wr_data;
            NR_CSR_RAFT_ACK_COUNT:      ack_count_reg <= csr_wr_data;
            NR_CSR_RAFT_ACK_DELAY:      ack_delay_reg <= csr_wr_data;
            NR_CSR_RAFT_TERM_START:     term_start_reg <= csr_wr_data;
            NR_CSR_RAFT_LAST_INDEX:     begin last_index_reg <= csr_wr_data; acked_index_reg <= csr_wr_data; end
            NR_CSR_RAFT_COMMIT_INDEX:   commit_index_reg <= csr_wr_data;
            NR_CSR_RAFT_APPLIED_INDEX:  begin
                if (dlv_mid_next) begin
                    applied_wr_pend_reg <= 1'b1;
                    applied_wr_val_reg <= csr_wr_data;
                end else begin
                    applied_index_reg <= csr_wr_data;
                    dlv_beat_reg <= 0;
                    applied_wr_pend_reg <= 1'b0;
                end
            end
            NR_CSR_RAFT_MATCH_SEL:      match_sel_reg <= csr_wr_data[2:0];
            NR_CSR_RAFT_PLANE_EN:       plane_en_reg <= csr_wr_data[2:0];
            NR_CSR_RAFT_NACK_INTERVAL:  nack_interval_reg <= csr_wr_data;
            NR_CSR_RAFT_RTO:            rto_reg <= csr_wr_data;
            NR_CSR_RAFT_NACK_DELAY:     nack_delay_reg <= csr_wr_data;
            NR_CSR_RAFT_MATCH_INDEX:    if (32'(match_sel_reg) < MAX_NODES) match_reg[match_sel_reg] <= csr_wr_data;
            NR_CSR_COUNTERS_CTR_CLEAR: begin
                if (csr_wr_data[0]) begin
                    for (n = 0; n < NR_CTR_COUNT; n = n + 1) ctr_reg[n] <= 64'd0;
                end
            end
            default: ;
        endcase
    end

    if (rst) begin
        cycle_reg <= 64'd0;
        d_valid_reg <= 1'b0;
        d_first_reg <= 1'b0;
        d_bad_reg <= 8'd0;
        e_act_reg <= A_DROP;
        e_why_reg <= 8'd0;
        e_index_reg <= 32'd0;
        e_beat_reg <= 0;
        node_id_reg <= 8'd0;
        cluster_id_reg <= NR_CSR_RAFT_CLUSTER_ID_RESET[15:0];
        role_reg <= ROLE_OFF;
        term_reg <= 32'd0;
        leader_id_reg <= 8'd0;
        members_reg <= NR_CSR_RAFT_MEMBERS_RESET[7:0];
        quorum_reg <= NR_CSR_RAFT_QUORUM_RESET[3:0];
        fast_en_reg <= 1'b0;
        hb_interval_reg <= NR_CSR_RAFT_HB_INTERVAL_RESET;
        hb_commit_delay_reg <= NR_CSR_RAFT_HB_COMMIT_DELAY_RESET;
        ack_count_reg <= NR_CSR_RAFT_ACK_COUNT_RESET;
        ack_delay_reg <= NR_CSR_RAFT_ACK_DELAY_RESET;
        term_start_reg <= NR_CSR_RAFT_TERM_START_RESET;
        last_index_reg <= 32'd0;
        commit_index_reg <= 32'd0;
        applied_index_reg <= 32'd0;
        match_sel_reg <= 3'd0;
        for (n = 0; n < MAX_NODES; n = n + 1) match_reg[n] <= 32'd0;
        for (n = 0; n < NR_CTR_COUNT; n = n + 1) ctr_reg[n] <= 64'd0;
        log_rsp_valid_reg <= 1'b0;
        dlv_rd_valid_reg <= 1'b0;
        dlv_beat_reg <= 0;
        applied_wr_pend_reg <= 1'b0;
        acked_index_reg <= 32'd0;
        ack_age_reg <= 32'd0;
        force_ack_reg <= 1'b0;
        hb_timer_reg <= 32'd0;
        commit_sent_reg <= 32'd0;
        host_tx_in_frame_reg <= 1'b0;
        csr_rd_valid_reg <= 1'b0;
        plane_en_reg <= NR_CSR_RAFT_PLANE_EN_RESET[2:0];
        nack_interval_reg <= NR_CSR_RAFT_NACK_INTERVAL_RESET;
        rto_reg <= NR_CSR_RAFT_RTO_RESET;
        nack_want_reg <= 1'b0;
        nack_timer_reg <= 32'd0;
        nack_sent_index_reg <= 32'd0;
        nack_delay_reg <= NR_CSR_RAFT_NACK_DELAY_RESET;
        gap_age_reg <= 32'd0;
        ooo_valid_reg <= 1'b0;
        ctl_seq_reg <= 32'd0;
        tx_in_frame_reg <= 1'b0;
        tx_take_reg <= 0;
        rtx_pend_reg <= 0;
        repair_sent_reg <= 0;
        rtx_active_reg <= 1'b0;
        rtx_rd_valid_reg <= 1'b0;
        rtx_round_reg <= 7'd0;
        for (n = 0; n < MAX_NODES; n = n + 1) begin
            rto_timer_reg[n] <= 32'd0;
            rto_shift_reg[n] <= 3'd0;
            rtx_pend_index_reg[n] <= 32'd0;
            rtx_pend_end_reg[n] <= 32'd0;
        end
    end
end

// Signals kept for lint: FIFO levels and unused user bits
wire _unused_ok = &{1'b0, txf_count, gen_count, pnt_count, dlv_count, txf_in_ready, pnt_in_ready,
                    evt_count, evt_in_ready, rtx_count, rtx_in_ready, unused_tuser_rtx, ptx_in_ready,
                    ptx_unused_tuser, ptx_count, rtx_rd_len_reg[15:6],
                    dlv_in_ready, unused_tuser_txf, unused_tuser_gen, unused_tx_tuser, gen_ready,
                    host_tx_in_frame_reg, ctr_off[1:0], members_reg, dlv_rd_client[31:24],
                    dlv_rd_len_reg[15:6], log_req_index[31:LOG_DEPTH_LOG2], 1'b0};

endmodule

`resetall
