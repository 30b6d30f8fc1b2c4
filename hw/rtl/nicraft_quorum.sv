// nicraft: commit quorum over match indexes.
// commit_index is the highest index N such that at least QUORUM members hold every entry up
// to N (match >= N). Two pipeline stages: (1) for every member i, how many members have
// match >= match[i]; (2) the largest match[i] whose count reaches the quorum.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_quorum #(
    parameter MAX_NODES = 8,
    parameter INDEX_WIDTH = 32
) (
    input  wire                            clk,
    input  wire                            rst,
    input  wire [MAX_NODES*INDEX_WIDTH-1:0] match_index,
    input  wire [MAX_NODES-1:0]            members,
    input  wire [3:0]                      quorum,
    output wire [INDEX_WIDTH-1:0]          quorum_index,   // 0 when no quorum
    output wire                            quorum_valid
);

initial begin
    if (MAX_NODES < 1 || MAX_NODES > 8) begin
        $error("nicraft_quorum: MAX_NODES must be 1..8");
        $finish;
    end
end

// stage 1
reg [MAX_NODES-1:0]    ok_reg = 0;
reg [MAX_NODES*INDEX_WIDTH-1:0] match_s1_reg = 0;
// stage 2
reg [INDEX_WIDTH-1:0]  quorum_index_reg = 0;
reg                    quorum_valid_reg = 1'b0;

reg [3:0]             cnt;
reg [MAX_NODES-1:0]   ok;
integer i, j;
always @* begin
    ok = 0;
    for (i = 0; i < MAX_NODES; i = i + 1) begin
        cnt = 4'd0;
        for (j = 0; j < MAX_NODES; j = j + 1) begin
            if (members[j] && match_index[j*INDEX_WIDTH +: INDEX_WIDTH] >= match_index[i*INDEX_WIDTH +: INDEX_WIDTH]) begin
                cnt = cnt + 4'd1;
            end
        end
        ok[i] = members[i] && quorum != 4'd0 && cnt >= quorum;
    end
end

reg [INDEX_WIDTH-1:0] best;
reg                   best_valid;
integer m;
always @* begin
    best = 0;
    best_valid = 1'b0;
    for (m = 0; m < MAX_NODES; m = m + 1) begin
        if (ok_reg[m] && match_s1_reg[m*INDEX_WIDTH +: INDEX_WIDTH] >= best) begin
            best = match_s1_reg[m*INDEX_WIDTH +: INDEX_WIDTH];
            best_valid = 1'b1;
        end
    end
end

always @(posedge clk) begin
    ok_reg <= ok;
    match_s1_reg <= match_index;
    quorum_index_reg <= best;
    quorum_valid_reg <= best_valid;
    if (rst) begin
        ok_reg <= 0;
        quorum_index_reg <= 0;
        quorum_valid_reg <= 1'b0;
    end
end

assign quorum_index = quorum_index_reg;
assign quorum_valid = quorum_valid_reg;

endmodule

`resetall
