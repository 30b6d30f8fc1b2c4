// nicraft: merge of the plane RX buffers, with duplicate suppression and a parallel ACK path.
//
// Every frame arrives once per plane. At the head of each plane the frame's key (see
// nicraft_nic.sv: type, source, term or client, index or sequence) is compared with the keys of the
// last WINDOW frames taken (younger than WINDOW_CYCLES) and with the heads of the lower-numbered
// planes: a match is a copy, dropped whole at once, in parallel on every plane, without using a
// pipeline slot. First copy wins. Frames on a disabled plane are dropped the same way.
// Surviving frames go to one of two consumers:
//   - the ACK path (s_is_ack: a one-beat ACK the leader counts without the host), up to one per
//     cycle, so ACKs never take a slot from requests;
//   - the main pipeline (everything else), frame-atomic round robin over the planes.
//
// Pipelining (docs/synthesis.md). Each plane's beats pass two registers before the decision:
//   A: a beat taken from the plane's buffer, with its key, key_valid and is_ack as they were then;
//      on the way in its key is compared with every window entry (one registered bit per entry,
//      kept up to date as entries expire, are overwritten, or are written with keys taken since);
//   B: the head the merge decides on; a frame moving from A to B brings one bit, "its key is in the
//      window", reduced from A's per-entry bits while it waits in A.
// The decision itself reads only registers: B's bit, the keys taken in the previous cycle compared
// with B (registered pairwise compares), and the lower planes' heads (registered pairwise compares).
// A copy is dropped in the cycle it reaches B, so a frame waiting in B never needs to forget a
// match. The merge is exactly the combinational one on the plane heads, two cycles later: a beat
// reaches B two cycles after it left the buffer (one beat per cycle per plane still flows).
// Assumes `now` advances by one every cycle (the NIC's cycle counter; the window is cleared on reset).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_plane_merge #(
    parameter PLANES = 2,                 // network planes (1..3)
    parameter DATA_WIDTH = 512,           // beat width in bits
    parameter KEEP_WIDTH = DATA_WIDTH/8,  // tkeep bits
    parameter KEY_WIDTH = 88,             // copy key bits
    parameter WINDOW = 16,                // keys remembered (2..1024, even: the window is two banks)
    parameter WINDOW_CYCLES = 1024        // a key older than this is forgotten (a retry is not a copy; 3..2^20)
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [PLANES*DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [PLANES*KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire [PLANES-1:0]             s_axis_tvalid,
    output wire [PLANES-1:0]             s_axis_tready,
    input  wire [PLANES-1:0]             s_axis_tlast,
    input  wire [PLANES*16-1:0]          s_len,
    input  wire [PLANES*KEY_WIDTH-1:0]   s_key,
    input  wire [PLANES-1:0]             s_key_valid,
    input  wire [PLANES-1:0]             s_is_ack,
    input  wire [PLANES-1:0]             s_is_req,   // a client's REQ (only for counting its copies)
    input  wire [PLANES-1:0]             plane_en,
    input  wire [31:0]                   now,        // free-running cycle count, +1 every cycle

    output wire [DATA_WIDTH-1:0]         m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]         m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [15:0]                   m_len,
    output wire                          m_first,

    output wire                          m_ack_valid,
    output wire [DATA_WIDTH-1:0]         m_ack_data,

    output wire [PLANES-1:0]             dup_drop,   // a copy ended (dropped) on this plane
    output wire [PLANES-1:0]             off_drop,   // a frame on a disabled plane ended (dropped)
    output wire [PLANES-1:0]             req_dup_drop  // ... of dup_drop: the copy was a client's REQ
);

localparam P = PLANES;
localparam W = WINDOW;
localparam SEL_WIDTH = P > 1 ? $clog2(P) : 1;
localparam WIN_PTR_WIDTH = $clog2(W);
localparam WH = W / 2;                                  // entries per bank
localparam BANK_PTR_WIDTH = WH > 1 ? $clog2(WH) : 1;
// time stamps keep the low TS_WIDTH bits of `now`: an entry is live only while younger than
// WINDOW_CYCLES (its age checked every cycle, and a dead entry stays dead until written), so a live
// entry's age is below 2^TS_WIDTH and the modular difference is its age (32-bit stamps cost the
// two-plane window 208 x 21 flip-flops more, and wider age compares)
localparam TS_WIDTH = $clog2(WINDOW_CYCLES) + 1;

initial begin
    if (PLANES < 1 || PLANES > 3) begin
        $error("nicraft_plane_merge: PLANES must be 1..3");
        $finish;
    end
    if (WINDOW < 2 || WINDOW > 1024 || WINDOW % 2 != 0) begin
        $error("nicraft_plane_merge: WINDOW must be even, 2..1024");
        $finish;
    end
    if (WINDOW_CYCLES < 3 || WINDOW_CYCLES > 2**20) begin
        $error("nicraft_plane_merge: WINDOW_CYCLES must be 3..2^20");
        $finish;
    end
    if (KEY_WIDTH < 1 || KEEP_WIDTH < 1 || DATA_WIDTH < 8) begin
        $error("nicraft_plane_merge: KEY_WIDTH, KEEP_WIDTH and DATA_WIDTH must be positive");
        $finish;
    end
end

// ---------------------------------------------------------------------------------------------
// Registers

