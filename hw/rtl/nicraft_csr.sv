// nicraft: the CSR block (docs/register-map.md): the host's configuration registers, the read
// mux over every block (ident, raft, counters) and the free-running cycle counter.
//
// A read answers the cycle after csr_rd_en with the state as it was in the cycle of the request.
// The configuration registers live here; LAST_INDEX, COMMIT_INDEX, APPLIED_INDEX, MATCH_INDEX and
// the counters belong to the engines that update them: a host write of one of those is passed on as
// a one-cycle strobe (the value on csr_wr_data), and the owner lets the host's write win.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_csr #(
    // replicas (IDENT_PARAMS0; the MATCH_INDEX window): 1..8
    parameter MAX_NODES = 8,
    // network planes (IDENT_PARAMS0): 1..3
    parameter PLANES = 1,
    // datapath width in bits (IDENT_PARAMS1): 512
    parameter DATA_WIDTH = 512,
    // log2 of the log RAM's entries (IDENT_PARAMS0): 2..20
    parameter LOG_DEPTH_LOG2 = 10,
    // largest payload in bytes (IDENT_PARAMS1): 16..65535
    parameter MAX_PAYLOAD = 256,
    // beats per log slot (IDENT_PARAMS0): 1..128
    parameter SLOT_BEATS = 8
) (
    input  wire                    clk,
    input  wire                    rst,

    // host register port
    input  wire                    csr_wr_en,
    input  wire                    csr_rd_en,
    input  wire [15:0]             csr_addr,
    input  wire [31:0]             csr_wr_data,
    output wire [31:0]             csr_rd_data,
    output wire                    csr_rd_valid,

    // configuration
    output wire [7:0]              node_id,
    output wire [7:0]              node_sel,     // node_id one-hot (0 for ids above 7), registered with it
    output wire [15:0]             cluster_id,
    output wire [1:0]              role,
    output wire [31:0]             term,
    output wire [7:0]              leader_id,
    output wire [7:0]              members,
    output wire [3:0]              quorum,
    output wire                    fast_en,
    output wire                    leader_mode,     // fast path on, role leader or chain middle (leads a successor)
    output wire                    follower_mode,   // fast path on, role follower or chain middle (follows LEADER_ID)
    output wire [31:0]             hb_interval,
    output wire [31:0]             hb_commit_delay,
    output wire [31:0]             ack_count,
    output wire [31:0]             ack_delay,
    output wire [31:0]             ack_gap,
    output wire [31:0]             term_start,
    output wire [PLANES-1:0]       plane_en,
    output wire [31:0]             nack_interval,
    output wire [31:0]             nack_delay,
    output wire [31:0]             silence_cycles,
    output wire [7:0]              reply_mask,
    output wire [7:0]              succ_id,         // CHAIN.SUCC_ID (0xFF: none)
    output wire                    role_middle,     // ROLE == 3 (chain middle), registered with ROLE (no decode after it)
    output wire                    chain_lead,      // CHAIN.SUCC_ID is set (a chain's head or middle)
    output wire                    tail_on,         // fast path on, ROLE follower, CHAIN.TAIL: the chain's tail
    output wire [31:0]             rto,
    output wire [63:0]             cycle,
    // the values term, hb_interval, hb_commit_delay, ack_delay, ack_count, nack_interval and nack_delay hold next
    // cycle (this cycle's host write or reset applied): nicraft_exec and nicraft_ctl_gen register their
    // compares with these registers a cycle ahead, so that the compares are not on their decision paths
    output wire [31:0]             term_next,
    output wire [31:0]             hb_interval_next,
    output wire [31:0]             hb_commit_delay_next,
    output wire [31:0]             ack_delay_next,
    output wire [31:0]             ack_count_next,
    output wire [31:0]             nack_interval_next,
    output wire [31:0]             nack_delay_next,

    // host writes of registers other blocks own (one-cycle strobes, the value is csr_wr_data)
    output wire                    wr_last_index,
    output wire                    wr_commit_index,
    output wire                    wr_applied_index,
    output wire                    wr_match_index,
    output wire [2:0]              match_sel,
    output wire                    ctr_clear,

    // the state the read mux shows
    input  wire [31:0]             last_index,
    input  wire [31:0]             commit_index,
    input  wire [31:0]             applied_index,
    input  wire [MAX_NODES*32-1:0] match_view,      // match indexes, this node's own = its last index
    input  wire [3:0]              status,          // STATUS bits (NR_STATUS_*): {frozen, APPEND FIFO nearly full, window full, delivery FIFO nearly full}
    output wire [5:0]              ctr_rd_index,
    input  wire [63:0]             ctr_rd_value
);

