// nicraft: synchronous AXI-Stream FIFO, first-word fall-through.
// Beats written in one cycle appear at the output on the next. `count` and the
// almost-full flag let producers that cannot stall (the RX pipeline) reserve room for a frame.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_axis_fifo #(
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter USER_WIDTH = 8,
    parameter DEPTH_LOG2 = 4,
    parameter ALMOST_FULL_FREE = 2   // almost_full when fewer than this many slots are free
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    input  wire [USER_WIDTH-1:0]  s_axis_tuser,

    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire [USER_WIDTH-1:0]  m_axis_tuser,

    output wire [DEPTH_LOG2:0]    count,
    output wire                   almost_full
);

localparam DEPTH = 2**DEPTH_LOG2;
localparam WORD_WIDTH = DATA_WIDTH + KEEP_WIDTH + 1 + USER_WIDTH;

initial begin
    if (DEPTH_LOG2 < 1 || DEPTH_LOG2 > 16) begin
        $error("nicraft_axis_fifo: DEPTH_LOG2 must be 1..16");
        $finish;
    end
    if (ALMOST_FULL_FREE < 1 || ALMOST_FULL_FREE > DEPTH) begin
        $error("nicraft_axis_fifo: ALMOST_FULL_FREE must be 1..DEPTH");
        $finish;
    end
end

reg [WORD_WIDTH-1:0] mem [0:DEPTH-1];
reg [DEPTH_LOG2:0] wr_ptr_reg = 0;
reg [DEPTH_LOG2:0] rd_ptr_reg = 0;

wire full = (wr_ptr_reg[DEPTH_LOG2] != rd_ptr_reg[DEPTH_LOG2]) &&
            (wr_ptr_reg[DEPTH_LOG2-1:0] == rd_ptr_reg[DEPTH_LOG2-1:0]);
wire empty = wr_ptr_reg == rd_ptr_reg;
wire [DEPTH_LOG2:0] used = wr_ptr_reg - rd_ptr_reg;
localparam [DEPTH_LOG2+1:0] AF_LIMIT = (DEPTH_LOG2+2)'(DEPTH - ALMOST_FULL_FREE);

assign s_axis_tready = !full;
assign m_axis_tvalid = !empty;
assign {m_axis_tdata, m_axis_tkeep, m_axis_tlast, m_axis_tuser} = mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign count = used;
assign almost_full = {1'b0, used} > AF_LIMIT;

always @(posedge clk) begin
    if (s_axis_tvalid && !full) begin
        mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= {s_axis_tdata, s_axis_tkeep, s_axis_tlast, s_axis_tuser};
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
    end
    if (m_axis_tready && !empty) begin
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
    end
    if (rst) begin
        wr_ptr_reg <= 0;
        rd_ptr_reg <= 0;
    end
end

endmodule

`resetall
