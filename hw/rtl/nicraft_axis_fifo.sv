// nicraft: synchronous AXI-Stream FIFO, first-word fall-through.
// Beats written in one cycle appear at the output on the next. `count` and the
// almost-full flag let producers that cannot stall (the RX pipeline) reserve room for a frame.
// Such a producer sets NO_STALL: a beat it offered while the FIFO is full would be lost, so that is
// asserted never to happen (the simulation stops with the instance and the cycle).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_axis_fifo #(
    // tdata width in bits (1..)
    parameter DATA_WIDTH = 512,
    // tkeep width in bits (1..)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // tuser width in bits (1..)
    parameter USER_WIDTH = 8,
    // depth: 2**DEPTH_LOG2 beats (1..16)
    parameter DEPTH_LOG2 = 4,
    // almost_full when fewer than this many slots are free (1..2**DEPTH_LOG2)
    parameter ALMOST_FULL_FREE = 2,
    // 1: the producer never waits on s_axis_tready (it keeps room through almost_full); a beat
    // offered while full is a design error and an assertion failure. 0: AXI-Stream flow control.
    parameter NO_STALL = 0
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

initial begin
    if (DEPTH_LOG2 < 1 || DEPTH_LOG2 > 16) begin
        $error("nicraft_axis_fifo: DEPTH_LOG2 must be 1..16");
        $finish;
    end
    if (ALMOST_FULL_FREE < 1 || ALMOST_FULL_FREE > DEPTH) begin
        $error("nicraft_axis_fifo: ALMOST_FULL_FREE must be 1..DEPTH");
        $finish;
    end
    if (DATA_WIDTH < 1 || KEEP_WIDTH < 1 || USER_WIDTH < 1) begin
        $error("nicraft_axis_fifo: DATA_WIDTH, KEEP_WIDTH and USER_WIDTH must be at least 1");
        $finish;
    end
    if (NO_STALL != 0 && NO_STALL != 1) begin
        $error("nicraft_axis_fifo: NO_STALL must be 0 or 1");
        $finish;
    end
end

// one memory per field, written and read together (the same RAM bits as one word of
// DATA+KEEP+1+USER; separate arrays keep each field word-aligned, which simulates much faster)
reg [DATA_WIDTH-1:0] data_mem [0:DEPTH-1];
reg [KEEP_WIDTH-1:0] keep_mem [0:DEPTH-1];
reg                  last_mem [0:DEPTH-1];
reg [USER_WIDTH-1:0] user_mem [0:DEPTH-1];
reg [DEPTH_LOG2:0] wr_ptr_reg = 0;
reg [DEPTH_LOG2:0] rd_ptr_reg = 0;
// the beats stored (wr_ptr - rd_ptr) and almost_full, kept in registers: a producer's push decides
// only which of the precomputed next values they take (no subtract and compare after it)
reg [DEPTH_LOG2:0] used_reg = 0, used_next;
reg                almost_full_reg = 1'b0, almost_full_next;
reg                empty_reg = 1'b1, empty_next;   // used_reg == 0, kept with it (the pop from a register)

wire full = (wr_ptr_reg[DEPTH_LOG2] != rd_ptr_reg[DEPTH_LOG2]) &&
            (wr_ptr_reg[DEPTH_LOG2-1:0] == rd_ptr_reg[DEPTH_LOG2-1:0]);
wire empty = empty_reg;
wire [DEPTH_LOG2:0] used = wr_ptr_reg - rd_ptr_reg;
localparam [DEPTH_LOG2+1:0] AF_LIMIT = (DEPTH_LOG2+2)'(DEPTH - ALMOST_FULL_FREE);

// NO_STALL: a producer that never offers a beat to a full FIFO (asserted below) writes with its valid
// alone, so its late decision reaches the memory's write enable without a LUT of the FIFO's after it
wire push = s_axis_tvalid && (NO_STALL != 0 || !full);
wire pop = m_axis_tready && !empty;
wire [DEPTH_LOG2:0] used_inc = used_reg + 1'b1;
wire [DEPTH_LOG2:0] used_dec = used_reg - 1'b1;
// used_reg + 1 > AF_LIMIT; with AF_LIMIT 0 (a FIFO whose every entry is kept free) always true, and
// the compare would be constant (Verilator's UNSIGNED warning), so it is not elaborated then
wire af_inc;
generate
    if (AF_LIMIT == 0) begin : g_af_inc_always
        assign af_inc = 1'b1;
    end else begin : g_af_inc_cmp
        assign af_inc = {1'b0, used_reg} >= AF_LIMIT;
    end
endgenerate
wire af_dec = {1'b0, used_reg} > AF_LIMIT + 1'b1;     // used_reg - 1 > AF_LIMIT
wire af_same = {1'b0, used_reg} > AF_LIMIT;
// the values with and without a push, chosen last (the push is the producer's late decision), as an
// AND-OR (a mux of the two adders would be shared into one adder behind the mux)
wire [DEPTH_LOG2:0] used_if_push = pop ? used_reg : used_inc;
wire [DEPTH_LOG2:0] used_if_none = pop ? used_dec : used_reg;
wire af_if_push = pop ? af_same : af_inc;
wire af_if_none = pop ? af_dec : af_same;
// with a push the FIFO is not empty next; without, it is when the last beat leaves (or stays empty)
wire empty_if_none = pop ? used_reg == 1 : empty_reg;
// (the reset is the registers' own, not an input of this logic: the push is one input of the last LUT)
always @* begin
    used_next = ({(DEPTH_LOG2+1){push}} & used_if_push) | ({(DEPTH_LOG2+1){!push}} & used_if_none);
    almost_full_next = (push && af_if_push) || (!push && af_if_none);
    empty_next = !push && empty_if_none;
end

assign s_axis_tready = !full;
assign m_axis_tvalid = !empty;
assign m_axis_tdata = data_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_tkeep = keep_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_tlast = last_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_tuser = user_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign count = used_reg;
assign almost_full = almost_full_reg;

always @(posedge clk) begin
    used_reg <= used_next;
    almost_full_reg <= almost_full_next;
    empty_reg <= empty_next;
    if (push) begin
        data_mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= s_axis_tdata;
        keep_mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= s_axis_tkeep;
        last_mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= s_axis_tlast;
        user_mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= s_axis_tuser;
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
    end
    if (m_axis_tready && !empty) begin
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
    end
    if (rst) begin
        wr_ptr_reg <= 0;
        rd_ptr_reg <= 0;
        used_reg <= 0;
        almost_full_reg <= 1'b0;
        empty_reg <= 1'b1;
    end
end

`ifndef SYNTHESIS
// The pointers never cross (a pop of an empty FIFO or a push into a full one would make them), and a
// producer that cannot wait never offers a beat to a full FIFO.
always @(posedge clk) begin
    if (!rst) begin
        assert ({1'b0, used} <= (DEPTH_LOG2+2)'(DEPTH))
            else $error("nicraft_axis_fifo: %m: %0d beats stored in a FIFO of %0d", used, DEPTH);
        assert (used_reg == used && almost_full_reg == ({1'b0, used} > AF_LIMIT) && empty_reg == (wr_ptr_reg == rd_ptr_reg))
            else $error("nicraft_axis_fifo: %m: the kept count %0d / almost_full %0d do not match the pointers (%0d)",
                        used_reg, almost_full_reg, used);
        assert (NO_STALL == 0 || !(s_axis_tvalid && full))
            else $error("nicraft_axis_fifo: %m: a beat pushed into the full FIFO (its producer cannot wait: NO_STALL)");
    end
end
`endif

endmodule

`resetall
