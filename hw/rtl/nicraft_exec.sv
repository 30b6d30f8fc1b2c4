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
    // the value term holds next cycle (nicraft_csr): the D beat's term compares are registered with it
    input  wire [31:0]                term_next,
    input  wire [7:0]                 leader_id,
    input  wire [7:0]                 members,
    // CHAIN.SUCC_ID (0xFF: none): a leader's APPENDs, and a chain middle's (ROLE 3) forwarded frames, go to it
    input  wire [7:0]                 succ_id,
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
    // last beat of an accepted APPEND not flagged RETRANSMIT (follower commit, nicraft_commit), and its index
    output wire                       ev_fresh_end,
    output wire [31:0]                ev_fresh_index,

    // STATUS.FROZEN: the fast path is off (fast_en low) and no frame it took is still being written
    // to the log RAM (a REQ sequenced, an APPEND accepted or buffered before fast_en fell completes
    // its beats, and the log grows at its last beat): LAST_INDEX is final until the host acts
    output wire                       frozen,
    // a frame's first beats are in the log RAM, its last is not (the tail moves at its last beat)
    output wire                       log_mid
);

`include "nicraft_wire.svh"

localparam LOG_DEPTH = 2**LOG_DEPTH_LOG2;
localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;
localparam NODE_WIDTH = 3;
localparam [1:0] ROLE_OFF = 2'd0, ROLE_LEADER = 2'd2, ROLE_MIDDLE = 2'd3;   // ROLE[0]: follows LEADER_ID, ROLE[1]: leads
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
wire follower_mode = fast_en && role[0];   // a follower or a chain middle (ROLE 1, 3)
wire [47:0] my_mac = NR_MAC_NODE_PREFIX | {40'd0, node_id};
// where a leader's APPENDs and a chain middle's forwarded frames go: the successor, or the group
wire        succ_on = succ_id != 8'hFF;
wire [47:0] succ_mac = succ_on ? (NR_MAC_NODE_PREFIX | {40'd0, succ_id}) : NR_MAC_GROUP;
wire [7:0]  succ_node = succ_on ? succ_id : 8'hFF;

// ---------------------------------------------------------------------------------------------
// Registers
reg                       d_valid_reg = 1'b0, d_valid_next;
reg [DATA_WIDTH-1:0]      d_data_reg = 0;
reg [KEEP_WIDTH-1:0]      d_keep_reg = 0;
reg                       d_last_reg = 1'b0;
reg                       d_first_reg = 1'b0;
reg [7:0]                 d_bad_reg = 8'd0, d_bad_next;   // drop reason, 0 = good
reg                       d_good_reg = 1'b1, d_good_next;  // d_bad_reg == 0

reg [3:0]                 e_act_reg = A_DROP;              // the decision of the frame in progress
reg                       e_seq_reg = 1'b0, e_accept_reg = 1'b0, e_ooo_reg = 1'b0, e_punt_reg = 1'b0;   // e_act_reg == A_*
reg [7:0]                 e_why_reg = 8'd0;
reg [31:0]                e_index_reg = 32'd0;             // its log index
reg                       e_rtx_reg = 1'b0;                // its first beat is flagged RETRANSMIT
reg                       e_fwd_reg = 1'b0;                // a chain middle forwards it (an ACCEPT, an OOO or a HEARTBEAT, ROLE 3)
reg [SLOT_BEATS_LOG2-1:0] e_beat_reg = 0;
reg                       e_log_mid_reg = 1'b0, e_log_mid_next;   // a frame's first beats are in the log RAM, its last is not

reg [31:0]                last_index_reg = 32'd0, last_index_next;
// derived from last_index_reg, kept in registers so that the decision compares registers with
// registers (no adder in series with a compare): last + 1 and last + LOG_DEPTH (33 bits, no wrap)
reg [31:0]                expect_index_reg = 32'd1, expect_index_next;
reg [32:0]                last_plus_depth_reg = 33'(LOG_DEPTH), last_plus_depth_next;
// the window's low end: applied_index must lie in [last - (LOG_DEPTH - 1), last] (mod 2**32) for the
// window to have room; tail_lo_wrap_reg: that range wraps past zero (last < LOG_DEPTH - 1)
reg [31:0]                tail_lo_reg = 32'd0 - 32'(LOG_DEPTH - 1), tail_lo_next;
reg                       tail_lo_wrap_reg = 1'b1, tail_lo_wrap_next;
// copies of last_index_reg, tail_lo_reg and tail_lo_wrap_reg, kept inverted (so that the synthesis
// merges neither them nor the compares after them with the originals): the window test of the write
// enables, whose net then drives a few enables rather than the wide next-state logic as well
reg [31:0]                last_index_n_reg = ~32'd0;
reg [31:0]                tail_lo_n_reg = ~(32'd0 - 32'(LOG_DEPTH - 1));
reg                       tail_lo_wrap_n_reg = 1'b0;
// the frame type of the D beat, decoded as it enters D (one-hot, any type may be bad: d_bad_reg)
reg                       d_t_req_reg = 1'b0, d_t_append_reg = 1'b0, d_t_ack_reg = 1'b0, d_t_nack_reg = 1'b0;
reg                       d_t_hb_reg = 1'b0, d_t_ctl_reg = 1'b0;
reg                       ooo_valid_reg = 1'b0, ooo_valid_next;
// the D beat's log index less LOG_DEPTH, computed as the beat enters D (and whether that wraps below
// zero): the test "index - applied > LOG_DEPTH" is then two compares of applied_index with registers
// (applied in [index - LOG_DEPTH, index] mod 2**32), not a subtract in series with a reduction
reg [31:0]                d_index_lo_reg = 32'd0 - 32'(LOG_DEPTH);
reg                       d_index_lo_wrap_reg = 1'b1;
reg [31:0]                ooo_min_reg = 32'd0, ooo_min_next;

// The D beat's term compared with TERM, a cycle ahead: with the term the D register will hold (the
// entering beat's, or its own) and TERM's next value (nicraft_csr's term_next). So in every cycle
// d_term_gt_reg == (d_term > term) and d_term_lt_reg == (d_term < term) (asserted below).
reg                       d_term_gt_reg = 1'b0, d_term_lt_reg = 1'b0;

// ---------------------------------------------------------------------------------------------
// D: the stateless header checks of a first beat
wire [15:0] rx_plen = nr_get_payload_len(s_axis_tdata);
wire [7:0]  rx_type = nr_get_type(s_axis_tdata);
// the length the payload length implies: HDR + payload, padded to the minimum frame; the checks side
// by side, then their priority
// (the compares of a length with a constant written bit by bit, a >= c from the low bit up: a tree of
// LUTs on the length's bits rather than a LUT, a carry chain and a LUT in series)
`include "nicraft_util.svh"
wire        rx_padded = !nr_ge_const(17'(rx_plen), 17'(NR_MIN_FRAME_BYTES - NR_HDR_BYTES));   // rx_plen + HDR < MIN
// s_len == rx_plen + HDR without an adder: A + B == C exactly when A ^ B ^ C equals the carries
// (A & B) | ((A | B) & ~C) shifted up by one (each bit looks at two bit positions only)
wire [16:0] len_a = {1'b0, rx_plen};
wire [16:0] len_b = 17'(NR_HDR_BYTES);
wire [16:0] len_c = {1'b0, s_len};
wire [15:0] len_carry = (len_a[15:0] & len_b[15:0]) | ((len_a[15:0] | len_b[15:0]) & ~len_c[15:0]);
wire        rx_len_matches = (len_a ^ len_b ^ len_c) == {len_carry, 1'b0};
wire        b_short = !nr_ge_const(17'(s_len), 17'(NR_HDR_BYTES));
wire        b_ethertype = nr_get_ethertype(s_axis_tdata) != NR_ETHERTYPE;
wire        b_version = nr_get_version(s_axis_tdata) != NR_VERSION;
wire        b_cluster = nr_get_cluster_id(s_axis_tdata) != cluster_id;
wire        b_type = rx_type < NR_TYPE_REQ || rx_type > NR_TYPE_CONTROL;
wire        b_length = nr_ge_const(17'(rx_plen), 17'(MAX_PAYLOAD + 1)) ||
                       (rx_padded ? 32'(s_len) != NR_MIN_FRAME_BYTES : !rx_len_matches);
wire [7:0]  rx_bad =
    b_short     ? NR_DROP_SHORT :
    b_ethertype ? NR_DROP_BAD_ETHERTYPE :
    b_version   ? NR_DROP_BAD_VERSION :
    b_cluster   ? NR_DROP_BAD_CLUSTER :
    b_type      ? NR_DROP_BAD_TYPE :
    b_length    ? NR_DROP_BAD_LENGTH :
    8'd0;
wire        rx_good = !(b_short || b_ethertype || b_version || b_cluster || b_type || b_length);

// ---------------------------------------------------------------------------------------------
// E: the decision, from the D registers and the state
wire punt_afull;
wire adv = !append_afull;           // the pipeline moves unless the APPEND FIFO is nearly full
(* keep *) wire fire = d_valid_reg && adv;
assign s_axis_tready = !d_valid_reg || adv;

wire [7:0]  d_type   = nr_get_type(d_data_reg);
wire [31:0] d_term   = nr_get_term(d_data_reg);
wire [31:0] d_index  = nr_get_log_index(d_data_reg);
wire [31:0] d_commit = nr_get_commit_index(d_data_reg);
wire [7:0]  d_src    = nr_get_src_node(d_data_reg);
wire [7:0]  d_flags  = nr_get_flags(d_data_reg);
wire        d_rtx    = d_flags[NR_FLAG_RETRANSMIT];
wire        d_member = d_src < 8'(MAX_NODES) && members[d_src[NODE_WIDTH-1:0]];
wire        d_src_ok = d_member && d_src != node_id;
// a node frame's source is known: a member, or the leader register (a leader that removes itself leads,
// outside MEMBERS, until its removal commits: docs/control-plane.md section 5)
wire        d_src_known = d_member || d_src == leader_id;

wire [31:0] window_used = last_index_reg - applied_index;   // entries the log RAM must keep
// window_used >= LOG_DEPTH, as two compares of applied_index with registers side by side
wire applied_ge_lo = applied_index >= tail_lo_reg;
wire applied_le_last = applied_index <= last_index_reg;
(* keep *) wire window_full_w = tail_lo_wrap_reg ? !(applied_ge_lo || applied_le_last) : !(applied_ge_lo && applied_le_last);
assign window_full = window_full_w;
// the same test for the write enables alone, from the inverted copies of the registers: its net
// drives a few enables, not the wide next-state logic
wire window_full_we = !tail_lo_wrap_n_reg ? !(applied_index >= ~tail_lo_n_reg || applied_index <= ~last_index_n_reg)
                                          : !(applied_index >= ~tail_lo_n_reg && applied_index <= ~last_index_n_reg);

// The decision of a first beat, as one-hot conditions evaluated side by side (each the conjunction of
// its branch in the priority order below, written out so that no compare waits on another): the
// deepest is a buffered APPEND (OOO), whose index is compared with the log's tail and with the
// applied index in parallel. The priority order, the reference the assertions check it against:
//   bad header: DROP (d_bad_reg); CONTROL: PUNT; REQ: PUNT unless the leader, DROP LOG_FULL on a full
//   window, else SEQ; APPEND / HEARTBEAT / ACK / NACK: PUNT FAST_OFF; DROP NOT_MEMBER (the source neither
//   a member nor LEADER_ID, any term); PUNT TERM_NEWER; DROP NOT_LEADER (an APPEND / HEARTBEAT not from
//   the leader this NIC follows); PUNT TERM_OLDER; then (this term)
//   APPEND / HEARTBEAT (from the leader): HB; APPEND at expect: ACCEPT (DROP
//   LOG_FULL on a full window), at or below the tail: DUP, more than LOG_DEPTH beyond the tail: DROP
//   FUTURE_INDEX, more than LOG_DEPTH beyond the applied index: DROP LOG_FULL, else OOO; ACK / NACK
//   from a member (leader; PUNT NOT_MEMBER otherwise): NACK for 1..expect else DROP BAD_ACK, ACK up
//   to the tail else DROP BAD_ACK; other types (REPLY): PUNT OTHER. A punt without room: DROP PUNT_FULL.
wire        d_good    = d_good_reg;
wire        d_rep     = d_t_append_reg || d_t_hb_reg || d_t_ack_reg || d_t_nack_reg;
wire        d_other   = !d_t_ctl_reg && !d_t_req_reg && !d_rep;
wire        fast_off  = !fast_en || role == ROLE_OFF;
// the D beat's term against TERM: registered compares (below), not three carry chains on the decision
wire        term_newer = d_term_gt_reg;
wire        term_older = d_term_lt_reg;
wire        term_same  = !(d_term_gt_reg || d_term_lt_reg);
wire        ah_from_leader = role[0] && d_src == leader_id;   // ROLE 1 or 3: APPENDs / HEARTBEATs from LEADER_ID
wire        an_from_member = role[1] && d_src_ok;             // ROLE 2 or 3: ACKs / NACKs from a member
// the index against the tail (registers on both sides) and against the applied index
wire        idx_expect = d_index == expect_index_reg;
wire        idx_le_last = d_index <= last_index_reg;
wire        idx_future = {1'b0, d_index} > last_plus_depth_reg;   // d_index - last > LOG_DEPTH, given d_index > last
wire        applied_ge_idx_lo = applied_index >= d_index_lo_reg;
wire        applied_le_idx = applied_index <= d_index;
wire        idx_far = d_index_lo_wrap_reg ? !(applied_ge_idx_lo || applied_le_idx)
                                          : !(applied_ge_idx_lo && applied_le_idx);   // d_index - applied > LOG_DEPTH
wire        nack_in_range = d_index != 32'd0 && !(d_index > expect_index_reg);

wire rep_on   = d_good && d_rep && !fast_off;
// an APPEND / HEARTBEAT this NIC does not take as its leader's (a follower's LEADER_ID; a leader takes none)
wire ah_not_leader = (d_t_append_reg || d_t_hb_reg) && !ah_from_leader;
// (ah_ok and an_ok need no d_src_known: a frame from the leader, or from a member, is known)
wire rep_cur  = rep_on && term_same;
wire ah_ok    = rep_cur && (d_t_append_reg || d_t_hb_reg) && ah_from_leader;
wire app_ok   = ah_ok && d_t_append_reg;
wire app_gap  = app_ok && !idx_expect && !idx_le_last;   // beyond the tail + 1
wire an_ok    = rep_cur && (d_t_ack_reg || d_t_nack_reg) && an_from_member;

wire c_bad       = !d_good;
wire c_not_member = rep_on && !d_src_known;
wire c_not_leader = rep_on && d_src_known && ah_not_leader && !term_newer;
// the conditions that also wait on window_full are settled without it first (kept wires: the window
// compare is the latest input, so it is the last step before the write enables)
(* keep *) wire seq_pre = d_good && d_t_req_reg && leader_mode;
wire c_seq       = seq_pre && !window_full_w;
wire c_req_full  = seq_pre && window_full_w;
wire c_hb        = ah_ok && d_t_hb_reg;
(* keep *) wire accept_pre = app_ok && idx_expect;
wire c_accept    = accept_pre && !window_full_w;
wire c_app_full  = accept_pre && window_full_w;
wire c_dup       = app_ok && !idx_expect && idx_le_last;
wire c_future    = app_gap && idx_future;
wire c_far       = app_gap && !idx_future && idx_far;
(* keep *) wire c_ooo = app_gap && !idx_future && !idx_far;
wire c_nack      = an_ok && d_t_nack_reg && nack_in_range;
wire c_nack_bad  = an_ok && d_t_nack_reg && !nack_in_range;
wire c_ack       = an_ok && d_t_ack_reg && idx_le_last;
wire c_ack_bad   = an_ok && d_t_ack_reg && !idx_le_last;
// punts, by reason
wire p_control   = d_good && d_t_ctl_reg;
wire p_not_leader = d_good && d_t_req_reg && !leader_mode;
wire p_fast_off  = d_good && d_rep && fast_off;
wire p_newer     = rep_on && d_src_known && term_newer;
wire p_older     = rep_on && d_src_known && term_older && !ah_not_leader;
// (an APPEND / HEARTBEAT of this term from a known source is the leader's or dropped NOT_LEADER)
wire p_not_member = rep_cur && d_src_known && (d_t_ack_reg || d_t_nack_reg) && !an_from_member;
wire p_other     = d_good && d_other;
// (from a known source a newer term punts; an older one punts too, unless an APPEND / HEARTBEAT not
// from the leader, dropped NOT_LEADER)
wire c_punt_any  = p_control || p_not_leader || p_fast_off || p_newer || p_older || p_not_member || p_other;
(* keep *) wire c_punt = c_punt_any && !punt_afull;
wire c_punt_full = c_punt_any && punt_afull;
wire c_log_full  = c_req_full || c_app_full || c_far;
wire c_drop      = c_bad || c_not_member || c_not_leader || c_log_full || c_future || c_nack_bad || c_ack_bad ||
                   c_punt_full;   // not DUP

reg [3:0] act_first;
reg [7:0] why_first;   // drop or punt reason
always_comb begin
    act_first = A_DROP;
    why_first = 8'd0;
    if (c_seq)    act_first = A_SEQ;
    if (c_accept) act_first = A_ACCEPT;
    if (c_ooo)    act_first = A_OOO;
    if (c_hb)     act_first = A_HB;
    if (c_ack)    act_first = A_ACK;
    if (c_nack)   act_first = A_NACK;
    if (c_dup)    act_first = A_DUP;
    if (c_punt)   act_first = A_PUNT;
    if (c_bad)        why_first = why_first | d_bad_reg;
    if (c_not_member) why_first = why_first | NR_DROP_NOT_MEMBER;
    if (c_not_leader) why_first = why_first | NR_DROP_NOT_LEADER;
    if (c_log_full)   why_first = why_first | NR_DROP_LOG_FULL;
    if (c_future)     why_first = why_first | NR_DROP_FUTURE_INDEX;
    if (c_nack_bad || c_ack_bad) why_first = why_first | NR_DROP_BAD_ACK;
    if (c_dup)        why_first = why_first | NR_DROP_DUPLICATE;
    if (c_punt_full)  why_first = why_first | NR_DROP_PUNT_FULL;
    if (c_punt && p_control)    why_first = why_first | NR_HOST_CONTROL;
    if (c_punt && p_not_leader) why_first = why_first | NR_HOST_NOT_LEADER;
    if (c_punt && p_fast_off)   why_first = why_first | NR_HOST_FAST_OFF;
    if (c_punt && p_newer)      why_first = why_first | NR_HOST_TERM_NEWER;
    if (c_punt && p_older)      why_first = why_first | NR_HOST_TERM_OLDER;
    if (c_punt && p_not_member) why_first = why_first | NR_HOST_NOT_MEMBER;
    if (c_punt && p_other)      why_first = why_first | NR_HOST_OTHER;
end

wire [7:0]  e_why = d_first_reg ? why_first : e_why_reg;
// the reason a punt carries to the host (the punt FIFO's tuser): from the punt conditions alone, so
// the index compares do not reach the FIFO's input
wire [7:0]  punt_why_first =
    (p_control    ? NR_HOST_CONTROL : 8'd0) | (p_not_leader ? NR_HOST_NOT_LEADER : 8'd0) |
    (p_fast_off   ? NR_HOST_FAST_OFF : 8'd0) | (p_newer ? NR_HOST_TERM_NEWER : 8'd0) |
    (p_older      ? NR_HOST_TERM_OLDER : 8'd0) | (p_not_member ? NR_HOST_NOT_MEMBER : 8'd0) |
    (p_other      ? NR_HOST_OTHER : 8'd0);
wire [7:0]  punt_why = d_first_reg ? punt_why_first : e_why_reg;
// a REQ's first beat takes the index after the tail: it is written only if sequenced (else the index
// is not used), so the choice waits on the frame's type alone
wire [31:0] e_index = d_first_reg ? (d_t_req_reg ? expect_index_reg : d_index) : e_index_reg;
wire [SLOT_BEATS_LOG2-1:0] e_beat = d_first_reg ? {SLOT_BEATS_LOG2{1'b0}} : e_beat_reg;
// the frame's fate as one-hot bits: the first beat's conditions, or the held decision
wire e_is_seq    = d_first_reg ? c_seq : e_seq_reg;
wire e_is_accept = d_first_reg ? c_accept : e_accept_reg;
wire e_is_ooo    = d_first_reg ? c_ooo : e_ooo_reg;
wire e_is_punt   = d_first_reg ? c_punt : e_punt_reg;

// The D beat sent on from this node to its successor (or the group) with this node's commit index:
// what a sequenced APPEND and a chain middle's forwarded frame have in common.
reg [DATA_WIDTH-1:0] routed_beat0;
always_comb begin
    routed_beat0 = d_data_reg;
    routed_beat0 = nr_set_dst_mac(routed_beat0, succ_mac);
    routed_beat0 = nr_set_src_mac(routed_beat0, my_mac);
    routed_beat0 = nr_set_src_node(routed_beat0, node_id);
    routed_beat0 = nr_set_dst_node(routed_beat0, succ_node);
    routed_beat0 = nr_set_commit_index(routed_beat0, commit_index);
end

// The APPEND a REQ becomes: same payload, new header.
reg [DATA_WIDTH-1:0] seq_beat0;
always_comb begin
    seq_beat0 = routed_beat0;
    seq_beat0 = nr_set_type(seq_beat0, NR_TYPE_APPEND);
    seq_beat0 = nr_set_rsvd(seq_beat0, 8'd0);
    seq_beat0 = nr_set_term(seq_beat0, term);
    seq_beat0 = nr_set_log_index(seq_beat0, expect_index_reg);
end

// A chain middle (ROLE 3) sends the APPENDs it accepts and the HEARTBEATs it takes on to its successor as
// its own: the first beat of an APPEND it writes to the log (accepted or buffered: nicraft_rtx resends from
// the log without rewriting the source) and of a HEARTBEAT is rewritten (destination, source, its commit
// index; a HEARTBEAT also its last index).
wire middle = role == ROLE_MIDDLE;
wire [DATA_WIDTH-1:0] fwd_beat0 = d_t_hb_reg ? nr_set_log_index(routed_beat0, last_index_reg) : routed_beat0;

// a REQ's first beat becomes the APPEND's: written (log RAM, APPEND FIFO) only if sequenced; a chain
// middle's APPEND or HEARTBEAT first beat is rewritten (written only if accepted, buffered or taken)
wire [DATA_WIDTH-1:0] e_data = (d_first_reg && d_t_req_reg) ? seq_beat0 :
                               (d_first_reg && middle && (d_t_append_reg || d_t_hb_reg)) ? fwd_beat0 : d_data_reg;
// (written out from the settled conditions as kept wires: the window test, a copy of its own so that
// its net drives only these enables, is one input of the last LUT)
(* keep *) wire tx_first_pre = fire && d_first_reg && seq_pre;
(* keep *) wire tx_later = fire && !d_first_reg && (e_seq_reg || e_fwd_reg);
// a chain middle forwards every APPEND it writes to the log, accepted or buffered beyond a gap (its
// successor then sees the same gap and fills it when this node does: an entry the reorder chain takes in
// later was sent on already), and every HEARTBEAT it takes
wire c_fwd = middle && (c_accept || c_ooo || c_hb);
(* keep *) wire log_first_pre = fire && d_first_reg && (seq_pre || accept_pre);
(* keep *) wire log_later = fire && !d_first_reg && (e_seq_reg || e_accept_reg || e_ooo_reg);
wire e_log_we  = log_later || (log_first_pre && !window_full_we) || (fire && d_first_reg && c_ooo);
wire e_tx_we   = tx_later || (tx_first_pre && !window_full_we) || (fire && d_first_reg && c_fwd);
wire e_punt_we = fire && e_is_punt;
wire e_end     = fire && d_last_reg;
wire e_first   = fire && d_first_reg;
wire e_grow    = e_end && (e_is_accept || e_is_seq);   // the log grows by this frame
// the tail it grows to: the index after the tail (a SEQ, or an ACCEPT at expect_index), or on a later
// beat the index the frame took (a host write of LAST_INDEX may have moved the tail since)
wire [31:0] e_grow_index = d_first_reg ? expect_index_reg : e_index_reg;

// ---------------------------------------------------------------------------------------------
// Reordering (follower): entries beyond a gap sit in their slots; the log grows over them, one
// entry a cycle, as soon as the entry after the last is present (its slot's tag matches) and the
// window has room. With the window full the slot of expect_index is the slot of applied_index + 1,
// which the RAM must keep: a tag naming expect_index there can only be stale (the tag memory keeps
// its contents through a reset, when LAST_INDEX and APPLIED_INDEX restart, or the host moved
// LAST_INDEX), and growing over it would overwrite the window (an OOO write needs
// index - applied <= LOG_DEPTH, so a real buffered entry never waits behind a full window).
assign expect_index = expect_index_reg;
assign tag_slot = expect_index_reg[LOG_DEPTH_LOG2-1:0];
wire chain_go = chain_pre && !grow_first_nowf && !window_full_w;   // follower_mode, the tag matches, !e_grow, room
assign ev_log_grew = chain_go || (e_end && e_is_accept);

// each candidate tail with its + 1 and + LOG_DEPTH, side by side, then chosen with an AND-OR of one-hot
// selects (a mux of adders would be shared into one adder behind the mux, in series with the choice)
wire [31:0] expect_plus1 = expect_index_reg + 32'd1;
wire [31:0] e_index_plus1 = e_index_reg + 32'd1;
wire [31:0] wr_plus1 = wr_data + 32'd1;
wire [32:0] expect_plus_depth = {1'b0, expect_index_reg} + 33'(LOG_DEPTH);
wire [32:0] e_index_plus_depth = {1'b0, e_index_reg} + 33'(LOG_DEPTH);
localparam [31:0] LO_OFF = 32'(LOG_DEPTH - 1);
wire [31:0] expect_lo = expect_index_reg - LO_OFF;
wire [31:0] e_index_lo = e_index_reg - LO_OFF;
wire [31:0] wr_lo = wr_data - LO_OFF;
wire expect_lo_wrap = expect_index_reg < LO_OFF;
wire e_index_lo_wrap = e_index_reg < LO_OFF;
wire wr_lo_wrap = wr_data < LO_OFF;
wire [32:0] wr_plus_depth = {1'b0, wr_data} + 33'(LOG_DEPTH);
// The tail moves by one (the reorder chain, or a one-beat SEQ / ACCEPT) only with room in the window,
// and window_full (two compares with applied_index) is the latest input: everything else is settled
// first (kept wires, so that the mapping cannot fold window_full into the early logic), and the last
// step picks between the tail + 1 values and the rest (hold, a later beat's grow, the host's write).
(* keep *) wire grow_first_nowf = fire && d_last_reg && d_first_reg &&
                                  (accept_pre || seq_pre);
(* keep *) wire grow_later = fire && d_last_reg && !d_first_reg && (e_accept_reg || e_seq_reg);
(* keep *) wire chain_pre = follower_mode && tag_data == {term, expect_index_reg} && !grow_later;
(* keep *) wire tail_adv1_pre = (grow_first_nowf || chain_pre) && !wr_last_index && !rst;
(* keep *) wire tail_adv1 = tail_adv1_pre && !window_full_w;   // chain_go || (e_grow && d_first_reg), the host not writing
(* keep *) wire [31:0] expect_base = rst ? 32'd1 : wr_last_index ? wr_plus1 : grow_later ? e_index_plus1 : expect_index_reg;
(* keep *) wire [32:0] plus_depth_base = rst ? 33'(LOG_DEPTH) : wr_last_index ? wr_plus_depth :
                                          grow_later ? e_index_plus_depth : last_plus_depth_reg;
(* keep *) wire [31:0] lo_base = rst ? 32'd0 - LO_OFF : wr_last_index ? wr_lo : grow_later ? e_index_lo : tail_lo_reg;
(* keep *) wire lo_wrap_base = rst ? 1'b1 : wr_last_index ? wr_lo_wrap : grow_later ? e_index_lo_wrap : tail_lo_wrap_reg;
(* keep *) wire [31:0] last_base = rst ? 32'd0 : wr_last_index ? wr_data : grow_later ? e_index_reg : last_index_reg;
wire [31:0] expect_index_sel = tail_adv1 ? expect_plus1 : expect_base;
wire [32:0] last_plus_depth_sel = tail_adv1 ? expect_plus_depth : plus_depth_base;
wire [31:0] tail_lo_sel = tail_adv1 ? expect_lo : lo_base;
wire tail_lo_wrap_sel = tail_adv1 ? expect_lo_wrap : lo_wrap_base;

always_comb begin
    last_index_next = last_index_reg;
    expect_index_next = expect_index_reg;
    last_plus_depth_next = last_plus_depth_reg;
    ooo_valid_next = ooo_valid_reg;
    ooo_min_next = ooo_min_reg;
    // e_grow to e_grow_index, chain_go to expect_index, the host's write wins
    last_index_next = tail_adv1 ? expect_index_reg : last_base;
    expect_index_next = expect_index_sel;
    last_plus_depth_next = last_plus_depth_sel;
    tail_lo_next = tail_lo_sel;
    tail_lo_wrap_next = tail_lo_wrap_sel;
    if (e_end && e_is_ooo && (!ooo_valid_reg || e_index < ooo_min_reg)) begin
        ooo_valid_next = 1'b1;
        ooo_min_next = e_index;
    end
    // the buffered entries beyond the gap are reached: no gap is known any more
    if (ooo_valid_reg && ev_log_grew && expect_plus1 >= ooo_min_reg) ooo_valid_next = 1'b0;
end

// a frame the engine writes to the log RAM (SEQ, ACCEPT, OOO) is half written from its first beat to
// its last; the decision was taken at the first beat, so fast_en falling does not stop it
always_comb begin
    e_log_mid_next = e_log_mid_reg;
    if (e_log_we) e_log_mid_next = !d_last_reg;
end
assign frozen = !fast_en && !e_log_mid_reg;
assign log_mid = e_log_mid_reg;

always_comb begin
    d_valid_next = d_valid_reg;
    d_bad_next = d_bad_reg;
    d_good_next = d_good_reg;
    if (s_axis_tready) begin
        d_valid_next = s_axis_tvalid;
        if (s_axis_tvalid) begin
            d_bad_next = s_first ? rx_bad : 8'd0;
            d_good_next = s_first ? rx_good : 1'b1;
        end
    end
    if (rst) begin
        d_valid_next = 1'b0;
        d_bad_next = 8'd0;
        d_good_next = 1'b1;
    end
end

always_ff @(posedge clk) begin
    d_valid_reg <= d_valid_next;
    d_bad_reg <= d_bad_next;
    d_good_reg <= d_good_next;
    if (s_axis_tready && s_axis_tvalid) begin
        d_data_reg <= s_axis_tdata;
        d_keep_reg <= s_axis_tkeep;
        d_last_reg <= s_axis_tlast;
    end
    if (rst) d_first_reg <= 1'b0;
    else if (s_axis_tready && s_axis_tvalid) d_first_reg <= s_first;
    // (both sources compared side by side; the load picks one)
    d_term_gt_reg <= (s_axis_tready && s_axis_tvalid) ? nr_get_term(s_axis_tdata) > term_next : d_term > term_next;
    d_term_lt_reg <= (s_axis_tready && s_axis_tvalid) ? nr_get_term(s_axis_tdata) < term_next : d_term < term_next;
    if (s_axis_tready && s_axis_tvalid) begin
        d_index_lo_reg <= nr_get_log_index(s_axis_tdata) - 32'(LOG_DEPTH);
        d_index_lo_wrap_reg <= nr_get_log_index(s_axis_tdata) < 32'(LOG_DEPTH);
        d_t_req_reg <= rx_type == NR_TYPE_REQ;
        d_t_append_reg <= rx_type == NR_TYPE_APPEND;
        d_t_ack_reg <= rx_type == NR_TYPE_ACK;
        d_t_nack_reg <= rx_type == NR_TYPE_NACK;
        d_t_hb_reg <= rx_type == NR_TYPE_HEARTBEAT;
        d_t_ctl_reg <= rx_type == NR_TYPE_CONTROL;
    end

    if (rst) begin
        e_act_reg <= A_DROP;
        {e_seq_reg, e_accept_reg, e_ooo_reg, e_punt_reg} <= 4'd0;
        e_why_reg <= 8'd0;
        e_index_reg <= 32'd0;
        e_rtx_reg <= 1'b0;
        e_fwd_reg <= 1'b0;
        e_beat_reg <= 0;
        e_log_mid_reg <= 1'b0;
    end else if (fire) begin
        e_log_mid_reg <= e_log_mid_next;
        if (d_first_reg) begin
            e_act_reg <= act_first;
            {e_seq_reg, e_accept_reg, e_ooo_reg, e_punt_reg} <= {c_seq, c_accept, c_ooo, c_punt};
            e_why_reg <= why_first;
            e_index_reg <= e_index;
            e_rtx_reg <= d_rtx;
            e_fwd_reg <= c_fwd;
        end
        e_beat_reg <= d_last_reg ? {SLOT_BEATS_LOG2{1'b0}} : e_beat + 1'b1;
    end

    last_index_reg <= last_index_next;
    expect_index_reg <= expect_index_next;
    last_plus_depth_reg <= last_plus_depth_next;
    tail_lo_reg <= tail_lo_next;
    tail_lo_wrap_reg <= tail_lo_wrap_next;
    last_index_n_reg <= ~last_index_next;
    tail_lo_n_reg <= ~tail_lo_next;
    tail_lo_wrap_n_reg <= !tail_lo_wrap_next;
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
    .s_axis_tlast(d_last_reg), .s_axis_tuser(punt_why),
    .m_axis_tdata(m_axis_punt_tdata), .m_axis_tkeep(m_axis_punt_tkeep), .m_axis_tvalid(m_axis_punt_tvalid),
    .m_axis_tready(m_axis_punt_tready), .m_axis_tlast(m_axis_punt_tlast), .m_axis_tuser(m_axis_punt_tuser),
    .count(pnt_count), .almost_full(punt_afull)
);

// ---------------------------------------------------------------------------------------------
// Events
assign ev_seq_first = e_first && c_seq;
assign ev_dup = e_first && c_dup;
assign ev_gap = e_first && (c_ooo ||
                            ((c_future || c_log_full) && role[0]) ||
                            (c_hb && !idx_le_last));
assign ev_ack = e_first && c_ack;
assign ev_nack = e_first && c_nack;
assign ev_src = d_src;
assign ev_index = d_index;
assign ev_client = nr_get_client_id(d_data_reg);
// follower: commit index from the leader, never past what this log holds
// (an entry being written this cycle is not yet readable: the commit may cover it from the next frame on)
assign ev_commit = e_first && (c_accept || c_hb);
assign ev_commit_index = (d_commit < last_index_reg) ? d_commit : last_index_reg;
assign ev_drop = e_first && (c_drop || c_dup);
assign ev_why = e_why;
assign ev_punt = e_first && c_punt;
assign ev_hb = e_first && c_hb;
assign ev_seq_end = e_end && e_is_seq;
assign ev_accept_end = e_end && e_is_accept;
assign ev_ooo_end = e_end && e_is_ooo;
// an accepted APPEND sent fresh by the leader (not a retransmission or a host's repair), at its last
// beat: the tail grows to its index at this edge (docs/architecture.md "Follower replies")
assign ev_fresh_end = e_end && e_is_accept && !(d_first_reg ? d_rtx : e_rtx_reg);
assign ev_fresh_index = e_grow_index;

// ---------------------------------------------------------------------------------------------
// Assertions (simulation only)
`ifndef SYNTHESIS
// the decision as the priority chain it was written as (the reference for the one-hot conditions)
wire        replica_frame = d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT ||
                            d_type == NR_TYPE_ACK || d_type == NR_TYPE_NACK;
wire [31:0] idx_applied_dist = d_index - applied_index;
reg [3:0] act_ref;
reg [7:0] why_ref;
always_comb begin
    act_ref = A_DROP;
    why_ref = 8'd0;
    if (d_bad_reg != 8'd0) begin
        act_ref = A_DROP; why_ref = d_bad_reg;
    end else if (d_type == NR_TYPE_CONTROL) begin
        act_ref = A_PUNT; why_ref = NR_HOST_CONTROL;
    end else if (d_type == NR_TYPE_REQ) begin
        if (!leader_mode) begin
            act_ref = A_PUNT; why_ref = NR_HOST_NOT_LEADER;
        end else if (window_full) begin
            act_ref = A_DROP; why_ref = NR_DROP_LOG_FULL;
        end else begin
            act_ref = A_SEQ;
        end
    end else if (replica_frame) begin
        if (!fast_en || role == ROLE_OFF) begin
            act_ref = A_PUNT; why_ref = NR_HOST_FAST_OFF;
        end else if (!((d_src < 8'(MAX_NODES) && members[d_src[NODE_WIDTH-1:0]]) || d_src == leader_id)) begin
            act_ref = A_DROP; why_ref = NR_DROP_NOT_MEMBER;
        end else if (d_term > term) begin
            act_ref = A_PUNT; why_ref = NR_HOST_TERM_NEWER;
        end else if ((d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT) &&
                     (!role[0] || d_src != leader_id)) begin
            act_ref = A_DROP; why_ref = NR_DROP_NOT_LEADER;
        end else if (d_term < term) begin
            act_ref = A_PUNT; why_ref = NR_HOST_TERM_OLDER;
        end else if (d_type == NR_TYPE_APPEND || d_type == NR_TYPE_HEARTBEAT) begin
            // from the leader this NIC follows
            if (d_type == NR_TYPE_HEARTBEAT) begin
                act_ref = A_HB;
            end else if (d_index == (last_index_reg + 32'd1)) begin
                if (window_full) begin
                    act_ref = A_DROP; why_ref = NR_DROP_LOG_FULL;
                end else begin
                    act_ref = A_ACCEPT;
                end
            end else if (d_index <= last_index_reg) begin
                act_ref = A_DUP; why_ref = NR_DROP_DUPLICATE;
            end else if (d_index - last_index_reg > LOG_DEPTH) begin
                act_ref = A_DROP; why_ref = NR_DROP_FUTURE_INDEX;
            end else if (d_index - applied_index > LOG_DEPTH) begin
                act_ref = A_DROP; why_ref = NR_DROP_LOG_FULL;
            end else begin
                // beyond a gap: written to its slot now, taken into the log when the gap fills
                act_ref = A_OOO;
            end
        end else begin
            // ACK or NACK, follower to leader
            if (!role[1] || !d_src_ok) begin
                act_ref = A_PUNT; why_ref = NR_HOST_NOT_MEMBER;
            end else if (d_type == NR_TYPE_NACK) begin
                if (d_index == 32'd0 || d_index > (last_index_reg + 32'd1)) begin
                    act_ref = A_DROP; why_ref = NR_DROP_BAD_ACK;
                end else begin
                    act_ref = A_NACK;
                end
            end else if (d_index > last_index_reg) begin
                act_ref = A_DROP; why_ref = NR_DROP_BAD_ACK;
            end else begin
                act_ref = A_ACK;
            end
        end
    end else begin
        act_ref = A_PUNT; why_ref = NR_HOST_OTHER;   // REPLY
    end
    // a punt the host queue cannot take is dropped and counted
    if (act_ref == A_PUNT && punt_afull) begin
        act_ref = A_DROP; why_ref = NR_DROP_PUNT_FULL;
    end
end

// the registered term compares follow their definitions from the first clock edge on (before it
// they hold their power-up values)
reg d_term_chk_reg = 1'b0;
always_ff @(posedge clk) begin
    d_term_chk_reg <= 1'b1;
    if (d_term_chk_reg) assert (d_term_gt_reg == (d_term > term) && d_term_lt_reg == (d_term < term))
        else $error("nicraft_exec: the D beat's term %0d against TERM %0d: registered gt %0d lt %0d", d_term, term, d_term_gt_reg, d_term_lt_reg);
end

always_ff @(posedge clk) begin
    if (!rst) begin
        // the registers derived from the tail and from the D beat equal their definitions
        assert (expect_index_reg == last_index_reg + 32'd1 && last_plus_depth_reg == {1'b0, last_index_reg} + 33'(LOG_DEPTH))
            else $error("nicraft_exec: expect_index %0d / last + depth %0d do not follow last_index %0d",
                        expect_index_reg, last_plus_depth_reg, last_index_reg);
        assert (tail_lo_reg == last_index_reg - LO_OFF && tail_lo_wrap_reg == (last_index_reg < LO_OFF))
            else $error("nicraft_exec: the window's low end %0d (wraps %0d) does not follow last_index %0d",
                        tail_lo_reg, tail_lo_wrap_reg, last_index_reg);
        assert (e_log_we == (fire && (e_is_seq || e_is_accept || e_is_ooo)) &&
                e_tx_we == (fire && (e_is_seq || (d_first_reg ? c_fwd : e_fwd_reg))))
            else $error("nicraft_exec: the write enables do not follow the decision");
        assert (chain_go == (follower_mode && !e_grow && !window_full && tag_data == {term, expect_index_reg}))
            else $error("nicraft_exec: chain_go does not follow its definition");
        assert (last_index_next == (wr_last_index ? wr_data : chain_go ? expect_index_reg : e_grow ? e_grow_index : last_index_reg))
            else $error("nicraft_exec: last_index_next %0d does not follow its definition", last_index_next);
        assert (rx_padded == (32'(rx_plen) + NR_HDR_BYTES < NR_MIN_FRAME_BYTES) && b_short == (32'(s_len) < NR_HDR_BYTES) &&
                nr_ge_const(17'(rx_plen), 17'(MAX_PAYLOAD + 1)) == (32'(rx_plen) > MAX_PAYLOAD))
            else $error("nicraft_exec: a length compare with a constant is wrong (len %0d, payload %0d)", s_len, rx_plen);
        assert (idx_far == (idx_applied_dist > 32'(LOG_DEPTH)))
            else $error("nicraft_exec: idx_far %0d, but index %0d - applied %0d", idx_far, d_index, applied_index);
        assert (last_index_n_reg == ~last_index_reg && tail_lo_n_reg == ~tail_lo_reg && tail_lo_wrap_n_reg == !tail_lo_wrap_reg)
            else $error("nicraft_exec: the copies of the tail registers differ from them");
        assert (window_full == (window_used >= LOG_DEPTH) && window_full_we == window_full)
            else $error("nicraft_exec: window_full %0d, but last %0d - applied %0d", window_full, last_index_reg, applied_index);
        assert ({d_t_req_reg, d_t_append_reg, d_t_ack_reg, d_t_nack_reg, d_t_hb_reg, d_t_ctl_reg} ==
                {d_type == NR_TYPE_REQ, d_type == NR_TYPE_APPEND, d_type == NR_TYPE_ACK, d_type == NR_TYPE_NACK,
                 d_type == NR_TYPE_HEARTBEAT, d_type == NR_TYPE_CONTROL})
            else $error("nicraft_exec: the D beat's type bits do not match its type %0d", d_type);
        // the one-hot decision is the priority chain's, and exactly one condition holds
        if (d_valid_reg && d_first_reg) begin
            assert (!c_punt || punt_why_first == why_first)
                else $error("nicraft_exec: a punt's reason %0d, the decision's %0d", punt_why_first, why_first);
            assert (act_first == act_ref && why_first == why_ref)
                else $error("nicraft_exec: decision %0d / %0d, the priority chain says %0d / %0d",
                            act_first, why_first, act_ref, why_ref);
            assert ($onehot({c_bad, c_not_member, c_not_leader, c_seq, c_req_full, c_hb, c_accept, c_app_full,
                             c_dup, c_future, c_far, c_ooo, c_nack, c_nack_bad, c_ack, c_ack_bad, p_control, p_not_leader, p_fast_off, p_newer,
                             p_older, p_not_member, p_other}))
                else $error("nicraft_exec: the decision's conditions are not one-hot");
        end
        assert ({e_seq_reg, e_accept_reg, e_ooo_reg, e_punt_reg} ==
                {e_act_reg == A_SEQ, e_act_reg == A_ACCEPT, e_act_reg == A_OOO, e_act_reg == A_PUNT} &&
                d_good_reg == (d_bad_reg == 8'd0))
            else $error("nicraft_exec: the held decision's bits do not match it (%0d), or d_good does not match d_bad", e_act_reg);
    end
end

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
