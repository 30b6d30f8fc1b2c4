// nicraft: store-and-forward receive buffer for one network port.
// The wire cannot be back-pressured, so s_axis_tready is always 1: a frame that does not fit,
// is longer than MAX_BEATS, or that the MAC flagged (tuser on its last beat) is dropped whole
// and reported on drop_valid/drop_reason. Only complete, good frames reach the output, with
// their length in bytes beside every beat (m_axis_len), so the parser can check lengths
// before it acts on the first beat. tkeep must be contiguous from bit 0 (as a MAC delivers it): a
// beat's byte count is the position of its last kept byte.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rx_fifo #(
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter DEPTH_LOG2 = 6,         // log2 of the buffer size in beats (1..12)
    parameter MAX_BEATS = 8           // longest frame accepted, in beats (1..2**DEPTH_LOG2)
) (
    input  wire                   clk,
    input  wire                   rst,

    input  wire [DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    input  wire                   s_axis_tlast,
    input  wire                   s_axis_tuser,
    input  wire [7:0]             s_axis_drop,  // on the last beat: drop the frame for this reason (authentication), 0 = keep

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
localparam KEEP_CNT_WIDTH = $clog2(KEEP_WIDTH + 1);

initial begin
    if (DEPTH_LOG2 < 1 || DEPTH_LOG2 > 12) begin
        $error("nicraft_rx_fifo: DEPTH_LOG2 must be 1..12");
        $finish;
    end
    if (MAX_BEATS < 1 || DEPTH < MAX_BEATS) begin
        $error("nicraft_rx_fifo: the buffer must hold at least one frame of MAX_BEATS (MAX_BEATS >= 1)");
        $finish;
    end
    if (KEEP_WIDTH * 8 != DATA_WIDTH || KEEP_WIDTH > 255) begin
        $error("nicraft_rx_fifo: KEEP_WIDTH must be DATA_WIDTH/8, at most 255");
        $finish;
    end
end

// one memory per field, written and read together (the same RAM bits as one word of DATA+KEEP+1;
// separate arrays keep each field word-aligned, which simulates much faster)
reg [DATA_WIDTH-1:0] data_mem [0:DEPTH-1];
reg [KEEP_WIDTH-1:0] keep_mem [0:DEPTH-1];
reg                  last_mem [0:DEPTH-1];
reg [15:0] len_mem [0:DEPTH-1];

reg [DEPTH_LOG2:0] wr_ptr_reg = 0;      // committed: end of the last good frame
reg [DEPTH_LOG2:0] wr_cur_reg = 0;      // next beat of the frame being received
reg [DEPTH_LOG2:0] rd_ptr_reg = 0;
reg [DEPTH_LOG2:0] len_wr_ptr_reg = 0;
reg [DEPTH_LOG2:0] len_rd_ptr_reg = 0;
// Occupancy, kept as counters so that "full" and "empty" are registers, not pointer arithmetic:
reg [DEPTH_LOG2:0] used_reg = 0;        // wr_cur - rd_ptr: committed unread + kept beats of the frame in
reg [DEPTH_LOG2:0] committed_reg = 0;   // wr_ptr - rd_ptr: committed beats not yet read
reg                full_reg = 1'b0;     // used == DEPTH
reg                avail_reg = 1'b0;    // committed != 0

reg                      drop_frame_reg = 1'b0;  // the frame being received will be dropped
reg [7:0]                drop_why_reg = 8'd0;
reg [BEAT_CNT_WIDTH-1:0] beats_reg = 0;          // beats of the frame so far, saturating at MAX_BEATS+1
reg [15:0]               bytes_reg = 16'd0;

reg        frame_in_reg = 1'b0;
reg        drop_valid_reg = 1'b0;
reg [7:0]  drop_reason_reg = 8'd0;

// Bytes in this beat. tkeep is contiguous from bit 0 (a thermometer code: tkeep[i] == (i < n)), so
// the count n is decoded bit by bit, without an adder tree: bit b of n is set when n lies in one of
// the ranges [m*2^b, (m+1)*2^b) for odd m, i.e. tkeep[m*2^b - 1] && !tkeep[(m+1)*2^b - 1]. For a
// contiguous tkeep this is popcount(tkeep); a tkeep with holes (which a MAC never delivers) is not
// counted meaningfully.
// Written as whole-vector operations: bit b of n = |(tkeep & ~(tkeep >> 2^b) & MASK_b), MASK_b
// holding the positions i = 2^b - 1 (mod 2^(b+1)).
function automatic [KEEP_WIDTH-1:0] count_mask(input integer b);
    integer i;
    begin
        count_mask = 0;
        for (i = 0; i < KEEP_WIDTH; i = i + 1) begin
            if (i % (2 * (2**b)) == (2**b) - 1) count_mask[i] = 1'b1;
        end
    end
endfunction
reg [KEEP_CNT_WIDTH-1:0] beat_bytes;
integer b;
always @* begin
    for (b = 0; b < KEEP_CNT_WIDTH; b = b + 1) begin
        beat_bytes[b] = |(s_axis_tkeep & ~(s_axis_tkeep >> (2**b)) & count_mask(b));
    end
end

// This beat: kept in the buffer, or the frame is (or becomes) a drop.
wire over_max   = 32'(beats_reg) >= MAX_BEATS;
wire keep_beat  = s_axis_tvalid && !drop_frame_reg && !over_max && !full_reg;
wire frame_end  = s_axis_tvalid && s_axis_tlast;
wire frame_bad  = drop_frame_reg || full_reg || over_max || s_axis_tuser || s_axis_drop != 8'd0;
wire commit     = frame_end && !frame_bad;      // implies keep_beat
wire rewind     = frame_end && frame_bad;
wire pop        = avail_reg && m_axis_tready;

// next occupancy
reg [DEPTH_LOG2:0] used_next, committed_next;
always @* begin
    if (rewind) begin
        used_next = committed_reg - {{DEPTH_LOG2{1'b0}}, pop};
    end else begin
        used_next = used_reg + {{DEPTH_LOG2{1'b0}}, keep_beat} - {{DEPTH_LOG2{1'b0}}, pop};
    end
    if (commit) begin
        committed_next = used_reg + 1'b1 - {{DEPTH_LOG2{1'b0}}, pop};
    end else begin
        committed_next = committed_reg - {{DEPTH_LOG2{1'b0}}, pop};
    end
end

// next flags, without going through the counters' adders (a beat is kept only when not full):
//   used' == DEPTH:  not popped and (rewound to a full committed part, or full already, or this
//                    beat fills the last slot)
//   committed' != 0: a frame commits (its beats stay), or there were more than the one popped
wire full_next  = !pop && (rewind ? committed_reg == (DEPTH_LOG2+1)'(DEPTH)
                                  : (full_reg || (keep_beat && used_reg == (DEPTH_LOG2+1)'(DEPTH - 1))));
wire avail_next = commit || (avail_reg && !(pop && committed_reg == (DEPTH_LOG2+1)'(1)));

assign s_axis_tready = 1'b1;

assign m_axis_tvalid = avail_reg;
assign m_axis_tdata = data_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_tkeep = keep_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_tlast = last_mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign m_axis_len = len_mem[len_rd_ptr_reg[DEPTH_LOG2-1:0]];

assign frame_in = frame_in_reg;
assign drop_valid = drop_valid_reg;
assign drop_reason = drop_reason_reg;

always @(posedge clk) begin
    frame_in_reg <= frame_end;
    drop_valid_reg <= rewind;

    if (keep_beat) begin
        data_mem[wr_cur_reg[DEPTH_LOG2-1:0]] <= s_axis_tdata;
        keep_mem[wr_cur_reg[DEPTH_LOG2-1:0]] <= s_axis_tkeep;
        last_mem[wr_cur_reg[DEPTH_LOG2-1:0]] <= s_axis_tlast;
        wr_cur_reg <= wr_cur_reg + 1'b1;
    end
    if (s_axis_tvalid) begin
        if (!drop_frame_reg) begin
            if (over_max) begin
                drop_frame_reg <= 1'b1;
                drop_why_reg <= NR_DROP_OVERSIZE;
            end else if (full_reg) begin
                drop_frame_reg <= 1'b1;
                drop_why_reg <= NR_DROP_RX_OVERFLOW;
            end
        end
        if (32'(beats_reg) < MAX_BEATS + 1) begin
            beats_reg <= beats_reg + 1'b1;
        end
        bytes_reg <= bytes_reg + 16'(beat_bytes);
    end
    if (frame_end) begin
        beats_reg <= 0;
        bytes_reg <= 16'd0;
        drop_frame_reg <= 1'b0;
    end
    if (rewind) begin
        // drop the whole frame: rewind to the last good frame
        wr_cur_reg <= wr_ptr_reg;
        // a frame longer than MAX_BEATS is OVERSIZE whatever else happened to it
        drop_reason_reg <= over_max ? NR_DROP_OVERSIZE :
                           drop_frame_reg ? drop_why_reg :
                           full_reg ? NR_DROP_RX_OVERFLOW : s_axis_tuser ? NR_DROP_MAC_ERROR : s_axis_drop;
    end
    if (commit) begin
        wr_ptr_reg <= wr_cur_reg + 1'b1;
        len_mem[len_wr_ptr_reg[DEPTH_LOG2-1:0]] <= bytes_reg + 16'(beat_bytes);
        len_wr_ptr_reg <= len_wr_ptr_reg + 1'b1;
    end

    if (pop) begin
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
        if (m_axis_tlast) begin
            len_rd_ptr_reg <= len_rd_ptr_reg + 1'b1;
        end
    end

    used_reg <= used_next;
    committed_reg <= committed_next;
    full_reg <= full_next;
    avail_reg <= avail_next;

    if (rst) begin
        wr_ptr_reg <= 0;
        wr_cur_reg <= 0;
        rd_ptr_reg <= 0;
        len_wr_ptr_reg <= 0;
        len_rd_ptr_reg <= 0;
        used_reg <= 0;
        committed_reg <= 0;
        full_reg <= 1'b0;
        avail_reg <= 1'b0;
        drop_frame_reg <= 1'b0;
        beats_reg <= 0;
        bytes_reg <= 16'd0;
        frame_in_reg <= 1'b0;
        drop_valid_reg <= 1'b0;
        drop_reason_reg <= 8'd0;
    end
end

`ifndef SYNTHESIS
// The buffer is never written when full nor read when empty, and the counters match the pointers.
always @(posedge clk) begin
    if (!rst) begin
        assert (!(keep_beat && used_reg == (DEPTH_LOG2+1)'(DEPTH))) else $error("nicraft_rx_fifo: beat written into a full buffer");
        assert (!(pop && committed_reg == 0)) else $error("nicraft_rx_fifo: read from an empty buffer");
        assert (used_reg == wr_cur_reg - rd_ptr_reg && committed_reg == wr_ptr_reg - rd_ptr_reg)
            else $error("nicraft_rx_fifo: occupancy %0d/%0d does not match the pointers", used_reg, committed_reg);
        assert (full_reg == (used_reg == (DEPTH_LOG2+1)'(DEPTH)) && avail_reg == (committed_reg != 0))
            else $error("nicraft_rx_fifo: full/avail flags out of step");
    end
end
`endif

endmodule

`resetall
