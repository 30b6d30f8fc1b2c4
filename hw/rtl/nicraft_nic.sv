// nicraft: the NIC fast path. This module only wires the engines together:
//
//   plane RX ports -> nicraft_rx_fifo per plane (store and forward) -> nicraft_rx_key (copy keys)
//   -> nicraft_plane_merge (copies dropped, first copy wins; one-beat ACKs to a parallel ACK path)
//   -> nicraft_exec (D, E: sequence a REQ / accept an APPEND / buffer beyond a gap / punt / drop)
//   -> nicraft_log_ram, the APPEND FIFO (to TX) and the punt FIFO (to the host RX queue)
//   nicraft_commit: match indexes, quorum (nicraft_quorum) -> commit index
//   nicraft_deliver: committed entries to the host RX queue, in index order
//   nicraft_ctl_gen: ACK and NACK (follower), HEARTBEAT and NIC REPLY (leader) -> TX
//   nicraft_rtx: go-back-N from the log RAM (leader: NACK, retransmit timeout) -> TX; needs-repair events
//   TX arbiter (nicraft_axis_arb) -> nicraft_tx_fanout: one FIFO per enabled plane (a stalled plane
//   drops its copy, never stalls the others)
//   host RX arbiter: deliveries, punts, needs-repair events -> the host RX queue
//   nicraft_csr: the registers and their read mux; nicraft_stats: the counters
//
// One frame per cycle for minimum-size frames, no bubbles. The host drives the NIC through the
// CSRs (docs/register-map.md), the host TX/RX queues and the log port, as a driver would.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_nic #(
    // replicas: node ids 0..MAX_NODES-1 (1..8)
    parameter MAX_NODES = 8,
    // network planes, each an RX and a TX AXI-Stream port (1..3)
    parameter PLANES = 1,
    // AXI-Stream data width in bits: 512 (a 64-byte beat holds the header)
    parameter DATA_WIDTH = 512,
    // tkeep width, one bit per byte: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // log RAM entries: 2**LOG_DEPTH_LOG2 (2..20), the most entries between APPLIED_INDEX and LAST_INDEX
    parameter LOG_DEPTH_LOG2 = 10,
    // largest payload in bytes (16..65535-header)
    parameter MAX_PAYLOAD = 256,
    // per-plane RX buffer: 2**RX_FIFO_DEPTH_LOG2 beats, at least two largest frames
    parameter RX_FIFO_DEPTH_LOG2 = 6,
    // punt and delivery FIFOs: 2**HOST_FIFO_DEPTH_LOG2 beats, at least two largest frames and two beats
    parameter HOST_FIFO_DEPTH_LOG2 = 6,
    // APPEND FIFO and per-plane TX FIFOs: 2**TX_FIFO_DEPTH_LOG2 beats, more than a largest frame
    parameter TX_FIFO_DEPTH_LOG2 = 5,
    // the planes' skew: a copy arriving up to this many cycles after the first copy was taken is
    // still recognised at any load (0..256; with one plane unused). Clients in duplicate mode rely on
    // it for REQs. Each cycle costs two window entries (PLANES x 88-bit compares each): the window is
    // most of the plane merge's area (docs/synthesis.md)
    parameter PLANE_SKEW_CYCLES = 32
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

    input  wire                          csr_wr_en, csr_rd_en,
    input  wire [15:0]                   csr_addr,
    input  wire [31:0]                   csr_wr_data,
    output wire [31:0]                   csr_rd_data,
    output wire                          csr_rd_valid,

    input  wire                          log_req_valid, log_req_write,
    output wire                          log_req_ready,
    input  wire [31:0]                   log_req_index,
    input  wire [7:0]                    log_req_beat,
    input  wire [DATA_WIDTH-1:0]         log_req_data,
    input  wire [15:0]                   log_req_len,
    output wire                          log_rsp_valid,
    output wire [DATA_WIDTH-1:0]         log_rsp_data,
    output wire [15:0]                   log_rsp_len
);