// stage A and stage B, per plane
reg [P-1:0]            a_valid_reg = 0, b_valid_reg = 0;
reg [P*DATA_WIDTH-1:0] a_data_reg = 0, b_data_reg = 0;
reg [P*KEEP_WIDTH-1:0] a_keep_reg = 0, b_keep_reg = 0;
reg [P-1:0]            a_last_reg = 0, b_last_reg = 0;
reg [P*16-1:0]         a_len_reg = 0, b_len_reg = 0;
reg [P*KEY_WIDTH-1:0]  a_key_reg = 0, b_key_reg = 0;
reg [P-1:0]            a_kv_reg = 0, b_kv_reg = 0;
reg [P-1:0]            a_ack_reg = 0, b_ack_reg = 0;
reg [P-1:0]            a_req_reg = 0, b_req_reg = 0;
// A's per-entry bits, [q*W+w]: A_q's key == entry w and w live (entries not written at the last
// edge), kept in two registers so that neither depends on this cycle's decision: mn_reg compares the
// buffer's head with the window every cycle (right when A took that beat), mo_reg carries the bits
// of the beat A holds; ma_new_reg says which one is A's.
reg [P*W-1:0]          mn_reg = 0;
reg [P*W-1:0]          mo_reg = 0;
reg [P-1:0]            ma_new_reg = 0;
reg [P-1:0]            hitb_reg = 0;  // B_q's key was in the window in its first cycle in B
// B's beat classified as it enters B (from A's fields and hit_a), so that the decision reads one
// register where it read three: an ACK / not an ACK, and not a copy of a window key (bca_reg, bcm_reg);
// the same with a valid key (bka_reg, bkm_reg: taken, it enters the window)
reg [P-1:0]            bca_reg = 0, bka_reg = 0, bkm_reg = 0;
reg [P-1:0]            bcm_reg = {P{1'b1}};
reg [P*P-1:0]          ea_reg = 0;    // [q*P+p]: A_q's key == the key B_p held in the previous cycle
reg [P*P-1:0]          l_reg = {(P*P){1'b1}};    // [p*P+q]: B_p's key == B_q's key (p < q)
// the pairwise compares of the stages' keys, kept in registers (updated from compares with the
// buffers' heads as the stages load), so that the loads of this cycle choose between registers:
reg [P*P-1:0]          ab_reg = {(P*P){1'b1}};   // [q*P+p]: A_q's key == B_p's key
reg [P*P-1:0]          aa_reg = {(P*P){1'b1}};   // [q*P+p]: A_q's key == A_p's key

// the window of keys taken: a ring, the newest overwrites the oldest. Its entries are kept in two
// banks, the even entries (entry 2i at i of the _e arrays) and the odd ones (_o): a cycle writes at
// most two adjacent entries, one in each bank (W is even), so each bank has one write port and an
// entry's flip-flops take their key from one source (as one array of W entries, each entry chose
// between the two pending keys: a 2:1 mux per key bit, 208 x 88 of them with two planes; this and the
// narrower time stamps below took 27,500 LUTs off the two-plane merge, docs/synthesis.md "Fewer LUTs").
reg [KEY_WIDTH-1:0]     win_key_e_reg [0:WH-1];
reg [KEY_WIDTH-1:0]     win_key_o_reg [0:WH-1];
reg [TS_WIDTH-1:0]      win_ts_e_reg [0:WH-1];
reg [TS_WIDTH-1:0]      win_ts_o_reg [0:WH-1];
reg [W-1:0]             live_reg = 0;      // written, and younger than WINDOW_CYCLES in this cycle
reg [W-1:0]             young_reg = 0;     // will still be younger than WINDOW_CYCLES in the next cycle
reg [W-1:0]             win_oh_reg = W'(1);   // the oldest entry, overwritten next (one-hot) ...
reg [WIN_PTR_WIDTH-1:0] win_ptr_reg = 0;      // ... and the same as a number (the write address)
reg [WIN_PTR_WIDTH-1:0] win_ptr1_reg = WIN_PTR_WIDTH'(1);   // the entry after it
reg [WIN_PTR_WIDTH-1:0] win_ptr2_reg = WIN_PTR_WIDTH'(2 % W);   // ... and the two after that (kept so that
reg [WIN_PTR_WIDTH-1:0] win_ptr3_reg = WIN_PTR_WIDTH'(3 % W);   // the pointers' update is a select)
// what the last edge wrote (these entries' per-entry bits are not valid yet: the pairwise compares are)
reg [W-1:0]             rec_m_mask_reg = 0;   // the entry written with the main path's key
reg [W-1:0]             rec_a_mask_reg = 0;   // the entry written with the ACK path's key
reg [SEL_WIDTH-1:0]     rec_m_src_reg = 0, rec_a_src_reg = 0;   // the planes they came from
reg                     rec_m_reg = 1'b0, rec_a_reg = 1'b0;     // ... and whether they exist (|rec_*_mask_reg)
// The window's entries neither written at the last edge nor at ptr or ptr+1 (which this edge may
// overwrite), set at the last edge: hit_a's OR tree over them waits on no decision and has one
// register per entry for the three masks (the entries written at the last edge are resolved from
// ea_reg, below)
reg [W-1:0]             plain_reg = ~W'(3);
// The keys and time stamp of the last edge's writes reach win_key_reg / win_ts_reg one edge later,
// from these registers (the write's enables and data are registers, not this cycle's decision); until
// then the compare of the buffers' heads with the window takes them from here. pend_f_mask /
// pend_s_mask: the entry of the first key taken (main, else ACK) and of a second (ACK after main):
// the entries at ptr and ptr+1 at the last edge (registered whether written or not, so that these
// 2 x W flip-flops take no reset from the insertions: as `wr ? at_ptr : 0` they did, a LUT of
// `rst || !wr_second` with 208 loads after the insertion's 1,400) and the pending flags.
reg [W-1:0]             pend_f_oh_reg = 0, pend_s_oh_reg = 0;
reg                     pend_f_reg = 1'b0, pend_s_reg = 1'b0;
reg [WIN_PTR_WIDTH-1:0] pend_f_ptr_reg = 0, pend_s_ptr_reg = 0;
reg [KEY_WIDTH-1:0]     pend_f_key_reg = 0, pend_s_key_reg = 0;
reg [TS_WIDTH-1:0]      pend_ts_reg = 0;
wire [W-1:0]            pend_f_mask = pend_f_oh_reg & {W{pend_f_reg}};
wire [W-1:0]            pend_s_mask = pend_s_oh_reg & {W{pend_s_reg}};

// the merge
reg [P-1:0]          mid_reg = 0;        // B's beat is not a frame's first beat
reg [P-1:0]          drop_reg = 0;       // ... and that frame is being dropped
reg [P-1:0]          drop_off_reg = 0;   // ... because its plane is disabled
reg [P-1:0]          drop_req_reg = 0;   // ... a copy of a client's REQ
reg                  locked_reg = 1'b0;  // main is inside a multi-beat frame
reg [SEL_WIDTH-1:0]  locked_sel_reg = 0;
reg [SEL_WIDTH-1:0]  last_sel_reg = 0;

// A second copy of the decision's state, stored inverted (e_*_n_reg = ~*_reg), for the stages'
// enables only (docs/synthesis.md "The plane merge's stage enables"). Each stage register loads
// on b_load / a_load, about 690 flip-flops per plane: computed from the same registers as the
// output mux's select (593 loads) and the window's key muxes (88), ABC shared the decision's
// nodes between them and chained four nets of 93 to 700 loads (3.34 ns). From this copy the enables'
// cone is apart from every other high-fan-out net (ABC cannot share logic of different flip-flops).
// Inverted, because Yosys's opt_merge merges flip-flops with the same D input, (* keep *) or not.
reg [P-1:0]          e_a_valid_n_reg = {P{1'b1}}, e_b_valid_n_reg = {P{1'b1}};
reg [P-1:0]          e_mid_n_reg = {P{1'b1}}, e_drop_n_reg = {P{1'b1}};
reg [P-1:0]          e_kv_n_reg = {P{1'b1}}, e_hitb_n_reg = {P{1'b1}};
reg [P-1:0]          e_bca_n_reg = {P{1'b1}}, e_bcm_n_reg = 0;
reg [P*P-1:0]        e_l_n_reg = 0;
reg                  e_locked_n_reg = 1'b1;
reg [SEL_WIDTH-1:0]  e_locked_sel_n_reg = {SEL_WIDTH{1'b1}};
reg [SEL_WIDTH-1:0]  e_last_sel_n_reg = {SEL_WIDTH{1'b1}};
// A third copy, the same way, for the window's insertions (ins_main_w, ins_ack_w): they drive the
// window's per-entry bookkeeping (about 1,400 loads); from the first copy, that net was on the
// path of the A-to-B bit (hit_a) after the grants' nodes (3.21 ns).
reg [P-1:0]          w_b_valid_n_reg = {P{1'b1}}, w_mid_n_reg = {P{1'b1}}, w_kv_n_reg = {P{1'b1}};
reg [P-1:0]          w_bcm_n_reg = 0, w_bca_n_reg = {P{1'b1}}, w_bkm_n_reg = {P{1'b1}}, w_bka_n_reg = {P{1'b1}};
reg [P*P-1:0]        w_l_n_reg = 0;
reg                  w_locked_n_reg = 1'b1;
reg [SEL_WIDTH-1:0]  w_last_sel_n_reg = {SEL_WIDTH{1'b1}};

// ---------------------------------------------------------------------------------------------
// The decision, on the B heads, from registers only

integer p, q;

// The lower-plane copy test, per plane: an enabled lower plane's head is a first beat with a valid
// key equal to this plane's (l_reg, the registered pairwise compares). From a state, for the
// decision and its two copies below: fst = the first beats, en = plane_en, kv = the valid keys.
function automatic [P-1:0] lower_of(input [P-1:0] fst, input [P-1:0] en, input [P-1:0] kv, input [P*P-1:0] lr);
    integer i, j;
    begin
        lower_of = 0;
        for (i = 0; i < P; i = i + 1) begin
            for (j = 0; j < i; j = j + 1) begin
                if (fst[j] && en[j] && kv[j] && lr[j*P + i]) lower_of[i] = 1'b1;
            end
        end
    end
endfunction

reg [P-1:0] first, off, dup, cand_main, cand_ack;
reg [P-1:0] cand_main_k, cand_ack_k;   // ... and with a valid key (the ones that enter the window)
reg [P-1:0] lower;
always @* begin
    for (q = 0; q < P; q = q + 1) first[q] = b_valid_reg[q] && !mid_reg[q];
    lower = lower_of(first, plane_en, b_kv_reg, l_reg);
    for (q = 0; q < P; q = q + 1) begin
        off[q] = first[q] && !plane_en[q];
        // a key in the window when the beat reached B (hitb_reg), or a lower plane's head this cycle.
        // A first beat waiting in B cannot match a key taken since: that key came from another B head
        // in the same cycle, and of equal keys at the heads only the lowest plane's survives.
        dup[q] = first[q] && plane_en[q] && b_kv_reg[q] && (hitb_reg[q] || lower[q]);
        // (first && plane_en && !dup && ack, and the same with the key valid, from bca_reg .. bkm_reg)
        cand_ack[q] = first[q] && plane_en[q] && bca_reg[q] && !(b_kv_reg[q] && lower[q]);
        cand_main[q] = first[q] && plane_en[q] && bcm_reg[q] && !(b_kv_reg[q] && lower[q]);
        cand_ack_k[q] = first[q] && plane_en[q] && bka_reg[q] && !lower[q];
        cand_main_k[q] = first[q] && plane_en[q] && bkm_reg[q] && !lower[q];
    end
end

// main: locked plane, else round robin over the candidates after the last winner. For each value l
// of last_sel the search order is a constant: the grant is a priority pick per l (one-hot) and a mux
// on last_sel (as nicraft_rr_pick does; here the one-hot grant drives the per-plane pops directly and
// its binary form only the wide output mux).
localparam LAST_VALUES = 2**SEL_WIDTH;
reg [P-1:0]         grant_by_last [0:LAST_VALUES-1];
reg [P-1:0]         grant;
reg [SEL_WIDTH-1:0] rr_sel;
reg [P-1:0]         take_main;
integer l, r;
always @* begin
    for (l = 0; l < LAST_VALUES; l = l + 1) begin
        grant_by_last[l] = 0;
        for (r = P; r >= 1; r = r - 1) begin
            if (cand_main[(l + r) % P]) grant_by_last[l] = P'(1) << ((l + r) % P);
        end
    end
    grant = grant_by_last[last_sel_reg];
    rr_sel = last_sel_reg;
    for (q = 0; q < P; q = q + 1) begin
        if (grant[q]) rr_sel = SEL_WIDTH'(q);
    end
    for (q = 0; q < P; q = q + 1) begin
        take_main[q] = m_axis_tready && (locked_reg ? (locked_sel_reg == SEL_WIDTH'(q) && b_valid_reg[q]) : grant[q]);
    end
end
wire [SEL_WIDTH-1:0] sel = locked_reg ? locked_sel_reg : rr_sel;
wire                 sel_valid = locked_reg ? b_valid_reg[sel] : (grant != 0);
wire                 main_go = sel_valid && m_axis_tready;

// ACK path: the lowest plane with a candidate
reg [SEL_WIDTH-1:0] ack_sel;
reg                 ack_found;
reg [P-1:0]         take_ack;    // the same, one-hot
always @* begin
    ack_sel = 0;
    ack_found = 1'b0;
    for (p = P - 1; p >= 0; p = p - 1) begin
        if (cand_ack[p]) begin
            ack_sel = SEL_WIDTH'(p);
            ack_found = 1'b1;
        end
    end
    for (p = 0; p < P; p = p + 1) begin
        take_ack[p] = cand_ack[p];
        for (q = 0; q < p; q = q + 1) begin
            if (cand_ack[q]) take_ack[p] = 1'b0;
        end
    end
end

assign m_axis_tdata  = b_data_reg[sel*DATA_WIDTH +: DATA_WIDTH];
assign m_axis_tkeep  = b_keep_reg[sel*KEEP_WIDTH +: KEEP_WIDTH];
assign m_axis_tlast  = b_last_reg[sel];
assign m_len         = b_len_reg[sel*16 +: 16];
assign m_axis_tvalid = sel_valid;
assign m_first       = !locked_reg;
assign m_ack_valid   = ack_found;
assign m_ack_data    = b_data_reg[ack_sel*DATA_WIDTH +: DATA_WIDTH];

// B's beat leaves (taken or dropped); B then takes A's beat, A the buffer's
reg [P-1:0] pop, b_load, a_load;
always @* begin
    for (q = 0; q < P; q = q + 1) begin
        pop[q] = (b_valid_reg[q] && mid_reg[q] && drop_reg[q]) ||
                 off[q] || dup[q] ||
                 take_ack[q] || take_main[q];
        b_load[q] = !b_valid_reg[q] || pop[q];
        a_load[q] = !a_valid_reg[q] || b_load[q];
    end
end
assign s_axis_tready = a_load;

// The same pops from a state (the decision above, written as one function for the second copy)
function automatic [P-1:0] pop_of(
    input [P-1:0] bv, input [P-1:0] md, input [P-1:0] dr, input [P-1:0] kv, input [P-1:0] hb,
    input [P*P-1:0] lr, input [P-1:0] ca, input [P-1:0] cm, input lk, input [SEL_WIDTH-1:0] lks,
    input [SEL_WIDTH-1:0] ls, input [P-1:0] en, input rdy);
    integer i, v, k;
    reg [P-1:0] fst, low, c_a, c_m, g, g_l, t_a;
    reg         a_seen;
    begin
        for (i = 0; i < P; i = i + 1) fst[i] = bv[i] && !md[i];
        low = lower_of(fst, en, kv, lr);
        for (i = 0; i < P; i = i + 1) begin
            c_a[i] = fst[i] && en[i] && ca[i] && !(kv[i] && low[i]);
            c_m[i] = fst[i] && en[i] && cm[i] && !(kv[i] && low[i]);
            // mid-frame drop, disabled plane, copy
            pop_of[i] = (bv[i] && md[i] && dr[i]) || (fst[i] && !en[i]) ||
                        (fst[i] && en[i] && kv[i] && (hb[i] || low[i]));
        end
        g = 0;
        for (v = 0; v < LAST_VALUES; v = v + 1) begin
            g_l = 0;
            for (k = P; k >= 1; k = k - 1) begin
                if (c_m[(v + k) % P]) g_l = P'(1) << ((v + k) % P);
            end
            if (32'(ls) == v) g = g_l;
        end
        a_seen = 1'b0;
        for (i = 0; i < P; i = i + 1) begin
            t_a[i] = c_a[i] && !a_seen;
            if (c_a[i]) a_seen = 1'b1;
        end
        for (i = 0; i < P; i = i + 1) begin
            pop_of[i] = pop_of[i] || t_a[i] ||
                        (rdy && (lk ? (32'(lks) == i && bv[i]) : g[i]));
        end
    end
endfunction
wire [P-1:0] pop_e = pop_of(~e_b_valid_n_reg, ~e_mid_n_reg, ~e_drop_n_reg, ~e_kv_n_reg, ~e_hitb_n_reg,
                            ~e_l_n_reg, ~e_bca_n_reg, ~e_bcm_n_reg, !e_locked_n_reg, ~e_locked_sel_n_reg,
                            ~e_last_sel_n_reg, plane_en, m_axis_tready);
wire [P-1:0] b_load_e = e_b_valid_n_reg | pop_e;   // = b_load, a_load (asserted)
wire [P-1:0] a_load_e = e_a_valid_n_reg | b_load_e;

reg [P-1:0] dup_drop_r, off_drop_r, req_dup_drop_r;
always @* begin
    for (q = 0; q < P; q = q + 1) begin
        dup_drop_r[q] = b_valid_reg[q] && b_last_reg[q] &&
                        ((mid_reg[q] && drop_reg[q] && !drop_off_reg[q]) || dup[q]);
        req_dup_drop_r[q] = b_valid_reg[q] && b_last_reg[q] &&
                            ((mid_reg[q] && drop_reg[q] && !drop_off_reg[q] && drop_req_reg[q]) || (dup[q] && b_req_reg[q]));
        off_drop_r[q] = b_valid_reg[q] && b_last_reg[q] &&
                        ((mid_reg[q] && drop_reg[q] && drop_off_reg[q]) || off[q]);
    end
end
assign dup_drop = dup_drop_r;
assign off_drop = off_drop_r;
assign req_dup_drop = req_dup_drop_r;

// keys taken this cycle enter the window (up to two per cycle: main first, then ACK); from the
// one-hot grants (a first beat enters main only unlocked, through the round-robin grant), not through
// their binary forms: the window's bookkeeping waits on as few levels of the decision as it can
// (written from the candidates with a valid key, not from the grants: two levels fewer; the same
// as m_axis_tready && !locked_reg && |(grant & b_kv_reg) and |(take_ack & b_kv_reg), asserted)
// (for the decision and its third copy:) the round-robin winner after last-select value ls among
// the main candidates c_m has a valid key (c_mk); the first ACK candidate (c_a) has one (c_ak)
function automatic main_ins_of(input [P-1:0] c_m, input [P-1:0] c_mk, input [SEL_WIDTH-1:0] ls);
    integer v, k;
    reg     m_v;
    begin
        main_ins_of = 1'b0;
        for (v = 0; v < LAST_VALUES; v = v + 1) begin
            m_v = 1'b0;
            for (k = P; k >= 1; k = k - 1) begin
                if (c_m[(v + k) % P]) m_v = c_mk[(v + k) % P];
            end
            if (32'(ls) == v) main_ins_of = m_v;
        end
    end
endfunction
function automatic ack_ins_of(input [P-1:0] c_a, input [P-1:0] c_ak);
    integer i;
    reg     a_seen;
    begin
        ack_ins_of = 1'b0;
        a_seen = 1'b0;
        for (i = 0; i < P; i = i + 1) begin
            if (c_ak[i] && !a_seen) ack_ins_of = 1'b1;
            if (c_a[i]) a_seen = 1'b1;
        end
    end
endfunction
wire ins_main = m_axis_tready && !locked_reg && main_ins_of(cand_main, cand_main_k, last_sel_reg);
wire ins_ack  = ack_ins_of(cand_ack, cand_ack_k);
// The same from a state (for the third copy): {ins_main, ins_ack}
function automatic [1:0] ins_of(
    input [P-1:0] bv, input [P-1:0] md, input [P-1:0] kv, input [P*P-1:0] lr, input [P-1:0] cm,
    input [P-1:0] ca, input [P-1:0] km, input [P-1:0] ka, input lk, input [SEL_WIDTH-1:0] ls,
    input [P-1:0] en, input rdy);
    integer i;
    reg [P-1:0] fst, low, c_m, c_a, c_mk, c_ak;
    begin
        for (i = 0; i < P; i = i + 1) fst[i] = bv[i] && !md[i];
        low = lower_of(fst, en, kv, lr);
        for (i = 0; i < P; i = i + 1) begin
            c_m[i] = fst[i] && en[i] && cm[i] && !(kv[i] && low[i]);
            c_a[i] = fst[i] && en[i] && ca[i] && !(kv[i] && low[i]);
            c_mk[i] = fst[i] && en[i] && km[i] && !low[i];
            c_ak[i] = fst[i] && en[i] && ka[i] && !low[i];
        end
        ins_of = {rdy && !lk && main_ins_of(c_m, c_mk, ls), ack_ins_of(c_a, c_ak)};
    end
endfunction
wire [1:0] ins_w = ins_of(~w_b_valid_n_reg, ~w_mid_n_reg, ~w_kv_n_reg, ~w_l_n_reg, ~w_bcm_n_reg, ~w_bca_n_reg,
                          ~w_bkm_n_reg, ~w_bka_n_reg, !w_locked_n_reg, ~w_last_sel_n_reg, plane_en, m_axis_tready);
wire ins_main_w = ins_w[1];   // = ins_main, ins_ack (asserted)
wire ins_ack_w  = ins_w[0];
reg [KEY_WIDTH-1:0] key_main, key_ack;
always @* begin
    key_main = {KEY_WIDTH{1'b0}};
    key_ack = {KEY_WIDTH{1'b0}};
    for (q = 0; q < P; q = q + 1) begin
        key_main = key_main | (b_key_reg[q*KEY_WIDTH +: KEY_WIDTH] & {KEY_WIDTH{grant[q]}});
        key_ack = key_ack | (b_key_reg[q*KEY_WIDTH +: KEY_WIDTH] & {KEY_WIDTH{take_ack[q]}});
    end
end
function automatic [WIN_PTR_WIDTH-1:0] ptr_inc(input [WIN_PTR_WIDTH-1:0] x);
    ptr_inc = (32'(x) == W - 1) ? {WIN_PTR_WIDTH{1'b0}} : x + 1'b1;
endfunction
wire [W-1:0] at_ptr  = win_oh_reg;
wire [W-1:0] at_ptr1 = {win_oh_reg[W-2:0], win_oh_reg[W-1]};
wire [W-1:0] at_ptr2 = {at_ptr1[W-2:0], at_ptr1[W-1]};
wire [W-1:0] at_ptr3 = {at_ptr2[W-2:0], at_ptr2[W-1]};
// written at this edge: the main key at ptr, the ACK key at ptr (alone) or ptr+1 (after main)
wire [W-1:0] wr_m = ins_main_w ? at_ptr : {W{1'b0}};
wire [W-1:0] wr_a = !ins_ack_w ? {W{1'b0}} : ins_main_w ? at_ptr1 : at_ptr;
// the window writes (the sequential block): the first key taken (main, else ACK) to ptr, a second
// (ACK after main) to ptr+1
wire                 wr_first = ins_main_w || ins_ack_w;
wire                 wr_second = ins_main_w && ins_ack_w;
wire [KEY_WIDTH-1:0] key_first = ins_main_w ? key_main : key_ack;

// ---------------------------------------------------------------------------------------------
// Window bookkeeping, off the decision path

// Entries that stay live into the next cycle if not overwritten. The age test is made a cycle
// ahead (young_reg): an entry of time stamp ts is young in the next cycle when
// now + 2 - ts < WINDOW_CYCLES, i.e. now - ts < WINDOW_CYCLES - 2 (ts is never after now), and an
// entry written at this edge is young in the next cycle (2 < WINDOW_CYCLES).
// (The per-entry loops are functions: their loop index and result are locals of the simulation's
// C++, which the compiler keeps in registers; the hardware is the same W comparators.)
function automatic [W-1:0] young_of(input [TS_WIDTH-1:0] t);
    integer i;
    begin
        young_of = {W{1'b0}};
        for (i = 0; i < W; i = i + 1) begin
            young_of[i] = TS_WIDTH'(t - (i % 2 == 0 ? win_ts_e_reg[i / 2] : win_ts_o_reg[i / 2])) < TS_WIDTH'(WINDOW_CYCLES - 2);
        end
    end
endfunction
wire [W-1:0] live_nw = live_reg & young_reg;
// (the entries written at the last edge hold their time stamp in pend_ts_reg, which is now - 1)
wire [W-1:0] pend_mask = pend_f_mask | pend_s_mask;
wire         pend_young = 32'd1 < 32'(WINDOW_CYCLES - 2);
// young_next but for the entries written at this edge (young in the next cycle)
wire [W-1:0] young_kept = (young_of(now[TS_WIDTH-1:0]) & ~pend_mask) | (pend_mask & {W{pend_young}});
wire         _unused_now = &{1'b0, now[31:TS_WIDTH], 1'b0};   // only the low bits are stamped
wire [W-1:0] young_next = wr_m | wr_a | young_kept;

// plain_reg of the next cycle. The next cycle's ptr and ptr+1 are ptr+n and ptr+n+1 (n keys written
// at ptr, ptr+1); written and next ptr / ptr+1 together: ptr, ptr+1, and ptr+2, ptr+3 as written.
wire [W-1:0] plain_next = ~(at_ptr | at_ptr1) & ~(at_ptr2 & {W{wr_first}}) & ~(at_ptr3 & {W{wr_second}});
// The entries at ptr and ptr+1 but for those written at the last edge: one of these is ptr or ptr+1
// only in a window of fewer than 4 entries (else these are win_oh_reg and its rotation)
wire [W-1:0] rec_small = (rec_m_mask_reg | rec_a_mask_reg) & {W{W < 4}};
wire [W-1:0] pm0 = at_ptr & ~rec_small;
wire [W-1:0] pm1 = at_ptr1 & ~rec_small;
// where last edge's written entries are in this cycle: the main key's (rec_m) at ptr (W = 2, two
// written), at ptr+1 (W = 2, one written; W = 3, two written), else elsewhere; the ACK key's (rec_a) at
// ptr+1 (W = 2), else elsewhere (never at ptr)
wire rm_p0   = rec_m_reg && rec_a_reg && W == 2;
wire rm_p1   = rec_m_reg && ((W == 2 && !rec_a_reg) || (W == 3 && rec_a_reg));
wire rm_free = rec_m_reg && !rm_p0 && !rm_p1;
wire ra_p1   = rec_a_reg && W == 2;
wire ra_free = rec_a_reg && W != 2;

// A's per-entry bits with last edge's writes filled in from the pairwise compares
reg [P*W-1:0] ma_eff;
reg [W-1:0]   ma;
always @* begin
    for (q = 0; q < P; q = q + 1) begin
        ma = ma_new_reg[q] ? mn_reg[q*W +: W] : mo_reg[q*W +: W];
        ma_eff[q*W +: W] = (ma & ~(rec_m_mask_reg | rec_a_mask_reg))
                         | (rec_m_mask_reg & {W{ea_reg[q*P + 32'(rec_m_src_reg)]}})
                         | (rec_a_mask_reg & {W{ea_reg[q*P + 32'(rec_a_src_reg)]}});
    end
end

// pairwise key compares of the buffers' heads with the stages' keys and with each other (the stages'
// keys among themselves are the registers ab_reg, aa_reg, l_reg)
reg [P*P-1:0] eq_sa, eq_sb, eq_ss;   // [q*P+p]: s_q key == A_p / B_p / s_p key
always @* begin
    for (q = 0; q < P; q = q + 1) begin
        for (p = 0; p < P; p = p + 1) begin
            eq_sa[q*P+p] = s_key[q*KEY_WIDTH +: KEY_WIDTH] == a_key_reg[p*KEY_WIDTH +: KEY_WIDTH];
            eq_sb[q*P+p] = s_key[q*KEY_WIDTH +: KEY_WIDTH] == b_key_reg[p*KEY_WIDTH +: KEY_WIDTH];
            eq_ss[q*P+p] = q == p || s_key[q*KEY_WIDTH +: KEY_WIDTH] == s_key[p*KEY_WIDTH +: KEY_WIDTH];
        end
    end
end

// the bit a frame brings from A into B: its key is in the window of the next cycle. Entries that
// this edge may overwrite (ptr, ptr+1) are resolved last, as they depend on this cycle's decision.
// The same as |(ma_eff & live_nw & ~(at_ptr | at_ptr1)) || keep_ptr && |(ma_eff & live_nw & at_ptr) ||
// keep_ptr1 && |(ma_eff & live_nw & at_ptr1) || (keys taken now), with the masks from registers
// (plain_reg, pm0, pm1) and the entries written at the last edge (live, their bits in ea_reg) apart.
reg [P-1:0] hit_a;
reg [W-1:0] ma_h;
reg         keep_ptr, keep_ptr1, ea_m, ea_a;
always @* begin
    for (q = 0; q < P; q = q + 1) begin
        keep_ptr  = !(ins_main || ins_ack);
        keep_ptr1 = !(ins_main && ins_ack);
        ma_h = (ma_new_reg[q] ? mn_reg[q*W +: W] : mo_reg[q*W +: W]) & live_nw;
        ea_m = ea_reg[q*P + 32'(rec_m_src_reg)];
        ea_a = ea_reg[q*P + 32'(rec_a_src_reg)];
        hit_a[q] = |(ma_h & plain_reg)
                || (keep_ptr  && (|(ma_h & pm0) || (rm_p0 && ea_m)))
                || (keep_ptr1 && (|(ma_h & pm1) || (rm_p1 && ea_m) || (ra_p1 && ea_a)))
                || (rm_free && ea_m) || (ra_free && ea_a)
                || (ins_main && |(ab_reg[q*P +: P] & grant))
                || (ins_ack && |(ab_reg[q*P +: P] & take_ack));
    end
end

// the entries holding key k (live or not): one comparator per entry
function automatic [W-1:0] window_match(input [KEY_WIDTH-1:0] k);
    integer i;
    begin
        window_match = {W{1'b0}};
        for (i = 0; i < W; i = i + 1) begin
            window_match[i] = (i % 2 == 0 ? win_key_e_reg[i / 2] : win_key_o_reg[i / 2]) == k;
        end
    end
endfunction

// The pending writes by bank: the first key's entry is even or odd, the second's (at the next entry)
// the other (from registers only)
wire                      f_odd = pend_f_ptr_reg[0];
wire                      pend_e = f_odd ? pend_s_reg : pend_f_reg;
wire                      pend_o = f_odd ? pend_f_reg : pend_s_reg;
wire [KEY_WIDTH-1:0]      pend_e_key = f_odd ? pend_s_key_reg : pend_f_key_reg;
wire [KEY_WIDTH-1:0]      pend_o_key = f_odd ? pend_f_key_reg : pend_s_key_reg;
wire [BANK_PTR_WIDTH-1:0] pend_e_idx = BANK_PTR_WIDTH'((f_odd ? pend_s_ptr_reg : pend_f_ptr_reg) >> 1);
wire [BANK_PTR_WIDTH-1:0] pend_o_idx = BANK_PTR_WIDTH'((f_odd ? pend_f_ptr_reg : pend_s_ptr_reg) >> 1);

// ---------------------------------------------------------------------------------------------
// Sequential logic

always @(posedge clk) begin
    for (q = 0; q < P; q = q + 1) begin
        // B takes A's beat; the registered facts about it follow
        if (b_load_e[q]) begin
            b_valid_reg[q] <= a_valid_reg[q];
            e_b_valid_n_reg[q] <= e_a_valid_n_reg[q];
            w_b_valid_n_reg[q] <= !a_valid_reg[q];
            w_kv_n_reg[q] <= !a_kv_reg[q];
            w_bca_n_reg[q] <= !(a_ack_reg[q] && !(a_kv_reg[q] && hit_a[q]));
            w_bcm_n_reg[q] <= !(!a_ack_reg[q] && !(a_kv_reg[q] && hit_a[q]));
            w_bka_n_reg[q] <= !(a_ack_reg[q] && a_kv_reg[q] && !hit_a[q]);
            w_bkm_n_reg[q] <= !(!a_ack_reg[q] && a_kv_reg[q] && !hit_a[q]);
            e_kv_n_reg[q] <= !a_kv_reg[q];
            e_hitb_n_reg[q] <= !hit_a[q];
            e_bca_n_reg[q] <= !(a_ack_reg[q] && !(a_kv_reg[q] && hit_a[q]));
            e_bcm_n_reg[q] <= !(!a_ack_reg[q] && !(a_kv_reg[q] && hit_a[q]));
            b_data_reg[q*DATA_WIDTH +: DATA_WIDTH] <= a_data_reg[q*DATA_WIDTH +: DATA_WIDTH];
            b_keep_reg[q*KEEP_WIDTH +: KEEP_WIDTH] <= a_keep_reg[q*KEEP_WIDTH +: KEEP_WIDTH];
            b_last_reg[q] <= a_last_reg[q];
            b_len_reg[q*16 +: 16] <= a_len_reg[q*16 +: 16];
            b_key_reg[q*KEY_WIDTH +: KEY_WIDTH] <= a_key_reg[q*KEY_WIDTH +: KEY_WIDTH];
            b_kv_reg[q] <= a_kv_reg[q];
            b_ack_reg[q] <= a_ack_reg[q];
            b_req_reg[q] <= a_req_reg[q];
            hitb_reg[q] <= hit_a[q];
            bca_reg[q] <= a_ack_reg[q] && !(a_kv_reg[q] && hit_a[q]);
            bcm_reg[q] <= !a_ack_reg[q] && !(a_kv_reg[q] && hit_a[q]);
            bka_reg[q] <= a_ack_reg[q] && a_kv_reg[q] && !hit_a[q];
            bkm_reg[q] <= !a_ack_reg[q] && a_kv_reg[q] && !hit_a[q];
        end
        // A takes the buffer's beat
        // (with nothing offered A takes noise, marked invalid: the enable stays one signal)
        if (a_load_e[q]) begin
            a_valid_reg[q] <= s_axis_tvalid[q];
            e_a_valid_n_reg[q] <= !s_axis_tvalid[q];
            a_data_reg[q*DATA_WIDTH +: DATA_WIDTH] <= s_axis_tdata[q*DATA_WIDTH +: DATA_WIDTH];
            a_keep_reg[q*KEEP_WIDTH +: KEEP_WIDTH] <= s_axis_tkeep[q*KEEP_WIDTH +: KEEP_WIDTH];
            a_last_reg[q] <= s_axis_tlast[q];
            a_len_reg[q*16 +: 16] <= s_len[q*16 +: 16];
            a_key_reg[q*KEY_WIDTH +: KEY_WIDTH] <= s_key[q*KEY_WIDTH +: KEY_WIDTH];
            a_kv_reg[q] <= s_key_valid[q];
            a_ack_reg[q] <= s_is_ack[q];
            a_req_reg[q] <= s_is_req[q];
        end
        // the buffer's head compared with every entry of the next cycle's window (the entries
        // written at this edge are covered by the pairwise compares next cycle), and the bits of
        // the beat A holds carried on
        ma_new_reg[q] <= a_load_e[q];
        if (s_axis_tvalid[q]) begin
            mn_reg[q*W +: W] <= live_nw & ((window_match(s_key[q*KEY_WIDTH +: KEY_WIDTH]) & ~pend_mask) |
                                           (pend_f_mask & {W{s_key[q*KEY_WIDTH +: KEY_WIDTH] == pend_f_key_reg}}) |
                                           (pend_s_mask & {W{s_key[q*KEY_WIDTH +: KEY_WIDTH] == pend_s_key_reg}}));
        end
        mo_reg[q*W +: W] <= ma_eff[q*W +: W] & live_nw;
        // the keys taken this cycle, compared with the heads of the next cycle
        for (p = 0; p < P; p = p + 1) begin
            ea_reg[q*P+p] <= a_load_e[q] ? eq_sb[q*P+p] : ab_reg[q*P+p];
            // A_q and B_p after this edge: A_q' = a_load ? s_q : A_q, B_p' = b_load ? A_p : B_p
            ab_reg[q*P+p] <= a_load_e[q] ? (b_load_e[p] ? eq_sa[q*P+p] : eq_sb[q*P+p])
                                         : (b_load_e[p] ? aa_reg[q*P+p] : ab_reg[q*P+p]);
            aa_reg[q*P+p] <= a_load_e[q] ? (a_load_e[p] ? eq_ss[q*P+p] : eq_sa[q*P+p])
                                         : (a_load_e[p] ? eq_sa[p*P+q] : aa_reg[q*P+p]);
            if (p < q) begin
                l_reg[p*P+q] <= b_load_e[p] ? (b_load_e[q] ? aa_reg[p*P+q] : ab_reg[p*P+q])
                                            : (b_load_e[q] ? ab_reg[q*P+p] : l_reg[p*P+q]);
                e_l_n_reg[p*P+q] <= b_load_e[p] ? (b_load_e[q] ? !aa_reg[p*P+q] : !ab_reg[p*P+q])
                                                : (b_load_e[q] ? !ab_reg[q*P+p] : e_l_n_reg[p*P+q]);
                w_l_n_reg[p*P+q] <= b_load_e[p] ? (b_load_e[q] ? !aa_reg[p*P+q] : !ab_reg[p*P+q])
                                                : (b_load_e[q] ? !ab_reg[q*P+p] : w_l_n_reg[p*P+q]);
            end
        end
        // the frame state of B
        if (pop[q]) begin
            if (b_last_reg[q]) begin
                mid_reg[q] <= 1'b0;
                drop_reg[q] <= 1'b0;
                e_mid_n_reg[q] <= 1'b1;
                e_drop_n_reg[q] <= 1'b1;
                w_mid_n_reg[q] <= 1'b1;
            end else begin
                mid_reg[q] <= 1'b1;
                e_mid_n_reg[q] <= 1'b0;
                w_mid_n_reg[q] <= 1'b0;
                if (!mid_reg[q]) begin
                    drop_reg[q] <= off[q] || dup[q];
                    e_drop_n_reg[q] <= !(off[q] || dup[q]);
                    drop_off_reg[q] <= off[q];
                    drop_req_reg[q] <= dup[q] && b_req_reg[q];
                end
            end
        end
    end
    if (main_go) begin
        last_sel_reg <= sel;
        e_last_sel_n_reg <= ~sel;
        w_last_sel_n_reg <= ~sel;
        if (m_axis_tlast) begin
            locked_reg <= 1'b0;
            e_locked_n_reg <= 1'b1;
            w_locked_n_reg <= 1'b1;
        end else begin
            locked_reg <= 1'b1;
            locked_sel_reg <= sel;
            e_locked_n_reg <= 1'b0;
            w_locked_n_reg <= 1'b0;
            e_locked_sel_n_reg <= ~sel;
        end
    end
    live_reg <= live_nw | wr_m | wr_a;
    young_reg <= young_next;
    rec_m_mask_reg <= wr_m;
    rec_a_mask_reg <= wr_a;
    rec_m_src_reg <= sel;
    rec_a_src_reg <= ack_sel;
    rec_m_reg <= ins_main_w;
    rec_a_reg <= ins_ack_w;
    plain_reg <= plain_next;
    // the window: the first key taken (main, else ACK) at ptr, a second (ACK after main) at ptr+1,
    // written at the next edge from the pending registers
    pend_f_oh_reg <= at_ptr;
    pend_s_oh_reg <= at_ptr1;
    pend_f_reg <= wr_first;
    pend_s_reg <= wr_second;
    pend_f_ptr_reg <= win_ptr_reg;
    pend_s_ptr_reg <= win_ptr1_reg;
    pend_f_key_reg <= key_first;
    pend_s_key_reg <= key_ack;
    pend_ts_reg <= now[TS_WIDTH-1:0];
    if (pend_e) begin
        win_key_e_reg[pend_e_idx] <= pend_e_key;
        win_ts_e_reg[pend_e_idx] <= pend_ts_reg;
    end
    if (pend_o) begin
        win_key_o_reg[pend_o_idx] <= pend_o_key;
        win_ts_o_reg[pend_o_idx] <= pend_ts_reg;
    end
    if (wr_second) begin
        win_oh_reg <= at_ptr2;
        win_ptr_reg <= win_ptr2_reg;
        win_ptr1_reg <= win_ptr3_reg;
        win_ptr2_reg <= ptr_inc(win_ptr3_reg);
        win_ptr3_reg <= ptr_inc(ptr_inc(win_ptr3_reg));
    end else if (wr_first) begin
        win_oh_reg <= at_ptr1;
        win_ptr_reg <= win_ptr1_reg;
        win_ptr1_reg <= win_ptr2_reg;
        win_ptr2_reg <= win_ptr3_reg;
        win_ptr3_reg <= ptr_inc(win_ptr3_reg);
    end

    if (rst) begin
        a_valid_reg <= 0;
        b_valid_reg <= 0;
        mid_reg <= 0;
        drop_reg <= 0;
        drop_off_reg <= 0;
        drop_req_reg <= 0;
        locked_reg <= 1'b0;
        locked_sel_reg <= 0;
        last_sel_reg <= 0;
        e_a_valid_n_reg <= {P{1'b1}};
        e_b_valid_n_reg <= {P{1'b1}};
        e_mid_n_reg <= {P{1'b1}};
        e_drop_n_reg <= {P{1'b1}};
        e_locked_n_reg <= 1'b1;
        e_locked_sel_n_reg <= {SEL_WIDTH{1'b1}};
        e_last_sel_n_reg <= {SEL_WIDTH{1'b1}};
        w_b_valid_n_reg <= {P{1'b1}};
        w_mid_n_reg <= {P{1'b1}};
        w_locked_n_reg <= 1'b1;
        w_last_sel_n_reg <= {SEL_WIDTH{1'b1}};
        live_reg <= 0;
        young_reg <= 0;
        rec_m_mask_reg <= 0;
        rec_a_mask_reg <= 0;
        rec_m_reg <= 1'b0;
        rec_a_reg <= 1'b0;
        plain_reg <= ~W'(3);
        pend_f_reg <= 1'b0;
        pend_s_reg <= 1'b0;
        win_oh_reg <= W'(1);
        win_ptr_reg <= 0;
        win_ptr1_reg <= WIN_PTR_WIDTH'(1);
        win_ptr2_reg <= WIN_PTR_WIDTH'(2 % W);
        win_ptr3_reg <= WIN_PTR_WIDTH'(3 % W);
    end
end

`ifndef SYNTHESIS
// A stage is loaded only when it is free or moving on; the grants are single; a plane is never
// popped while empty.
always @(posedge clk) begin
    if (!rst) begin
        for (q = 0; q < P; q = q + 1) begin
            assert (!(pop[q] && !b_valid_reg[q])) else $error("nicraft_plane_merge: plane %0d popped while empty", q);
            assert (!(a_valid_reg[q] && a_load[q] && !b_load[q])) else $error("nicraft_plane_merge: stage A of plane %0d overwritten", q);
        end
        assert (pop_e == pop && b_load_e == b_load && a_load_e == a_load &&
                e_a_valid_n_reg == ~a_valid_reg && e_b_valid_n_reg == ~b_valid_reg && e_mid_n_reg == ~mid_reg &&
                e_drop_n_reg == ~drop_reg && e_kv_n_reg == ~b_kv_reg && e_hitb_n_reg == ~hitb_reg &&
                e_bca_n_reg == ~bca_reg && e_bcm_n_reg == ~bcm_reg && e_locked_n_reg == !locked_reg &&
                e_locked_sel_n_reg == ~locked_sel_reg && e_last_sel_n_reg == ~last_sel_reg &&
                e_l_n_reg == ~l_reg &&
                ins_main_w == ins_main && ins_ack_w == ins_ack &&
                w_b_valid_n_reg == ~b_valid_reg && w_mid_n_reg == ~mid_reg && w_kv_n_reg == ~b_kv_reg &&
                w_bcm_n_reg == ~bcm_reg && w_bca_n_reg == ~bca_reg && w_bkm_n_reg == ~bkm_reg &&
                w_bka_n_reg == ~bka_reg && w_l_n_reg == ~l_reg && w_locked_n_reg == !locked_reg &&
                w_last_sel_n_reg == ~last_sel_reg)
            else $error("nicraft_plane_merge: the enables' copy of the decision's state disagrees");
        assert (!(main_go && !b_valid_reg[sel])) else $error("nicraft_plane_merge: main takes an empty plane %0d", sel);
        assert (take_main == (main_go ? P'(1) << sel : P'(0)) && $onehot0(take_main))
            else $error("nicraft_plane_merge: main grant %b is not the one-hot of plane %0d", take_main, sel);
        assert (take_ack == (ack_found ? P'(1) << ack_sel : P'(0)) && $onehot0(take_ack))
            else $error("nicraft_plane_merge: ACK grant %b is not the one-hot of plane %0d", take_ack, ack_sel);
        assert (!(ack_found && (!b_valid_reg[ack_sel] || (main_go && sel == ack_sel && !locked_reg))))
            else $error("nicraft_plane_merge: ACK path grant to plane %0d conflicts", ack_sel);
        for (q = 0; q < P; q = q + 1) begin
            assert (bca_reg[q] == (b_ack_reg[q] && !(b_kv_reg[q] && hitb_reg[q])) &&
                    bcm_reg[q] == (!b_ack_reg[q] && !(b_kv_reg[q] && hitb_reg[q])) &&
                    bka_reg[q] == (b_ack_reg[q] && b_kv_reg[q] && !hitb_reg[q]) &&
                    bkm_reg[q] == (!b_ack_reg[q] && b_kv_reg[q] && !hitb_reg[q]) &&
                    cand_ack[q] == (first[q] && plane_en[q] && !dup[q] && b_ack_reg[q]) &&
                    cand_main[q] == (first[q] && plane_en[q] && !dup[q] && !b_ack_reg[q]))
                else $error("nicraft_plane_merge: the classification of B's beat on plane %0d is wrong", q);
        end
        assert (ins_main == (m_axis_tready && !locked_reg && |(grant & b_kv_reg)) && ins_ack == |(take_ack & b_kv_reg))
            else $error("nicraft_plane_merge: the window's insertions do not follow the grants' keys");
        assert (ins_main == (main_go && !locked_reg && b_kv_reg[sel]) && ins_ack == (ack_found && b_kv_reg[ack_sel]) &&
                (!ins_main || key_main == b_key_reg[sel*KEY_WIDTH +: KEY_WIDTH]) &&
                (!ins_ack || key_ack == b_key_reg[ack_sel*KEY_WIDTH +: KEY_WIDTH]))
            else $error("nicraft_plane_merge: the window's insertions do not follow the grants");
        for (q = 0; q < P; q = q + 1) begin
            for (p = 0; p < P; p = p + 1) begin
                assert (ab_reg[q*P+p] == (a_key_reg[q*KEY_WIDTH +: KEY_WIDTH] == b_key_reg[p*KEY_WIDTH +: KEY_WIDTH]) &&
                        aa_reg[q*P+p] == (a_key_reg[q*KEY_WIDTH +: KEY_WIDTH] == a_key_reg[p*KEY_WIDTH +: KEY_WIDTH]) &&
                        (p >= q || l_reg[p*P+q] == (b_key_reg[p*KEY_WIDTH +: KEY_WIDTH] == b_key_reg[q*KEY_WIDTH +: KEY_WIDTH])))
                    else $error("nicraft_plane_merge: the kept compares of the keys of planes %0d and %0d are wrong", q, p);
            end
        end
        assert (!pend_s_reg || (pend_f_reg && pend_f_ptr_reg[0] != pend_s_ptr_reg[0]))
            else $error("nicraft_plane_merge: the two pending writes are not one per bank");
        assert (pend_f_mask == (pend_f_reg ? W'(1) << pend_f_ptr_reg : W'(0)) &&
                pend_s_mask == (pend_s_reg ? W'(1) << pend_s_ptr_reg : W'(0)))
            else $error("nicraft_plane_merge: the pending writes' masks do not match their pointers");
        assert (plain_reg == ~(rec_m_mask_reg | rec_a_mask_reg | at_ptr | at_ptr1))
            else $error("nicraft_plane_merge: the kept window mask does not match the window");
        assert (rec_m_reg == |rec_m_mask_reg && rec_a_reg == |rec_a_mask_reg &&
                (rm_p0 == |(rec_m_mask_reg & at_ptr)) && (rm_p1 == |(rec_m_mask_reg & at_ptr1)) &&
                (!(|(rec_a_mask_reg & at_ptr))) && (ra_p1 == |(rec_a_mask_reg & at_ptr1)))
            else $error("nicraft_plane_merge: the entries written at the last edge are not where expected");
        assert (32'(win_ptr2_reg) == (32'(win_ptr_reg) + 2) % W && 32'(win_ptr3_reg) == (32'(win_ptr_reg) + 3) % W &&
                32'(win_ptr1_reg) == (32'(win_ptr_reg) + 1) % W && win_oh_reg[win_ptr_reg])
            else $error("nicraft_plane_merge: the window pointers disagree");
        assert (!(ins_main && ins_ack && key_main == key_ack && sel != ack_sel))
            else $error("nicraft_plane_merge: one key taken twice in a cycle");
    end
end
`endif

endmodule

`resetall
