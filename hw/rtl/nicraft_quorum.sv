// nicraft: commit quorum over match indexes.
// commit_index is the highest index N such that at least QUORUM members hold every entry up
// to N (match >= N): the QUORUM-th largest member match index (self_sel's slot counting with
// self_index: the leader's own last index). Two register stages, each a few
// logic levels deep (docs/synthesis.md), so the output in cycle t answers the inputs of cycle t-2:
//   stage 1: every pair compared, ge[i][j] = match[j] >= match[i] (a carry chain each), and member
//            i is "held" (ok[i]) when at least QUORUM members have match >= match[i] (the count of
//            those compare bits from a constant table, no adder);
//   stage 2: the answer is the held index that no other held index exceeds: member i is selected
//            when ok[i] and, for every held j, match[j] <= match[i] (ge[j][i]); ties select several
//            members with the same index, so the output is the OR of the selected indexes.
// (e190a29 had a register between the compares and the count: the commit moved a cycle later,
// which was enough for a follower to fall out of the leader's log window in the 3-plane workload
// test; the table count after the compare keeps stage 1 within the budget without it.)
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_quorum #(
    parameter MAX_NODES = 8,      // match index slots (1..8)
    parameter INDEX_WIDTH = 32    // bits of a log index (1..64)
) (
    input  wire                             clk,
    input  wire                             rst,
    input  wire [MAX_NODES*INDEX_WIDTH-1:0] match_index,
    // the slot whose index is self_index instead of its match_index (one-hot, or 0 for none): the
    // leader's own slot, answered by its last index. The substitution is folded into the compares
    // (rather than a multiplexer in front of them, 3 levels on the commit's critical path).
    input  wire [MAX_NODES-1:0]             self_sel,
    input  wire [INDEX_WIDTH-1:0]           self_index,
    input  wire [MAX_NODES-1:0]             members,
    input  wire [3:0]                       quorum,
    output wire [INDEX_WIDTH-1:0]           quorum_index,   // 0 when no quorum
    output wire                             quorum_valid
);

initial begin
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_quorum: MAX_NODES must be 1..8");
        $finish;
    end
    if (INDEX_WIDTH < 1 || INDEX_WIDTH > 64) begin
        $error("nicraft_quorum: INDEX_WIDTH must be 1..64");
        $finish;
    end
end

localparam N = MAX_NODES;

// stage 1 registers: the held members, the compares and the inputs they answer
reg [N-1:0]               ok_s1_reg = 0;
reg [N*N-1:0]             ge_s1_reg = 0;       // [i*N + j]: match[j] >= match[i]
reg [N*INDEX_WIDTH-1:0]   match_s1_reg = 0;
// stage 2 registers: the output
reg [INDEX_WIDTH-1:0]     quorum_index_reg = 0;
reg                       quorum_valid_reg = 1'b0;

// stage 1: pairwise compares over the view (self_sel's slot replaced by self_index): the match
// indexes against each other, and each against self_index both ways, all in parallel; the view's
// compare is then a choice among them by self_sel (one LUT after the carry chains)
reg [N*N-1:0]           ge_m;        // [i*N + j]: match[j] >= match[i]
reg [N-1:0]             ge_self_j;   // [j]: match[j] >= self_index
reg [N-1:0]             ge_self_i;   // [i]: self_index >= match[i]
reg [N*N-1:0]           ge;          // [i*N + j]: view[j] >= view[i]
reg [N*INDEX_WIDTH-1:0] view;
integer i, j;
always @* begin
    for (i = 0; i < N; i = i + 1) begin
        ge_self_j[i] = match_index[i*INDEX_WIDTH +: INDEX_WIDTH] >= self_index;
        ge_self_i[i] = self_index >= match_index[i*INDEX_WIDTH +: INDEX_WIDTH];
        view[i*INDEX_WIDTH +: INDEX_WIDTH] = self_sel[i] ? self_index : match_index[i*INDEX_WIDTH +: INDEX_WIDTH];
        for (j = 0; j < N; j = j + 1) begin
            ge_m[i*N + j] = match_index[j*INDEX_WIDTH +: INDEX_WIDTH] >= match_index[i*INDEX_WIDTH +: INDEX_WIDTH];
        end
    end
    for (i = 0; i < N; i = i + 1) begin
        for (j = 0; j < N; j = j + 1) begin
            if (self_sel[i] && self_sel[j]) ge[i*N + j] = 1'b1;
            else if (self_sel[i]) ge[i*N + j] = ge_self_j[j];
            else if (self_sel[j]) ge[i*N + j] = ge_self_i[i];
            else ge[i*N + j] = ge_m[i*N + j];
        end
    end
end

// stage 1, continued: the per-member quorum test: member i is held when at least QUORUM members
// have match >= match[i]. The count of the N bits members & ge[i][*] comes from a constant table
// (2**N entries of 4 bits): a few LUT levels in hardware (each count bit is an N-input function, no
// adder chain), one lookup in simulation.
function automatic [4*(2**N)-1:0] pop_table();
    integer v, b, c;
    begin
        pop_table = 0;
        for (v = 0; v < 2**N; v = v + 1) begin
            c = 0;
            for (b = 0; b < N; b = b + 1) c = c + ((v >> b) & 1);
            pop_table[v*4 +: 4] = 4'(c);
        end
    end
endfunction
localparam [4*(2**N)-1:0] POP = pop_table();

reg [N-1:0] ok;
reg [N-1:0] held_by;
reg [3:0]   cnt;
always @* begin
    for (i = 0; i < N; i = i + 1) begin
        held_by = members & ge[i*N +: N];
        cnt = POP[32'(held_by)*4 +: 4];
        ok[i] = members[i] && quorum != 4'd0 && cnt >= quorum;
    end
end

// stage 2: the largest held index, without a chain of comparators
reg [N-1:0]           sel;
reg [INDEX_WIDTH-1:0] best;
always @* begin
    for (i = 0; i < N; i = i + 1) begin
        sel[i] = ok_s1_reg[i];
        for (j = 0; j < N; j = j + 1) begin
            if (ok_s1_reg[j] && !ge_s1_reg[j*N + i]) sel[i] = 1'b0;   // a held index above match[i]
        end
    end
    best = 0;
    for (i = 0; i < N; i = i + 1) begin
        best = best | (sel[i] ? match_s1_reg[i*INDEX_WIDTH +: INDEX_WIDTH] : {INDEX_WIDTH{1'b0}});
    end
end

always @(posedge clk) begin
    ok_s1_reg <= ok;
    ge_s1_reg <= ge;
    match_s1_reg <= view;
    quorum_index_reg <= best;
    quorum_valid_reg <= ok_s1_reg != 0;
    if (rst) begin
        ok_s1_reg <= 0;
        quorum_index_reg <= 0;
        quorum_valid_reg <= 1'b0;
    end
end

`ifndef SYNTHESIS
always @(posedge clk) begin
    if (!rst) assert ((self_sel & (self_sel - 1'b1)) == 0) else $error("nicraft_quorum: self_sel %b is not one-hot", self_sel);
end
`endif

assign quorum_index = quorum_index_reg;
assign quorum_valid = quorum_valid_reg;

endmodule

`resetall
