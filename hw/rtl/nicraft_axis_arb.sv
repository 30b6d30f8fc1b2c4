// nicraft: frame-atomic round-robin AXI-Stream multiplexer.
// Once a source wins, its frame passes whole (until tlast) before the grant moves on.
// The winner is chosen combinationally so a one-beat frame can pass every cycle with no bubble.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_axis_arb #(
    // input ports (1..8)
    parameter PORTS = 2,
    // tdata width in bits (1..)
    parameter DATA_WIDTH = 512,
    // tkeep width in bits (1..)
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // tuser width in bits (1..)
    parameter USER_WIDTH = 8
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [PORTS*DATA_WIDTH-1:0]   s_axis_tdata,
    input  wire [PORTS*KEEP_WIDTH-1:0]   s_axis_tkeep,
    input  wire [PORTS-1:0]              s_axis_tvalid,
    output wire [PORTS-1:0]              s_axis_tready,
    input  wire [PORTS-1:0]              s_axis_tlast,
    input  wire [PORTS*USER_WIDTH-1:0]   s_axis_tuser,

    output wire [DATA_WIDTH-1:0]         m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]         m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [USER_WIDTH-1:0]         m_axis_tuser
);

localparam SEL_WIDTH = PORTS > 1 ? $clog2(PORTS) : 1;

initial begin
    if (PORTS < 1 || PORTS > 8) begin
        $error("nicraft_axis_arb: PORTS must be 1..8");
        $finish;
    end
    if (DATA_WIDTH < 1 || KEEP_WIDTH < 1 || USER_WIDTH < 1) begin
        $error("nicraft_axis_arb: DATA_WIDTH, KEEP_WIDTH and USER_WIDTH must be at least 1");
        $finish;
    end
end

reg              locked_reg = 1'b0;       // inside a multi-beat frame
reg [SEL_WIDTH-1:0] locked_sel_reg = 0;
reg [SEL_WIDTH-1:0] last_sel_reg = 0;     // last winner, for round robin

// Round robin: the first valid port after the last winner.
wire [SEL_WIDTH-1:0] rr_sel;
wire                 rr_found;
nicraft_rr_pick #(.PORTS(PORTS), .SEL_WIDTH(SEL_WIDTH)) rr_inst (
    .req(s_axis_tvalid), .last(last_sel_reg), .sel(rr_sel), .found(rr_found)
);

wire [SEL_WIDTH-1:0] sel = locked_reg ? locked_sel_reg : rr_sel;
wire                 sel_valid = locked_reg ? s_axis_tvalid[sel] : rr_found;

assign m_axis_tdata  = s_axis_tdata[sel*DATA_WIDTH +: DATA_WIDTH];
assign m_axis_tkeep  = s_axis_tkeep[sel*KEEP_WIDTH +: KEEP_WIDTH];
assign m_axis_tlast  = s_axis_tlast[sel];
assign m_axis_tuser  = s_axis_tuser[sel*USER_WIDTH +: USER_WIDTH];
assign m_axis_tvalid = sel_valid;

genvar g;
generate
    for (g = 0; g < PORTS; g = g + 1) begin : g_ready
        assign s_axis_tready[g] = m_axis_tready && sel_valid && (sel == SEL_WIDTH'(g));
    end
endgenerate

always @(posedge clk) begin
    if (m_axis_tvalid && m_axis_tready) begin
        last_sel_reg <= sel;
        if (m_axis_tlast) begin
            locked_reg <= 1'b0;
        end else begin
            locked_reg <= 1'b1;
            locked_sel_reg <= sel;
        end
    end
    if (rst) begin
        locked_reg <= 1'b0;
        locked_sel_reg <= 0;
        last_sel_reg <= 0;
    end
end

`ifndef SYNTHESIS
// One grant at most (one-hot or none), and inside a frame only the port that started it is granted.
always @(posedge clk) begin
    if (!rst) begin
        assert ($onehot0(s_axis_tready))
            else $error("nicraft_axis_arb: %m: grants %b are not one-hot", s_axis_tready);
        assert (!(locked_reg && m_axis_tvalid && m_axis_tready && sel != locked_sel_reg))
            else $error("nicraft_axis_arb: %m: port %0d started a frame inside port %0d's frame", sel, locked_sel_reg);
    end
end
`endif

endmodule

`resetall
