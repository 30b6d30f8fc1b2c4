// nicraft: store-and-forward receive buffer for one network port.
// The wire cannot be back-pressured, so s_axis_tready is always 1: a frame that does not fit,
// is longer than MAX_BEATS, or that the MAC flagged (tuser on its last beat) is dropped whole
// and reported on drop_valid/drop_reason. Only complete, good frames reach the output, with
// their length in bytes beside every beat (m_axis_len), so the parser can check lengths
// before it acts on the first beat.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rx_fifo #(
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter DEPTH_LOG2 = 6,         // beats of buffer
    parameter MAX_BEATS = 8           // longest frame accepted, in beats
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    input  wire                   s_axis_tuser,

    output wire [DATA_WIDTH-1:0]  m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]  m_axis_tkeep,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready,
    output wire                   m_axis_tlast,
    output wire [15:0]            m_axis_len,

    output wire                   frame_in,     // a frame ended at the input (good or bad)
    output wire                   drop_valid,   // ... and it was dropped, for drop_reason
    output wire [7:0]             drop_reason
);

`include "nicraft_wire.svh"

localparam DEPTH = 2**DEPTH_LOG2;
localparam BEAT_CNT_WIDTH = $clog2(MAX_BEATS + 2);

initial begin
    if (DEPTH < MAX_BEATS) begin
        $error("nicraft_rx_fifo: the buffer must hold at least one frame of MAX_BEATS");
        $finish;
    end
end

reg [DATA_WIDTH+KEEP_WIDTH:0] mem [0:DEPTH-1];
reg [15:0] len_mem [0:DEPTH-1];

reg [DEPTH_LOG2:0] wr_ptr_reg = 0;    // committed: end of the last good frame
reg [DEPTH_LOG2:0] wr_cur_reg = 0;    // next beat of the frame being received
reg [DEPTH_LOG2:0] rd_ptr_reg = 0;
reg [DEPTH_LOG2:0] len_wr_ptr_reg = 0;
reg [DEPTH_LOG2:0] len_rd_ptr_reg = 0;

reg                      drop_frame_reg = 1'b0;  // the frame being received will be dropped
reg [7:0]                drop_why_reg = 8'd0;
reg [BEAT_CNT_WIDTH-1:0] beats_reg = 0;
reg [15:0]               bytes_reg = 16'd0;

reg        frame_in_reg = 1'b0;
reg        drop_valid_reg = 1'b0;
reg [7:0]  drop_reason_reg = 8'd0;

// bytes in this beat (tkeep is contiguous from bit 0)
reg [7:0] beat_bytes;
integer k;
always @* begin
    beat_bytes = 8'd0;
    for (k = 0; k < KEEP_WIDTH; k = k + 1) begin
        beat_bytes = beat_bytes + {7'd0, s_axis_tkeep[k]};
    end
end

wire full_cur = (wr_cur_reg - rd_ptr_reg) == (DEPTH_LOG2+1)'(DEPTH);

assign s_axis_tready = 1'b1;

assign m_axis_tvalid = rd_ptr_reg != wr_ptr_reg;
assign {m_axis_tdata, m_axis_tkeep, m_axis_tlast} = mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_len = len_mem[len_rd_ptr_reg[DEPTH_LOG2-1:0]];

assign frame_in = frame_in_reg;
assign drop_valid = drop_valid_reg;
assign drop_reason = drop_reason_reg;

always @(posedge clk) begin
    frame_in_reg <= 1'b0;
    drop_valid_reg <= 1'b0;

    if (s_axis_tvalid) begin
        // decide whether this beat can still be kept
        if (!drop_frame_reg) begin
            if (32'(beats_reg) >= MAX_BEATS) begin
                drop_frame_reg <= 1'b1;
                drop_why_reg <= NR_DROP_OVERSIZE;
            end else if (full_cur) begin
                drop_frame_reg <= 1'b1;
                drop_why_reg <= NR_DROP_RX_OVERFLOW;
            end else begin
                mem[wr_cur_reg[DEPTH_LOG2-1:0]] <= {s_axis_tdata, s_axis_tkeep, s_axis_tlast};
                wr_cur_reg <= wr_cur_reg + 1'b1;
            end
        end
        if (32'(beats_reg) < MAX_BEATS + 1) begin
            beats_reg <= beats_reg + 1'b1;
        end
        bytes_reg <= bytes_reg + {8'd0, beat_bytes};

        if (s_axis_tlast) begin
            frame_in_reg <= 1'b1;
            beats_reg <= 0;
            bytes_reg <= 16'd0;
            drop_frame_reg <= 1'b0;
            if (drop_frame_reg || full_cur || 32'(beats_reg) >= MAX_BEATS || s_axis_tuser) begin
                // drop the whole frame: rewind to the last good frame
                wr_cur_reg <= wr_ptr_reg;
                drop_valid_reg <= 1'b1;
                // a frame longer than MAX_BEATS is OVERSIZE whatever else happened to it
                drop_reason_reg <= 32'(beats_reg) >= MAX_BEATS ? NR_DROP_OVERSIZE :
                                   drop_frame_reg ? drop_why_reg :
                                   full_cur ? NR_DROP_RX_OVERFLOW : NR_DROP_MAC_ERROR;
            end else begin
                wr_ptr_reg <= wr_cur_reg + 1'b1;
                wr_cur_reg <= wr_cur_reg + 1'b1;
                len_mem[len_wr_ptr_reg[DEPTH_LOG2-1:0]] <= bytes_reg + {8'd0, beat_bytes};
                len_wr_ptr_reg <= len_wr_ptr_reg + 1'b1;
            end
        end
    end

    if (m_axis_tvalid && m_axis_tready) begin
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
        if (m_axis_tlast) begin
            len_rd_ptr_reg <= len_rd_ptr_reg + 1'b1;
        end
    end

    if (rst) begin
        wr_ptr_reg <= 0;
        wr_cur_reg <= 0;
        rd_ptr_reg <= 0;
        len_wr_ptr_reg <= 0;
        len_rd_ptr_reg <= 0;
        drop_frame_reg <= 1'b0;
        beats_reg <= 0;
        bytes_reg <= 16'd0;
        frame_in_reg <= 1'b0;
        drop_valid_reg <= 1'b0;
        drop_reason_reg <= 8'd0;
    end
end

endmodule

`resetall
