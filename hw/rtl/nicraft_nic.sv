// nicraft: the NIC fast path (leader mode).
//
//   plane RX ports -> per-plane store-and-forward buffers -> round-robin merge -> decode (D)
//   -> execute: sequence a REQ (leader) / accept an APPEND (follower) / count an ACK / punt / drop
//   -> log RAM, TX (APPEND), host RX queue (punts)
//   quorum over match indexes -> commit index -> delivery of committed entries to the host
//   ACK (follower), HEARTBEAT and NIC REPLY (leader) generators -> TX
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
reg [31:0] match_reg [0:MAX_NODES-1];
reg [63:0] cycle_reg = 64'd0;

wire leader_mode = fast_en_reg && role_reg == ROLE_LEADER;
wire follower_mode = fast_en_reg && role_reg == ROLE_FOLLOWER;
wire [47:0] my_mac = NR_MAC_NODE_PREFIX | {40'd0, node_id_reg};

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

wire [DATA_WIDTH-1:0] rx_tdata;
wire [KEEP_WIDTH-1:0] rx_tkeep;
wire                  rx_tvalid;
wire                  rx_tready;
wire                  rx_tlast;
wire [15:0]           rx_len;

nicraft_axis_arb #(
    .PORTS(PLANES),
    .DATA_WIDTH(DATA_WIDTH),
    .KEEP_WIDTH(KEEP_WIDTH),
    .USER_WIDTH(16)
) rx_arb_inst (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(pl_tdata),
    .s_axis_tkeep(pl_tkeep),
    .s_axis_tvalid(pl_tvalid),
    .s_axis_tready(pl_tready),
    .s_axis_tlast(pl_tlast),
    .s_axis_tuser(pl_len),
    .m_axis_tdata(rx_tdata),
    .m_axis_tkeep(rx_tkeep),
    .m_axis_tvalid(rx_tvalid),
    .m_axis_tready(rx_tready),
    .m_axis_tlast(rx_tlast),
    .m_axis_tuser(rx_len)
);

// ---------------------------------------------------------------------------------------------
// D: register the beat and the stateless header checks
reg                  rx_in_frame_reg = 1'b0;
wire                 rx_first = !rx_in_frame_reg;

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
localparam [2:0] A_DROP = 3'd0, A_SEQ = 3'd1, A_ACCEPT = 3'd2, A_PUNT = 3'd3,
                 A_ACK = 3'd4, A_HB = 3'd5, A_DUP = 3'd6;

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

reg [2:0] act_first;
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
            end else begin
                act_first = A_PUNT; why_first = NR_HOST_GAP;
            end
        end else begin
            // ACK or NACK, follower to leader
            if (role_reg != ROLE_LEADER || !d_src_ok) begin
                act_first = A_PUNT; why_first = NR_HOST_NOT_MEMBER;
            end else if (d_type == NR_TYPE_NACK) begin
                act_first = A_PUNT; why_first = NR_HOST_OTHER;
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

reg [2:0]  e_act_reg = A_DROP;     // action of the frame in progress (beats after the first)
reg [7:0]  e_why_reg = 8'd0;
reg [31:0] e_index_reg = 32'd0;    // log index of the frame in progress
reg [SLOT_BEATS_LOG2-1:0] e_beat_reg = 0;

wire [2:0]  e_act = d_first_reg ? act_first : e_act_reg;
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
wire e_log_we  = fire && (e_act == A_SEQ || e_act == A_ACCEPT);
wire e_tx_we   = fire && e_act == A_SEQ;
wire e_punt_we = fire && e_act == A_PUNT;
wire e_end     = fire && d_last_reg;

// ---------------------------------------------------------------------------------------------
// Log RAM: one write port (execute stage or log port), two read ports (delivery, log port)
reg [DATA_WIDTH-1:0] log_mem [0:(2**LOG_ADDR_WIDTH)-1];
reg [15:0]           log_len_mem [0:LOG_DEPTH-1];

wire lp_write = log_req_valid && log_req_write && !e_log_we;
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
wire dlv_go = applied_index_reg != commit_next && !dlv_afull && !gen_afull;
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