`include "nicraft_wire.svh"

localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
localparam SLOT_BEATS_LOG2 = MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1;
localparam LD = LOG_DEPTH_LOG2, SB = SLOT_BEATS_LOG2, DW = DATA_WIDTH, KW = KEEP_WIDTH;
localparam KEY_WIDTH = 88;
// The copy of a frame on another plane can wait behind at most a full RX buffer while the main
// pipeline and the ACK path take frames from the other planes, and can leave the other switch up to
// PLANE_SKEW_CYCLES later: the merge takes at most two keys a cycle (main and ACK path), so the window
// covers both and a copy is always recognised (one plane: only duplicates the wire made, within 16
// frames). docs/architecture.md "Request copies".
localparam DUP_WINDOW = PLANES > 1 ? 2 * (2**RX_FIFO_DEPTH_LOG2) + 16 + 2 * PLANE_SKEW_CYCLES : 16;

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin $error("nicraft_nic: DATA_WIDTH must be 512 (the header accessors assume a 64-byte beat), KEEP_WIDTH DATA_WIDTH/8"); $finish; end
    if (PLANES < 1 || PLANES > 3) begin $error("nicraft_nic: PLANES must be 1..3"); $finish; end
    if (MAX_NODES < 1 || MAX_NODES > 8) begin $error("nicraft_nic: MAX_NODES must be 1..8"); $finish; end
    if (MAX_PAYLOAD < 16 || MAX_FRAME_BYTES > 65535) begin $error("nicraft_nic: MAX_PAYLOAD out of range"); $finish; end
    if (LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin $error("nicraft_nic: LOG_DEPTH_LOG2 must be 2..20"); $finish; end
    if (2**RX_FIFO_DEPTH_LOG2 < 2*MAX_BEATS || 2**HOST_FIFO_DEPTH_LOG2 < 2*MAX_BEATS + 2 || RX_FIFO_DEPTH_LOG2 > 16 || HOST_FIFO_DEPTH_LOG2 > 16) begin $error("nicraft_nic: FIFOs must hold two maximum frames (and at most 2**16 beats)"); $finish; end
    if (PLANE_SKEW_CYCLES < 0 || PLANE_SKEW_CYCLES > 256 || (PLANES > 1 && DUP_WINDOW > 1024)) begin $error("nicraft_nic: PLANE_SKEW_CYCLES must be 0..256 (and the copy window 2*RX buffer beats + 16 + 2*PLANE_SKEW_CYCLES at most 1024)"); $finish; end
    if (TX_FIFO_DEPTH_LOG2 < 1 || TX_FIFO_DEPTH_LOG2 > 16 || 2**TX_FIFO_DEPTH_LOG2 < MAX_BEATS + 1) begin $error("nicraft_nic: TX_FIFO_DEPTH_LOG2 must be 1..16 and hold a maximum frame and a beat"); $finish; end
end

// ---------------------------------------------------------------------------------------------
// Signals between the blocks, in the order of the datapath (first the CSR block's)
wire [7:0] node_id, node_sel, leader_id, members;  wire [15:0] cluster_id;  wire [1:0] role;  wire [3:0] quorum;
wire [31:0] term, hb_interval, hb_commit_delay, ack_count, ack_delay, ack_gap, term_start, nack_interval, nack_delay, rto, silence_cycles;
wire [31:0] term_next, hb_interval_next, hb_commit_delay_next, ack_delay_next, ack_count_next, nack_interval_next, nack_delay_next;
wire [7:0]  reply_mask, succ_id;  wire chain_lead, tail_on, exec_log_mid, role_middle, fast_en, leader_mode, follower_mode;
wire [PLANES-1:0] plane_en;  wire [63:0] cycle;  wire [2:0] match_sel;
wire wr_last_index, wr_commit_index, wr_applied_index, wr_match_index, ctr_clear;
wire [5:0] ctr_rd_index;  wire [63:0] ctr_rd_value;
// RX buffers and plane merge
wire [PLANES*DW-1:0] pl_tdata;  wire [PLANES*KW-1:0] pl_tkeep;  wire [PLANES*16-1:0] pl_len;
wire [PLANES-1:0] pl_tvalid, pl_tready, pl_tlast, pl_frame_in, pl_drop_valid, pl_key_valid, pl_is_ack, pl_is_req;
wire [PLANES*8-1:0] pl_drop_reason;  wire [PLANES*KEY_WIDTH-1:0] pl_key;
wire [PLANES-1:0] pl_dup_drop, pl_off_drop, pl_req_dup_drop;
wire [DW-1:0] rx_tdata, ack_data;  wire [KW-1:0] rx_tkeep;  wire [15:0] rx_len;
wire rx_tvalid, rx_tready, rx_tlast, rx_first, ack_valid;
// execute engine
wire [31:0] last_index, expect_index, ooo_min;  wire window_full, ooo_valid;
wire [LD-1:0] tag_slot, e_log_slot;  wire [63:0] tag_data, e_log_tag;
wire e_log_we, e_log_len_we, e_log_tag_we;  wire [SB-1:0] e_log_beat;  wire [DW-1:0] e_log_data;  wire [15:0] e_log_len;
wire [DW-1:0] app_tdata, pnt_tdata;  wire [KW-1:0] app_tkeep, pnt_tkeep;  wire [7:0] pnt_tuser;
wire app_tvalid, app_tready, app_tlast, pnt_tvalid, pnt_tready, pnt_tlast, append_afull;
wire ev_seq_first, ev_dup, ev_log_grew, ev_gap, ev_ack, ev_nack, ev_commit, ev_drop, ev_punt, ev_hb;
wire ev_seq_end, ev_accept_end, ev_ooo_end, ev_fresh_end, exec_frozen;  wire [31:0] ev_fresh_index;  wire [7:0] ev_src, ev_why;  wire [31:0] ev_index, ev_client, ev_commit_index;
// commit, delivery, generators, retransmission
wire [MAX_NODES*32-1:0] match, match_view;  wire [MAX_NODES*33-1:0] match_p1;  wire [MAX_NODES-1:0] match_moved;
wire [31:0] commit_index, dlv_target, applied_index;
wire dlv_rd_en, dlv_afull, dlv_rd_valid, dlv_rd_first, ev_committed;  wire [LD-1:0] dlv_rd_slot;  wire [SB-1:0] dlv_rd_beat;
wire [15:0] dlv_len, rtx_len;  wire [31:0] rtx_index, rtx_term;  wire [DW-1:0] dlv_rd_data, rtx_rd_data;
wire [DW-1:0] dlv_tdata, gen_tdata, rtx_tdata, evt_tdata;  wire [KW-1:0] dlv_tkeep, gen_tkeep, rtx_tkeep, evt_tkeep;
wire [7:0] dlv_tuser, evt_tuser;
wire dlv_tvalid, dlv_tready, dlv_tlast, gen_tvalid, gen_tready, gen_tlast, gen_afull;
wire rtx_tvalid, rtx_tready, rtx_tlast, evt_tvalid, evt_tready, evt_tlast;
wire [DW-1:0] lw_tdata;  wire [KW-1:0] lw_tkeep;  wire [7:0] lw_tuser;  wire lw_tvalid, lw_tready, lw_tlast, ev_leader_silent;
wire ev_reply_tx, ev_hb_tx, ev_ack_tx, ev_nack_tx, ev_rtx_frame, ev_repair, ev_rtx_stale;
wire rtx_rd_req, rtx_rd_gnt;  wire [LD-1:0] rtx_rd_slot;  wire [SB-1:0] rtx_rd_beat;
// authentication
wire auth_en, auth_tx_kid, auth_pn_load;  wire [3:0] auth_key_valid;  wire [47:0] auth_pn_value;  wire [7:0] auth_replay_clear;
wire [4*11*128-1:0] auth_round_keys;  wire hk_wr;  wire [1:0] hk_wr_ctx;  wire [11:0] hk_wr_word;  wire [31:0] hk_wr_data;
wire [PLANES*DW-1:0] au_tdata;  wire [PLANES*KW-1:0] au_tkeep;  wire [PLANES-1:0] au_tvalid, au_tlast, au_tuser;  wire [PLANES*8-1:0] au_drop;
wire [DW-1:0] sg_tdata;  wire [KW-1:0] sg_tkeep;  wire sg_tvalid, sg_tready, sg_tlast;
// TX
wire [DW-1:0] tx_tdata;  wire [KW-1:0] tx_tkeep;  wire tx_tvalid, tx_tready, tx_tlast, unused_tx_tuser;
wire [PLANES-1:0] ptx_drop;

// ---------------------------------------------------------------------------------------------
// RX: frame authentication, a store-and-forward buffer and a copy key per plane, then the frame-atomic merge
genvar gp;
generate
    for (gp = 0; gp < PLANES; gp = gp + 1) begin : g_plane_rx
        nicraft_rx_auth #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW), .MAX_NODES(MAX_NODES), .MAX_BEATS(MAX_BEATS)) rx_auth_inst (
            .clk(clk), .rst(rst),
            .s_axis_tdata(s_axis_rx_tdata[gp*DW +: DW]), .s_axis_tkeep(s_axis_rx_tkeep[gp*KW +: KW]),
            .s_axis_tvalid(s_axis_rx_tvalid[gp]), .s_axis_tlast(s_axis_rx_tlast[gp]), .s_axis_tuser(s_axis_rx_tuser[gp]),
            .m_axis_tdata(au_tdata[gp*DW +: DW]), .m_axis_tkeep(au_tkeep[gp*KW +: KW]), .m_axis_tvalid(au_tvalid[gp]),
            .m_axis_tlast(au_tlast[gp]), .m_axis_tuser(au_tuser[gp]), .m_axis_drop(au_drop[gp*8 +: 8]),
            .auth_en(auth_en), .key_valid(auth_key_valid), .round_keys(auth_round_keys), .hk_wr(hk_wr), .hk_wr_ctx(hk_wr_ctx), .hk_wr_word(hk_wr_word), .hk_wr_data(hk_wr_data),
            .replay_clear(auth_replay_clear)
        );
        nicraft_rx_fifo #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW), .DEPTH_LOG2(RX_FIFO_DEPTH_LOG2), .MAX_BEATS(MAX_BEATS)) rx_fifo_inst (
            .clk(clk), .rst(rst),
            .s_axis_tdata(au_tdata[gp*DW +: DW]), .s_axis_tkeep(au_tkeep[gp*KW +: KW]),
            .s_axis_tvalid(au_tvalid[gp]), .s_axis_tready(s_axis_rx_tready[gp]),
            .s_axis_tlast(au_tlast[gp]), .s_axis_tuser(au_tuser[gp]), .s_axis_drop(au_drop[gp*8 +: 8]),
            .m_axis_tdata(pl_tdata[gp*DW +: DW]), .m_axis_tkeep(pl_tkeep[gp*KW +: KW]), .m_axis_tvalid(pl_tvalid[gp]),
            .m_axis_tready(pl_tready[gp]), .m_axis_tlast(pl_tlast[gp]), .m_axis_len(pl_len[gp*16 +: 16]),
            .frame_in(pl_frame_in[gp]), .drop_valid(pl_drop_valid[gp]), .drop_reason(pl_drop_reason[gp*8 +: 8])
        );
        nicraft_rx_key #(.DATA_WIDTH(DW), .MAX_NODES(MAX_NODES), .KEY_WIDTH(KEY_WIDTH)) rx_key_inst (
            .tdata(pl_tdata[gp*DW +: DW]), .tlast(pl_tlast[gp]), .len(pl_len[gp*16 +: 16]),
            .cluster_id(cluster_id), .leader_mode(leader_mode), .term(term), .node_id(node_id), .members(members),
            .last_index(last_index),
            .key(pl_key[gp*KEY_WIDTH +: KEY_WIDTH]), .key_valid(pl_key_valid[gp]), .is_ack(pl_is_ack[gp]), .is_req(pl_is_req[gp])
        );
    end
endgenerate

nicraft_plane_merge #(.PLANES(PLANES), .DATA_WIDTH(DW), .KEEP_WIDTH(KW), .KEY_WIDTH(KEY_WIDTH), .WINDOW(DUP_WINDOW)) plane_merge_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(pl_tdata), .s_axis_tkeep(pl_tkeep), .s_axis_tvalid(pl_tvalid), .s_axis_tready(pl_tready),
    .s_axis_tlast(pl_tlast), .s_len(pl_len), .s_key(pl_key), .s_key_valid(pl_key_valid), .s_is_ack(pl_is_ack), .s_is_req(pl_is_req),
    .plane_en(plane_en), .now(cycle[31:0]),
    .m_axis_tdata(rx_tdata), .m_axis_tkeep(rx_tkeep), .m_axis_tvalid(rx_tvalid), .m_axis_tready(rx_tready),
    .m_axis_tlast(rx_tlast), .m_len(rx_len), .m_first(rx_first),
    .m_ack_valid(ack_valid), .m_ack_data(ack_data), .dup_drop(pl_dup_drop), .off_drop(pl_off_drop),
    .req_dup_drop(pl_req_dup_drop)
);

// ---------------------------------------------------------------------------------------------
// Execute, log RAM, commit
nicraft_exec #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW), .MAX_NODES(MAX_NODES), .LOG_DEPTH_LOG2(LD), .MAX_PAYLOAD(MAX_PAYLOAD),
    .TX_FIFO_DEPTH_LOG2(TX_FIFO_DEPTH_LOG2), .HOST_FIFO_DEPTH_LOG2(HOST_FIFO_DEPTH_LOG2)) exec_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(rx_tdata), .s_axis_tkeep(rx_tkeep), .s_axis_tvalid(rx_tvalid), .s_axis_tready(rx_tready),
    .s_axis_tlast(rx_tlast), .s_len(rx_len), .s_first(rx_first),
    .node_id(node_id), .cluster_id(cluster_id), .role(role), .term(term), .term_next(term_next), .leader_id(leader_id), .members(members), .succ_id(succ_id),
    .fast_en(fast_en), .commit_index(commit_index), .applied_index(applied_index),
    .wr_last_index(wr_last_index), .wr_data(csr_wr_data),
    .last_index(last_index), .expect_index(expect_index), .window_full(window_full), .ooo_valid(ooo_valid), .ooo_min(ooo_min),
    .tag_slot(tag_slot), .tag_data(tag_data),
    .log_we(e_log_we), .log_slot(e_log_slot), .log_beat(e_log_beat), .log_data(e_log_data),
    .log_len_we(e_log_len_we), .log_len(e_log_len), .log_tag_we(e_log_tag_we), .log_tag(e_log_tag),
    .m_axis_append_tdata(app_tdata), .m_axis_append_tkeep(app_tkeep), .m_axis_append_tvalid(app_tvalid),
    .m_axis_append_tready(app_tready), .m_axis_append_tlast(app_tlast), .append_afull(append_afull),
    .m_axis_punt_tdata(pnt_tdata), .m_axis_punt_tkeep(pnt_tkeep), .m_axis_punt_tvalid(pnt_tvalid),
    .m_axis_punt_tready(pnt_tready), .m_axis_punt_tlast(pnt_tlast), .m_axis_punt_tuser(pnt_tuser),
    .ev_seq_first(ev_seq_first), .ev_dup(ev_dup), .ev_log_grew(ev_log_grew), .ev_gap(ev_gap),
    .ev_ack(ev_ack), .ev_nack(ev_nack), .ev_src(ev_src), .ev_index(ev_index), .ev_client(ev_client),
    .ev_commit(ev_commit), .ev_commit_index(ev_commit_index), .ev_drop(ev_drop), .ev_why(ev_why), .ev_punt(ev_punt),
    .ev_hb(ev_hb), .ev_seq_end(ev_seq_end), .ev_accept_end(ev_accept_end), .ev_ooo_end(ev_ooo_end),
    .ev_fresh_end(ev_fresh_end), .ev_fresh_index(ev_fresh_index),
    .frozen(exec_frozen), .log_mid(exec_log_mid)
);

nicraft_log_ram #(.DATA_WIDTH(DW), .LOG_DEPTH_LOG2(LD), .MAX_PAYLOAD(MAX_PAYLOAD)) log_ram_inst (
    .clk(clk), .rst(rst),
    .wr_en(e_log_we), .wr_slot(e_log_slot), .wr_beat(e_log_beat), .wr_data(e_log_data),
    .wr_len_en(e_log_len_we), .wr_len(e_log_len), .wr_tag_en(e_log_tag_we), .wr_tag(e_log_tag),
    .log_req_valid(log_req_valid), .log_req_ready(log_req_ready), .log_req_write(log_req_write),
    .log_req_index(log_req_index), .log_req_beat(log_req_beat), .log_req_data(log_req_data), .log_req_len(log_req_len),
    .log_rsp_valid(log_rsp_valid), .log_rsp_data(log_rsp_data), .log_rsp_len(log_rsp_len),
    .dlv_rd_en(dlv_rd_en), .dlv_rd_slot(dlv_rd_slot), .dlv_rd_beat(dlv_rd_beat), .dlv_rd_data(dlv_rd_data), .dlv_len(dlv_len),
    .rtx_rd_req(rtx_rd_req), .rtx_rd_gnt(rtx_rd_gnt), .rtx_rd_slot(rtx_rd_slot), .rtx_rd_beat(rtx_rd_beat),
    .rtx_rd_data(rtx_rd_data), .rtx_len(rtx_len), .rtx_index(rtx_index), .rtx_term(rtx_term), .tag_slot(tag_slot), .tag_data(tag_data)
);

nicraft_commit #(.MAX_NODES(MAX_NODES)) commit_inst (
    .clk(clk), .rst(rst),
    .leader_mode(leader_mode), .fast_en(fast_en), .node_sel(node_sel), .members(members), .quorum(quorum), .leader_id(leader_id), .term_start(term_start), .chain_lead(chain_lead), .tail_on(tail_on), .log_mid(exec_log_mid),
    .last_index(last_index),
    .ack_valid(ack_valid), .ack_src(nr_get_src_node(ack_data)), .ack_index(nr_get_log_index(ack_data)),
    .ev_ack(ev_ack), .ev_nack(ev_nack), .ev_src(ev_src), .ev_index(ev_index),
    .ev_commit(ev_commit), .ev_commit_index(ev_commit_index), .ev_hb(ev_hb), .ev_client(ev_client), .ev_fresh_end(ev_fresh_end), .ev_fresh_index(ev_fresh_index),
    .wr_commit_index(wr_commit_index), .wr_match_index(wr_match_index), .match_sel(match_sel),
    .wr_last_index(wr_last_index), .wr_data(csr_wr_data),
    .match(match), .match_p1(match_p1), .match_moved(match_moved), .match_view(match_view),
    .commit_index(commit_index), .dlv_target(dlv_target)
);

// ---------------------------------------------------------------------------------------------
// Delivery, generated frames, retransmission
nicraft_deliver #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW), .LOG_DEPTH_LOG2(LD), .MAX_PAYLOAD(MAX_PAYLOAD),
    .HOST_FIFO_DEPTH_LOG2(HOST_FIFO_DEPTH_LOG2)) deliver_inst (
    .clk(clk), .rst(rst),
    .dlv_target(dlv_target), .commit_index(commit_index), .gen_afull(gen_afull),
    .wr_applied_index(wr_applied_index), .wr_commit_index(wr_commit_index), .wr_data(csr_wr_data),
    .rd_en(dlv_rd_en), .rd_slot(dlv_rd_slot), .rd_beat(dlv_rd_beat), .rd_len(dlv_len), .rd_data(dlv_rd_data),
    .applied_index(applied_index), .dlv_afull(dlv_afull), .rd_valid(dlv_rd_valid), .rd_first(dlv_rd_first),
    .ev_committed(ev_committed),
    .m_axis_tdata(dlv_tdata), .m_axis_tkeep(dlv_tkeep), .m_axis_tvalid(dlv_tvalid), .m_axis_tready(dlv_tready),
    .m_axis_tlast(dlv_tlast), .m_axis_tuser(dlv_tuser)
);

nicraft_ctl_gen #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW)) ctl_gen_inst (
    .clk(clk), .rst(rst),
    .role(role), .role_middle(role_middle), .fast_en(fast_en), .node_id(node_id), .cluster_id(cluster_id), .leader_id(leader_id), .succ_id(succ_id), .term(term),
    .last_index(last_index), .expect_index(expect_index), .commit_index(commit_index), .hb_interval(hb_interval), .hb_commit_delay(hb_commit_delay),
    .ack_count(ack_count), .ack_delay(ack_delay), .ack_gap(ack_gap), .nack_interval(nack_interval), .nack_delay(nack_delay), .reply_mask(reply_mask),
    .hb_interval_next(hb_interval_next), .hb_commit_delay_next(hb_commit_delay_next), .ack_delay_next(ack_delay_next),
    .ack_count_next(ack_count_next), .nack_interval_next(nack_interval_next), .nack_delay_next(nack_delay_next),
    .ooo_valid(ooo_valid), .ooo_min(ooo_min),
    .ev_seq_first(ev_seq_first), .ev_dup(ev_dup), .ev_log_grew(ev_log_grew), .ev_gap(ev_gap),
    .wr_last_index(wr_last_index), .wr_data(csr_wr_data),
    .dlv_rd_valid(dlv_rd_valid), .dlv_rd_first(dlv_rd_first), .dlv_rd_data(dlv_rd_data),
    .m_axis_tdata(gen_tdata), .m_axis_tkeep(gen_tkeep), .m_axis_tvalid(gen_tvalid), .m_axis_tready(gen_tready),
    .m_axis_tlast(gen_tlast), .gen_afull(gen_afull),
    .ev_reply_tx(ev_reply_tx), .ev_hb_tx(ev_hb_tx), .ev_ack_tx(ev_ack_tx), .ev_nack_tx(ev_nack_tx)
);

nicraft_rtx #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW), .MAX_NODES(MAX_NODES), .LOG_DEPTH_LOG2(LD), .MAX_PAYLOAD(MAX_PAYLOAD)) rtx_inst (
    .clk(clk), .rst(rst),
    .leader_mode(leader_mode), .node_id(node_id), .members(members), .cluster_id(cluster_id), .term(term),
    .last_index(last_index), .commit_index(commit_index), .rto(rto),
    .match(match), .match_p1(match_p1), .match_moved(match_moved),
    .ev_nack(ev_nack), .ev_src(ev_src), .ev_index(ev_index), .ev_client(ev_client),
    .rd_req(rtx_rd_req), .rd_gnt(rtx_rd_gnt), .rd_slot(rtx_rd_slot), .rd_beat(rtx_rd_beat), .rd_len(rtx_len),
    .rd_index(rtx_index), .rd_term(rtx_term), .rd_data(rtx_rd_data),
    .m_axis_tdata(rtx_tdata), .m_axis_tkeep(rtx_tkeep), .m_axis_tvalid(rtx_tvalid), .m_axis_tready(rtx_tready),
    .m_axis_tlast(rtx_tlast),
    .m_axis_evt_tdata(evt_tdata), .m_axis_evt_tkeep(evt_tkeep), .m_axis_evt_tvalid(evt_tvalid),
    .m_axis_evt_tready(evt_tready), .m_axis_evt_tlast(evt_tlast), .m_axis_evt_tuser(evt_tuser),
    .ev_rtx_frame(ev_rtx_frame), .ev_repair(ev_repair), .ev_stale(ev_rtx_stale)
);

// Leader-silence detection (follower)
nicraft_leader_watch #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW)) leader_watch_inst (
    .clk(clk), .rst(rst),
    .follower_mode(follower_mode), .silence_cycles(silence_cycles), .ev_commit(ev_commit), .ev_dup(ev_dup), .ev_gap(ev_gap),
    .cluster_id(cluster_id), .node_id(node_id), .leader_id(leader_id), .term(term),
    .m_axis_tdata(lw_tdata), .m_axis_tkeep(lw_tkeep), .m_axis_tvalid(lw_tvalid), .m_axis_tready(lw_tready),
    .m_axis_tlast(lw_tlast), .m_axis_tuser(lw_tuser), .ev_silent(ev_leader_silent)
);

// ---------------------------------------------------------------------------------------------
// Host RX queue: committed entries, punts, needs-repair and leader-silence events
nicraft_axis_arb #(.PORTS(4), .DATA_WIDTH(DW), .KEEP_WIDTH(KW), .USER_WIDTH(8)) host_rx_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata({lw_tdata, evt_tdata, pnt_tdata, dlv_tdata}), .s_axis_tkeep({lw_tkeep, evt_tkeep, pnt_tkeep, dlv_tkeep}),
    .s_axis_tvalid({lw_tvalid, evt_tvalid, pnt_tvalid, dlv_tvalid}), .s_axis_tready({lw_tready, evt_tready, pnt_tready, dlv_tready}),
    .s_axis_tlast({lw_tlast, evt_tlast, pnt_tlast, dlv_tlast}), .s_axis_tuser({lw_tuser, evt_tuser, pnt_tuser, dlv_tuser}),
    .m_axis_tdata(m_axis_host_rx_tdata), .m_axis_tkeep(m_axis_host_rx_tkeep),
    .m_axis_tvalid(m_axis_host_rx_tvalid), .m_axis_tready(m_axis_host_rx_tready),
    .m_axis_tlast(m_axis_host_rx_tlast), .m_axis_tuser(m_axis_host_rx_tuser)
);

// TX: APPENDs, retransmissions, generated frames and the host's frames, then one FIFO per plane
nicraft_axis_arb #(.PORTS(4), .DATA_WIDTH(DW), .KEEP_WIDTH(KW), .USER_WIDTH(1)) tx_arb_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata({s_axis_host_tx_tdata, gen_tdata, rtx_tdata, app_tdata}),
    .s_axis_tkeep({s_axis_host_tx_tkeep, gen_tkeep, rtx_tkeep, app_tkeep}),
    .s_axis_tvalid({s_axis_host_tx_tvalid, gen_tvalid, rtx_tvalid, app_tvalid}),
    .s_axis_tready({s_axis_host_tx_tready, gen_tready, rtx_tready, app_tready}),
    .s_axis_tlast({s_axis_host_tx_tlast, gen_tlast, rtx_tlast, app_tlast}), .s_axis_tuser(4'b0000),
    .m_axis_tdata(tx_tdata), .m_axis_tkeep(tx_tkeep), .m_axis_tvalid(tx_tvalid), .m_axis_tready(tx_tready),
    .m_axis_tlast(tx_tlast), .m_axis_tuser(unused_tx_tuser)
);

// Every frame signed once, before the copies per plane
nicraft_tx_sign #(.DATA_WIDTH(DW), .KEEP_WIDTH(KW), .MAX_BEATS(MAX_BEATS)) tx_sign_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(tx_tdata), .s_axis_tkeep(tx_tkeep), .s_axis_tvalid(tx_tvalid), .s_axis_tready(tx_tready),
    .s_axis_tlast(tx_tlast),
    .m_axis_tdata(sg_tdata), .m_axis_tkeep(sg_tkeep), .m_axis_tvalid(sg_tvalid), .m_axis_tready(sg_tready),
    .m_axis_tlast(sg_tlast),
    .auth_en(auth_en), .tx_kid(auth_tx_kid), .pn_load(auth_pn_load), .pn_value(auth_pn_value),
    .round_keys(auth_round_keys), .hk_wr(hk_wr), .hk_wr_ctx(hk_wr_ctx), .hk_wr_word(hk_wr_word), .hk_wr_data(hk_wr_data)
);

nicraft_tx_fanout #(.PLANES(PLANES), .DATA_WIDTH(DW), .KEEP_WIDTH(KW), .TX_FIFO_DEPTH_LOG2(TX_FIFO_DEPTH_LOG2),
    .MAX_BEATS(MAX_BEATS)) tx_fanout_inst (
    .clk(clk), .rst(rst), .plane_en(plane_en),
    .s_axis_tdata(sg_tdata), .s_axis_tkeep(sg_tkeep), .s_axis_tvalid(sg_tvalid), .s_axis_tready(sg_tready),
    .s_axis_tlast(sg_tlast),
    .m_axis_tdata(m_axis_tx_tdata), .m_axis_tkeep(m_axis_tx_tkeep), .m_axis_tvalid(m_axis_tx_tvalid),
    .m_axis_tready(m_axis_tx_tready), .m_axis_tlast(m_axis_tx_tlast), .drop(ptx_drop)
);

// ---------------------------------------------------------------------------------------------
// Registers and counters
nicraft_csr #(.MAX_NODES(MAX_NODES), .PLANES(PLANES), .DATA_WIDTH(DW), .LOG_DEPTH_LOG2(LD), .MAX_PAYLOAD(MAX_PAYLOAD),
    .SLOT_BEATS(MAX_BEATS > 1 ? 2**SB : 1)) csr_inst (
    .clk(clk), .rst(rst),
    .csr_wr_en(csr_wr_en), .csr_rd_en(csr_rd_en), .csr_addr(csr_addr), .csr_wr_data(csr_wr_data),
    .csr_rd_data(csr_rd_data), .csr_rd_valid(csr_rd_valid),
    .node_id(node_id), .node_sel(node_sel), .cluster_id(cluster_id), .role(role), .term(term), .leader_id(leader_id), .members(members),
    .quorum(quorum), .fast_en(fast_en), .leader_mode(leader_mode), .follower_mode(follower_mode),
    .hb_interval(hb_interval), .hb_commit_delay(hb_commit_delay), .ack_count(ack_count), .ack_delay(ack_delay), .ack_gap(ack_gap),
    .term_start(term_start), .plane_en(plane_en), .nack_interval(nack_interval), .nack_delay(nack_delay), .rto(rto),
    .silence_cycles(silence_cycles), .reply_mask(reply_mask), .succ_id(succ_id), .role_middle(role_middle), .chain_lead(chain_lead), .tail_on(tail_on), .cycle(cycle),
    .term_next(term_next), .hb_interval_next(hb_interval_next), .hb_commit_delay_next(hb_commit_delay_next),
    .ack_delay_next(ack_delay_next), .ack_count_next(ack_count_next), .nack_interval_next(nack_interval_next), .nack_delay_next(nack_delay_next),
    .wr_last_index(wr_last_index), .wr_commit_index(wr_commit_index), .wr_applied_index(wr_applied_index),
    .wr_match_index(wr_match_index), .match_sel(match_sel), .ctr_clear(ctr_clear),
    .last_index(last_index), .commit_index(commit_index), .applied_index(applied_index), .match_view(match_view),
    .status({exec_frozen, append_afull, window_full, dlv_afull}), .ctr_rd_index(ctr_rd_index), .ctr_rd_value(ctr_rd_value)
);

nicraft_auth_csr #(.MAX_BEATS(MAX_BEATS)) auth_csr_inst (
    .clk(clk), .rst(rst),
    .csr_wr_en(csr_wr_en), .csr_addr(csr_addr), .csr_wr_data(csr_wr_data),
    .auth_en(auth_en), .key_valid(auth_key_valid), .tx_kid(auth_tx_kid), .pn_load(auth_pn_load), .pn_value(auth_pn_value),
    .replay_clear(auth_replay_clear), .round_keys(auth_round_keys), .hk_wr(hk_wr), .hk_wr_ctx(hk_wr_ctx), .hk_wr_word(hk_wr_word), .hk_wr_data(hk_wr_data)
);

nicraft_stats #(.PLANES(PLANES)) stats_inst (
    .clk(clk), .rst(rst), .clear(ctr_clear),
    .pl_frame_in(pl_frame_in), .pl_drop_valid(pl_drop_valid), .pl_drop_reason(pl_drop_reason),
    .pl_dup_drop(pl_dup_drop), .pl_off_drop(pl_off_drop), .pl_req_dup_drop(pl_req_dup_drop), .pl_tx_frame(m_axis_tx_tvalid & m_axis_tx_tready & m_axis_tx_tlast),
    .pl_tx_drop(ptx_drop),
    .e_drop(ev_drop), .e_why(ev_why), .e_punt(ev_punt), .e_hb(ev_hb), .e_ack(ev_ack), .e_nack(ev_nack),
    .e_seq_end(ev_seq_end), .e_accept_end(ev_accept_end), .e_ooo_end(ev_ooo_end), .ack_path(ack_valid),
    .reply_tx(ev_reply_tx), .hb_tx(ev_hb_tx), .ack_tx(ev_ack_tx), .nack_tx(ev_nack_tx), .committed(ev_committed),
    .rtx_frame(ev_rtx_frame), .repair(ev_repair), .rtx_stale(ev_rtx_stale), .leader_silent(ev_leader_silent),
    .host_tx_frame(s_axis_host_tx_tvalid && s_axis_host_tx_tready && s_axis_host_tx_tlast),
    .tx_frame(tx_tvalid && tx_tready && tx_tlast), .rd_index(ctr_rd_index), .rd_value(ctr_rd_value)
);

wire _unused_ok = &{1'b0, unused_tx_tuser, cycle[63:32], 1'b0};

endmodule

`resetall
