// nicraft: TX fan-out: the TX arbiter's frames to one FIFO per network plane.
//
// At a frame's first beat every enabled plane whose FIFO has room for a whole frame takes it; an
// enabled plane without room drops its copy (counted). The input waits only when no enabled plane
// has room, so a stalled plane never stalls the others. With no plane enabled, frames are taken and
// dropped.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_tx_fanout #(
    // network planes (1..3)
    parameter PLANES = 1,
    // AXI-Stream data width in bits (8..)
    parameter DATA_WIDTH = 512,
    // tkeep width, one bit per byte: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // per-plane FIFO depth: 2**TX_FIFO_DEPTH_LOG2 beats (1..16)
    parameter TX_FIFO_DEPTH_LOG2 = 5,
    // beats of the largest frame: a plane takes a frame only with room for this many (1..)
    parameter MAX_BEATS = 5
) (
    input  wire                         clk,
    input  wire                         rst,

    input  wire [PLANES-1:0]            plane_en,

    input  wire [DATA_WIDTH-1:0]        s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]        s_axis_tkeep,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,
    input  wire                         s_axis_tlast,

    output wire [PLANES*DATA_WIDTH-1:0] m_axis_tdata,
    output wire [PLANES*KEEP_WIDTH-1:0] m_axis_tkeep,
    output wire [PLANES-1:0]            m_axis_tvalid,
    input  wire [PLANES-1:0]            m_axis_tready,
    output wire [PLANES-1:0]            m_axis_tlast,

    output wire [PLANES-1:0]            drop        // a plane's copy of the frame starting now is dropped
);

initial begin
    if (PLANES < 1 || PLANES > 3) begin
        $error("nicraft_tx_fanout: PLANES must be 1..3");
        $finish;
    end
    if (DATA_WIDTH < 8 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_tx_fanout: DATA_WIDTH must be at least 8 and KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (TX_FIFO_DEPTH_LOG2 < 1 || TX_FIFO_DEPTH_LOG2 > 16 || MAX_BEATS < 1 || MAX_BEATS + 1 > 2**TX_FIFO_DEPTH_LOG2) begin
        $error("nicraft_tx_fanout: need 1 <= MAX_BEATS < 2**TX_FIFO_DEPTH_LOG2 <= 2**16");
        $finish;
    end
end

reg               in_frame_reg = 1'b0;
reg  [PLANES-1:0] take_reg = 0;
wire [PLANES-1:0] afull;
wire [PLANES-1:0] room = plane_en & ~afull;
wire              first = !in_frame_reg;
wire [PLANES-1:0] take = first ? room : take_reg;
assign s_axis_tready = !first || room != 0 || plane_en == 0;
wire              beat = s_axis_tvalid && s_axis_tready;
assign drop = (beat && first) ? (plane_en & ~room) : {PLANES{1'b0}};

always_ff @(posedge clk) begin
    if (rst) begin
        in_frame_reg <= 1'b0;
        take_reg <= 0;
    end else if (beat) begin
        in_frame_reg <= !s_axis_tlast;
        if (first) take_reg <= room;
    end
end

wire [PLANES-1:0] in_ready;
wire [PLANES-1:0] unused_tuser;
wire [PLANES*(TX_FIFO_DEPTH_LOG2+1)-1:0] count;

genvar gp;
generate
    for (gp = 0; gp < PLANES; gp = gp + 1) begin : g_plane
        nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(1),
            .DEPTH_LOG2(TX_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(MAX_BEATS + 1), .NO_STALL(1)) fifo_inst (
            .clk(clk), .rst(rst),
            .s_axis_tdata(s_axis_tdata), .s_axis_tkeep(s_axis_tkeep), .s_axis_tvalid(beat && take[gp]),
            .s_axis_tready(in_ready[gp]), .s_axis_tlast(s_axis_tlast), .s_axis_tuser(1'b0),
            .m_axis_tdata(m_axis_tdata[gp*DATA_WIDTH +: DATA_WIDTH]),
            .m_axis_tkeep(m_axis_tkeep[gp*KEEP_WIDTH +: KEEP_WIDTH]),
            .m_axis_tvalid(m_axis_tvalid[gp]), .m_axis_tready(m_axis_tready[gp]),
            .m_axis_tlast(m_axis_tlast[gp]), .m_axis_tuser(unused_tuser[gp]),
            .count(count[gp*(TX_FIFO_DEPTH_LOG2+1) +: TX_FIFO_DEPTH_LOG2+1]), .almost_full(afull[gp])
        );

`ifndef SYNTHESIS
        // a plane gets whole frames: a first beat only after the previous frame's last
        reg mid_reg = 1'b0;
        always_ff @(posedge clk) begin
            if (!rst && beat && take[gp]) assert (first == !mid_reg)
                else $error("nicraft_tx_fanout: plane %0d: %s", gp, first ? "a frame started mid-frame" : "a frame continued without its first beat");
            if (rst) mid_reg <= 1'b0;
            else if (beat && take[gp]) mid_reg <= !s_axis_tlast;
        end
`endif
    end
endgenerate

wire _unused_ok = &{1'b0, in_ready, unused_tuser, count, 1'b0};

endmodule

`resetall