reg [DATA_WIDTH-1:0] ctl_beat;   // ACK or HEARTBEAT
always @* begin
    ctl_beat = {DATA_WIDTH{1'b0}};
    ctl_beat = nr_set_dst_mac(ctl_beat, role_reg == ROLE_LEADER ? NR_MAC_GROUP : (NR_MAC_NODE_PREFIX | {40'd0, leader_id_reg}));
    ctl_beat = nr_set_src_mac(ctl_beat, my_mac);
    ctl_beat = nr_set_ethertype(ctl_beat, NR_ETHERTYPE);
    ctl_beat = nr_set_version(ctl_beat, NR_VERSION);
    ctl_beat = nr_set_type(ctl_beat, role_reg == ROLE_LEADER ? NR_TYPE_HEARTBEAT : NR_TYPE_ACK);
    ctl_beat = nr_set_cluster_id(ctl_beat, cluster_id_reg);
    ctl_beat = nr_set_src_node(ctl_beat, node_id_reg);
    ctl_beat = nr_set_dst_node(ctl_beat, role_reg == ROLE_LEADER ? 8'hFF : leader_id_reg);
    ctl_beat = nr_set_term(ctl_beat, term_reg);
    ctl_beat = nr_set_log_index(ctl_beat, last_index_reg);
    ctl_beat = nr_set_commit_index(ctl_beat, commit_index_reg);
end

// one generated frame per cycle: a reply first, else an ACK or a heartbeat
wire gen_reply = dlv_reply;
wire gen_ctl = !gen_reply && (ack_want || hb_want);
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

// Host RX queue: committed entries and punts
nicraft_axis_arb #(.PORTS(2), .DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8)) host_rx_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata({pnt_tdata, dlv_tdata}), .s_axis_tkeep({pnt_tkeep, dlv_tkeep}),
    .s_axis_tvalid({pnt_tvalid, dlv_tvalid}), .s_axis_tready({pnt_tready, dlv_tready}),
    .s_axis_tlast({pnt_tlast, dlv_tlast}), .s_axis_tuser({pnt_tuser, dlv_tuser}),
    .m_axis_tdata(m_axis_host_rx_tdata), .m_axis_tkeep(m_axis_host_rx_tkeep),
    .m_axis_tvalid(m_axis_host_rx_tvalid), .m_axis_tready(m_axis_host_rx_tready),
    .m_axis_tlast(m_axis_host_rx_tlast), .m_axis_tuser(m_axis_host_rx_tuser)
);

// TX: APPENDs, generated frames and the host's frames, sent on every plane
wire [DATA_WIDTH-1:0] tx_tdata;
wire [KEEP_WIDTH-1:0] tx_tkeep;
wire                  tx_tvalid, tx_tready, tx_tlast;
wire                  unused_tx_tuser;

nicraft_axis_arb #(.PORTS(3), .DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1)) tx_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata({s_axis_host_tx_tdata, gen_tdata, txf_tdata}),
    .s_axis_tkeep({s_axis_host_tx_tkeep, gen_tkeep, txf_tkeep}),
    .s_axis_tvalid({s_axis_host_tx_tvalid, gen_tvalid, txf_tvalid}),
    .s_axis_tready({s_axis_host_tx_tready, gen_tready, txf_tready}),
    .s_axis_tlast({s_axis_host_tx_tlast, gen_tlast, txf_tlast}),
    .s_axis_tuser(3'b000),
    .m_axis_tdata(tx_tdata), .m_axis_tkeep(tx_tkeep), .m_axis_tvalid(tx_tvalid), .m_axis_tready(tx_tready),
    .m_axis_tlast(tx_tlast), .m_axis_tuser(unused_tx_tuser)
);

assign tx_tready = &m_axis_tx_tready;
generate
    for (gp = 0; gp < PLANES; gp = gp + 1) begin : g_plane_tx
        assign m_axis_tx_tdata[gp*DATA_WIDTH +: DATA_WIDTH] = tx_tdata;
        assign m_axis_tx_tkeep[gp*KEEP_WIDTH +: KEEP_WIDTH] = tx_tkeep;
        assign m_axis_tx_tvalid[gp] = tx_tvalid;
        assign m_axis_tx_tlast[gp] = tx_tlast;
    end
endgenerate

// host TX frames go through the arbiter's port 2
reg host_tx_in_frame_reg = 1'b0;
wire host_tx_done = s_axis_host_tx_tvalid && s_axis_host_tx_tready && s_axis_host_tx_tlast;

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
wire [31:0] f_last_after = (e_act == A_ACCEPT) ? d_index : last_index_reg;
wire [31:0] f_commit_cand = (d_commit < f_last_after) ? d_commit : f_last_after;
wire f_commit_adv = fire && d_first_reg && (e_act == A_ACCEPT || e_act == A_HB) && f_commit_cand > commit_index_reg;
assign commit_next = commit_adv ? quorum_index : f_commit_adv ? f_commit_cand : commit_index_reg;

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
            default:               ctr_inc[NR_CTR_DROP_PUNT_FULL] = 3'd1;
        endcase
    end
    if (fire && d_first_reg && e_act == A_PUNT) ctr_inc[NR_CTR_PUNTED] = 3'd1;
    if (e_end && e_act == A_SEQ)    ctr_inc[NR_CTR_REQ_SEQUENCED] = 3'd1;
    if (e_end && e_act == A_ACCEPT) ctr_inc[NR_CTR_APPEND_ACCEPTED] = 3'd1;
    if (fire && d_first_reg && e_act == A_ACK) ctr_inc[NR_CTR_ACK_RX] = 3'd1;
    if (fire && d_first_reg && e_act == A_HB)  ctr_inc[NR_CTR_HEARTBEAT_RX] = 3'd1;
    if (gen_we && gen_reply)                       ctr_inc[NR_CTR_REPLY_TX] = 3'd1;
    if (gen_we && !gen_reply && role_reg == ROLE_LEADER) ctr_inc[NR_CTR_HEARTBEAT_TX] = 3'd1;
    if (gen_we && !gen_reply && role_reg != ROLE_LEADER) ctr_inc[NR_CTR_ACK_TX] = 3'd1;
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
        NR_CSR_RAFT_MATCH_INDEX:    csr_mux = match_flat[match_sel_reg*32 +: 32];
        NR_CSR_RAFT_STATUS:         csr_mux = {29'd0, tx_fast_afull, window_full, dlv_afull};
        NR_CSR_RAFT_HB_COMMIT_DELAY: csr_mux = hb_commit_delay_reg;
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
            rx_in_frame_reg <= !rx_tlast;
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
        if (d_first_reg && e_act == A_SEQ) begin
            hb_timer_reg <= 32'd0;
            commit_sent_reg <= commit_index_reg;
        end
        if (d_first_reg && e_act == A_ACK && d_index > match_reg[d_src[NODE_WIDTH-1:0]]) begin
            match_reg[d_src[NODE_WIDTH-1:0]] <= d_index;
        end
        if (d_first_reg && e_act == A_DUP) begin
            force_ack_reg <= 1'b1;
        end
    end
    if (lp_write) begin
        log_mem[lp_addr] <= log_req_data;
        if (log_req_beat == 8'd0) begin
            log_len_mem[log_req_index[LOG_DEPTH_LOG2-1:0]] <= log_req_len;
        end
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
            applied_index_reg <= dlv_index;
            dlv_beat_reg <= 0;
        end else begin
            dlv_beat_reg <= dlv_beat_reg + 1'b1;
        end
    end

    // ACK and heartbeat generators
    if (gen_we && !gen_reply) begin
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
            NR_CSR_RAFT_APPLIED_INDEX:  begin applied_index_reg <= csr_wr_data; dlv_beat_reg <= 0; end
            NR_CSR_RAFT_MATCH_SEL:      match_sel_reg <= csr_wr_data[2:0];
            NR_CSR_RAFT_MATCH_INDEX:    match_reg[match_sel_reg] <= csr_wr_data;
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
        rx_in_frame_reg <= 1'b0;
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
        acked_index_reg <= 32'd0;
        ack_age_reg <= 32'd0;
        force_ack_reg <= 1'b0;
        hb_timer_reg <= 32'd0;
        commit_sent_reg <= 32'd0;
        host_tx_in_frame_reg <= 1'b0;
        csr_rd_valid_reg <= 1'b0;
    end
end

// Signals kept for lint: FIFO levels and unused user bits
wire _unused_ok = &{1'b0, txf_count, gen_count, pnt_count, dlv_count, txf_in_ready, pnt_in_ready,
                    dlv_in_ready, unused_tuser_txf, unused_tuser_gen, unused_tx_tuser, gen_ready,
                    host_tx_in_frame_reg, ctr_off[1:0], members_reg, dlv_rd_client[31:24],
                    dlv_rd_len_reg[15:6], log_req_index[31:LOG_DEPTH_LOG2], 1'b0};

endmodule

`resetall