`include "nicraft_wire.svh"

localparam [1:0] ROLE_OFF = 2'd0, ROLE_FOLLOWER = 2'd1;
localparam [31:0] PARAMS0 = {8'(SLOT_BEATS), 8'(LOG_DEPTH_LOG2), 8'(PLANES), 8'(MAX_NODES)};
localparam [31:0] PARAMS1 = {16'(DATA_WIDTH), 16'(MAX_PAYLOAD)};

initial begin
    if (MAX_NODES < 1 || MAX_NODES > 8 || PLANES < 1 || PLANES > 3) begin
        $error("nicraft_csr: MAX_NODES must be 1..8 and PLANES 1..3");
        $finish;
    end
    if (DATA_WIDTH != 512 || LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin
        $error("nicraft_csr: DATA_WIDTH must be 512 and LOG_DEPTH_LOG2 2..20");
        $finish;
    end
    if (MAX_PAYLOAD < 16 || MAX_PAYLOAD > 65535 || SLOT_BEATS < 1 || SLOT_BEATS > 128) begin
        $error("nicraft_csr: MAX_PAYLOAD must be 16..65535 and SLOT_BEATS 1..128");
        $finish;
    end
end

reg [7:0]  node_id_reg = 8'd0;
reg [7:0]  node_sel_reg = 8'd1;   // node_id_reg one-hot: a decode kept out of the commit quorum's path
reg [15:0] cluster_id_reg = NR_CSR_RAFT_CLUSTER_ID_RESET[15:0];
reg [1:0]  role_reg = ROLE_OFF;
reg        role_middle_reg = 1'b0;   // role_reg == 3: a decode kept out of nicraft_ctl_gen's ACK decision
reg [31:0] term_reg = 32'd0;
reg [7:0]  leader_id_reg = 8'd0;
reg [7:0]  members_reg = 8'd1;
reg [3:0]  quorum_reg = 4'd1;
reg        fast_en_reg = 1'b0;
reg [31:0] hb_interval_reg = NR_CSR_RAFT_HB_INTERVAL_RESET;
reg [31:0] hb_commit_delay_reg = NR_CSR_RAFT_HB_COMMIT_DELAY_RESET;
reg [31:0] ack_count_reg = NR_CSR_RAFT_ACK_COUNT_RESET;
reg [31:0] ack_delay_reg = NR_CSR_RAFT_ACK_DELAY_RESET;
reg [31:0] ack_gap_reg = NR_CSR_RAFT_ACK_GAP_RESET;
reg [31:0] term_start_reg = NR_CSR_RAFT_TERM_START_RESET;
reg [2:0]  match_sel_reg = 3'd0;
reg [2:0]  plane_en_reg = 3'b111;
reg [31:0] nack_interval_reg = NR_CSR_RAFT_NACK_INTERVAL_RESET;
reg [31:0] nack_delay_reg = NR_CSR_RAFT_NACK_DELAY_RESET;
reg [31:0] silence_cycles_reg = NR_CSR_RAFT_SILENCE_CYCLES_RESET;
reg [7:0]  reply_mask_reg = NR_CSR_RAFT_REPLY_MASK_RESET[7:0];
reg [7:0]  succ_id_reg = NR_CSR_RAFT_CHAIN_RESET[7:0];
reg        chain_tail_reg = NR_CSR_RAFT_CHAIN_RESET[8];
reg [31:0] rto_reg = NR_CSR_RAFT_RTO_RESET;
reg [63:0] cycle_reg = 64'd0;

// one-hot of a node id (ids 0..7; none for a larger id)
function automatic [7:0] onehot8(input [7:0] id);
    onehot8 = id < 8'd8 ? 8'd1 << id[2:0] : 8'd0;
endfunction
reg [31:0] csr_rd_data_reg = 32'd0;
reg        csr_rd_valid_reg = 1'b0;

// counters: 64 bits each at NR_CTR_BASE, low word first
// (the window [NR_CTR_BASE, NR_CTR_BASE + 8 * NR_CTR_COUNT) as two compares of csr_addr with
// constants, side by side, rather than a compare after the subtract; each compare written bit by bit
// (a >= c from the low bit up), so that it maps to a tree of LUTs on the address bits rather than
// to a LUT, a carry chain and a LUT in series)
localparam [16:0] CTR_END = 17'(NR_CTR_BASE) + 17'(8 * NR_CTR_COUNT);
`include "nicraft_util.svh"
wire [15:0] ctr_off = csr_addr - NR_CTR_BASE;
wire [12:0] ctr_idx = ctr_off[15:3];
wire        ctr_hit = nr_ge_const({1'b0, csr_addr}, {1'b0, NR_CTR_BASE}) && !nr_ge_const({1'b0, csr_addr}, CTR_END);
wire [63:0] ctr_val = ctr_hit ? ctr_rd_value : 64'd0;
assign ctr_rd_index = ctr_idx[5:0];

reg [31:0] csr_mux;
always_comb begin
    csr_mux = 32'd0;
    case (csr_addr)
        NR_CSR_IDENT_TYPE:           csr_mux = NR_BLK_IDENT_TYPE;
        NR_CSR_IDENT_VERSION:        csr_mux = NR_BLK_IDENT_VERSION;
        NR_CSR_IDENT_NEXT:           csr_mux = {16'd0, NR_BLK_RAFT_BASE};
        NR_CSR_IDENT_PARAMS0:        csr_mux = PARAMS0;
        NR_CSR_IDENT_PARAMS1:        csr_mux = PARAMS1;
        NR_CSR_IDENT_WIRE_VERSION:   csr_mux = {NR_ETHERTYPE, 8'd0, NR_VERSION};
        NR_CSR_IDENT_CYCLE_LO:       csr_mux = cycle_reg[31:0];
        NR_CSR_IDENT_CYCLE_HI:       csr_mux = cycle_reg[63:32];
        NR_CSR_RAFT_TYPE:            csr_mux = NR_BLK_RAFT_TYPE;
        NR_CSR_RAFT_VERSION:         csr_mux = NR_BLK_RAFT_VERSION;
        NR_CSR_RAFT_NEXT:            csr_mux = {16'd0, NR_BLK_COUNTERS_BASE};
        NR_CSR_RAFT_NODE_ID:         csr_mux = {24'd0, node_id_reg};
        NR_CSR_RAFT_CLUSTER_ID:      csr_mux = {16'd0, cluster_id_reg};
        NR_CSR_RAFT_ROLE:            csr_mux = {30'd0, role_reg};
        NR_CSR_RAFT_TERM:            csr_mux = term_reg;
        NR_CSR_RAFT_LEADER_ID:       csr_mux = {24'd0, leader_id_reg};
        NR_CSR_RAFT_MEMBERS:         csr_mux = {24'd0, members_reg};
        NR_CSR_RAFT_QUORUM:          csr_mux = {28'd0, quorum_reg};
        NR_CSR_RAFT_FAST_EN:         csr_mux = {31'd0, fast_en_reg};
        NR_CSR_RAFT_HB_INTERVAL:     csr_mux = hb_interval_reg;
        NR_CSR_RAFT_ACK_COUNT:       csr_mux = ack_count_reg;
        NR_CSR_RAFT_ACK_DELAY:       csr_mux = ack_delay_reg;
        NR_CSR_RAFT_ACK_GAP:         csr_mux = ack_gap_reg;
        NR_CSR_RAFT_TERM_START:      csr_mux = term_start_reg;
        NR_CSR_RAFT_LAST_INDEX:      csr_mux = last_index;
        NR_CSR_RAFT_COMMIT_INDEX:    csr_mux = commit_index;
        NR_CSR_RAFT_APPLIED_INDEX:   csr_mux = applied_index;
        NR_CSR_RAFT_MATCH_SEL:       csr_mux = {29'd0, match_sel_reg};
        NR_CSR_RAFT_MATCH_INDEX:     csr_mux = (32'(match_sel_reg) < MAX_NODES) ? match_view[match_sel_reg*32 +: 32] : 32'd0;
        NR_CSR_RAFT_STATUS:          csr_mux = {28'd0, status};
        NR_CSR_RAFT_HB_COMMIT_DELAY: csr_mux = hb_commit_delay_reg;
        NR_CSR_RAFT_PLANE_EN:        csr_mux = {29'd0, plane_en_reg};
        NR_CSR_RAFT_NACK_INTERVAL:   csr_mux = nack_interval_reg;
        NR_CSR_RAFT_RTO:             csr_mux = rto_reg;
        NR_CSR_RAFT_NACK_DELAY:      csr_mux = nack_delay_reg;
        NR_CSR_RAFT_SILENCE_CYCLES:  csr_mux = silence_cycles_reg;
        NR_CSR_RAFT_REPLY_MASK:      csr_mux = {24'd0, reply_mask_reg};
        NR_CSR_RAFT_CHAIN:           csr_mux = {23'd0, chain_tail_reg, succ_id_reg};
        NR_CSR_COUNTERS_TYPE:        csr_mux = NR_BLK_COUNTERS_TYPE;
        NR_CSR_COUNTERS_VERSION:     csr_mux = NR_BLK_COUNTERS_VERSION;
        NR_CSR_COUNTERS_NEXT:        csr_mux = 32'd0;
        default:                     csr_mux = ctr_off[2] ? ctr_val[63:32] : ctr_val[31:0];
    endcase
end

// the next values (see the ports) of seven configuration registers: a host write of one, or reset;
// the registers take them (below), so the write is decoded once
function automatic [31:0] next_of(input reset, input wr, input [31:0] data, input [31:0] cur, input [31:0] reset_value);
    next_of = reset ? reset_value : wr ? data : cur;
endfunction
assign term_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_TERM, csr_wr_data, term_reg, NR_CSR_RAFT_TERM_RESET);
assign hb_interval_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_HB_INTERVAL, csr_wr_data, hb_interval_reg, NR_CSR_RAFT_HB_INTERVAL_RESET);
assign hb_commit_delay_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_HB_COMMIT_DELAY, csr_wr_data, hb_commit_delay_reg, NR_CSR_RAFT_HB_COMMIT_DELAY_RESET);
assign ack_count_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_ACK_COUNT, csr_wr_data, ack_count_reg, NR_CSR_RAFT_ACK_COUNT_RESET);
assign ack_delay_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_ACK_DELAY, csr_wr_data, ack_delay_reg, NR_CSR_RAFT_ACK_DELAY_RESET);
assign nack_interval_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_NACK_INTERVAL, csr_wr_data, nack_interval_reg, NR_CSR_RAFT_NACK_INTERVAL_RESET);
assign nack_delay_next = next_of(rst, csr_wr_en && csr_addr == NR_CSR_RAFT_NACK_DELAY, csr_wr_data, nack_delay_reg, NR_CSR_RAFT_NACK_DELAY_RESET);

always_ff @(posedge clk) begin
    cycle_reg <= rst ? 64'd0 : cycle_reg + 64'd1;
    // the registers whose next values are outputs take them (their write and reset are below, once)
    {term_reg, hb_interval_reg, hb_commit_delay_reg, ack_delay_reg, ack_count_reg, nack_interval_reg, nack_delay_reg} <=
        {term_next, hb_interval_next, hb_commit_delay_next, ack_delay_next, ack_count_next, nack_interval_next, nack_delay_next};
    csr_rd_valid_reg <= rst ? 1'b0 : csr_rd_en;
    if (csr_rd_en) csr_rd_data_reg <= csr_mux;
    if (rst) begin
        node_id_reg <= NR_CSR_RAFT_NODE_ID_RESET[7:0];
        node_sel_reg <= onehot8(NR_CSR_RAFT_NODE_ID_RESET[7:0]);
        cluster_id_reg <= NR_CSR_RAFT_CLUSTER_ID_RESET[15:0];
        role_reg <= NR_CSR_RAFT_ROLE_RESET[1:0];
        role_middle_reg <= NR_CSR_RAFT_ROLE_RESET[1:0] == 2'd3;
        leader_id_reg <= NR_CSR_RAFT_LEADER_ID_RESET[7:0];
        members_reg <= NR_CSR_RAFT_MEMBERS_RESET[7:0];
        quorum_reg <= NR_CSR_RAFT_QUORUM_RESET[3:0];
        fast_en_reg <= NR_CSR_RAFT_FAST_EN_RESET[0];
        ack_gap_reg <= NR_CSR_RAFT_ACK_GAP_RESET;
        term_start_reg <= NR_CSR_RAFT_TERM_START_RESET;
        match_sel_reg <= NR_CSR_RAFT_MATCH_SEL_RESET[2:0];
        plane_en_reg <= NR_CSR_RAFT_PLANE_EN_RESET[2:0];
        silence_cycles_reg <= NR_CSR_RAFT_SILENCE_CYCLES_RESET;
        reply_mask_reg <= NR_CSR_RAFT_REPLY_MASK_RESET[7:0];
        succ_id_reg <= NR_CSR_RAFT_CHAIN_RESET[7:0];
        chain_tail_reg <= NR_CSR_RAFT_CHAIN_RESET[8];
        rto_reg <= NR_CSR_RAFT_RTO_RESET;
    end else if (csr_wr_en) begin
        case (csr_addr)
            NR_CSR_RAFT_NODE_ID:         begin node_id_reg <= csr_wr_data[7:0]; node_sel_reg <= onehot8(csr_wr_data[7:0]); end
            NR_CSR_RAFT_CLUSTER_ID:      cluster_id_reg <= csr_wr_data[15:0];
            NR_CSR_RAFT_ROLE:            begin role_reg <= csr_wr_data[1:0]; role_middle_reg <= csr_wr_data[1:0] == 2'd3; end
            NR_CSR_RAFT_LEADER_ID:       leader_id_reg <= csr_wr_data[7:0];
            NR_CSR_RAFT_MEMBERS:         members_reg <= csr_wr_data[7:0];
            NR_CSR_RAFT_QUORUM:          quorum_reg <= csr_wr_data[3:0];
            NR_CSR_RAFT_FAST_EN:         fast_en_reg <= csr_wr_data[0];
            NR_CSR_RAFT_ACK_GAP:         ack_gap_reg <= csr_wr_data;
            NR_CSR_RAFT_TERM_START:      term_start_reg <= csr_wr_data;
            NR_CSR_RAFT_MATCH_SEL:       match_sel_reg <= csr_wr_data[2:0];
            NR_CSR_RAFT_PLANE_EN:        plane_en_reg <= csr_wr_data[2:0];
            NR_CSR_RAFT_SILENCE_CYCLES:  silence_cycles_reg <= csr_wr_data;
            NR_CSR_RAFT_REPLY_MASK:      reply_mask_reg <= csr_wr_data[7:0];
            NR_CSR_RAFT_CHAIN:           {chain_tail_reg, succ_id_reg} <= csr_wr_data[8:0];
            NR_CSR_RAFT_RTO:             rto_reg <= csr_wr_data;
            default: ;
        endcase
    end
end

`ifndef SYNTHESIS
always_ff @(posedge clk) begin
    if (!rst) assert (node_sel_reg == onehot8(node_id_reg)) else $error("nicraft_csr: node_sel %b is not node id %0d one-hot", node_sel_reg, node_id_reg);
    assert (ctr_hit == (csr_addr >= NR_CTR_BASE && {1'b0, csr_addr} < CTR_END))
        else $error("nicraft_csr: the counter window test is %0d for address %h", ctr_hit, csr_addr);
end
`endif

assign csr_rd_data = csr_rd_data_reg;
assign csr_rd_valid = csr_rd_valid_reg;
assign node_id = node_id_reg;
assign node_sel = node_sel_reg;
assign cluster_id = cluster_id_reg;
assign role = role_reg;
assign term = term_reg;
assign leader_id = leader_id_reg;
assign members = members_reg;
assign quorum = quorum_reg;
assign fast_en = fast_en_reg;
// ROLE bit 1: leads (2 leader, 3 chain middle); bit 0: follows LEADER_ID (1 follower, 3 chain middle)
assign leader_mode = fast_en_reg && role_reg[1];
assign follower_mode = fast_en_reg && role_reg[0];
assign hb_interval = hb_interval_reg;
assign hb_commit_delay = hb_commit_delay_reg;
assign ack_count = ack_count_reg;
assign ack_delay = ack_delay_reg;
assign ack_gap = ack_gap_reg;
assign term_start = term_start_reg;
assign plane_en = plane_en_reg[PLANES-1:0];
assign nack_interval = nack_interval_reg;
assign nack_delay = nack_delay_reg;
assign silence_cycles = silence_cycles_reg;
assign reply_mask = reply_mask_reg;
assign succ_id = succ_id_reg;
assign role_middle = role_middle_reg;
assign chain_lead = succ_id_reg != 8'hFF;
assign tail_on = fast_en_reg && role_reg == ROLE_FOLLOWER && chain_tail_reg;
assign rto = rto_reg;
assign cycle = cycle_reg;
assign match_sel = match_sel_reg;

assign wr_last_index = csr_wr_en && csr_addr == NR_CSR_RAFT_LAST_INDEX;
assign wr_commit_index = csr_wr_en && csr_addr == NR_CSR_RAFT_COMMIT_INDEX;
assign wr_applied_index = csr_wr_en && csr_addr == NR_CSR_RAFT_APPLIED_INDEX;
assign wr_match_index = csr_wr_en && csr_addr == NR_CSR_RAFT_MATCH_INDEX;
assign ctr_clear = csr_wr_en && csr_addr == NR_CSR_COUNTERS_CTR_CLEAR && csr_wr_data[0];

wire _unused_ok = &{1'b0, ctr_off[1:0], ctr_idx[12:6], 1'b0};

endmodule

`resetall
