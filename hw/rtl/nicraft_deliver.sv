// nicraft: delivery of committed entries to the host, in index order.
//
// While APPLIED_INDEX is behind the commit index, the entry after it is read from the log RAM beat
// by beat (the read data comes back the next cycle) into the delivery FIFO, toward the host RX
// queue. A frame once started is delivered to its last beat whatever the host writes meanwhile: a
// host write of APPLIED_INDEX inside a frame takes effect at the frame's end (a half-delivered frame
// would break the host RX stream's framing). Delivery waits while the delivery FIFO or the generated
// frames' FIFO (a NIC reply may follow each delivered first beat) is nearly full.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_deliver #(
    // AXI-Stream data width in bits: 512 (64-byte beats)
    parameter DATA_WIDTH = 512,
    // tkeep width, one bit per byte: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // log RAM entries: 2**LOG_DEPTH_LOG2 (2..20)
    parameter LOG_DEPTH_LOG2 = 10,
    // largest payload in bytes (sets the beats per slot)
    parameter MAX_PAYLOAD = 256,
    // delivery FIFO depth: 2**HOST_FIFO_DEPTH_LOG2 beats (2..16)
    parameter HOST_FIFO_DEPTH_LOG2 = 6,
    // derived, do not override: log2 of the beats of a log slot (44 = the header's bytes)
    parameter SLOT_BEATS_LOG2 = (44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8) > 1 ?
                                $clog2((44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8)) : 1
) (
    input  wire                       clk,
    input  wire                       rst,

    input  wire [31:0]                dlv_target,       // deliver up to this index (the commit index as it moves)
    input  wire [31:0]                commit_index,     // (the invariant check only)
    input  wire                       gen_afull,        // the generated frames' FIFO is nearly full
    // host writes (the value is wr_data); wr_commit_index only disarms the invariant check
    input  wire                       wr_applied_index,
    input  wire                       wr_commit_index,
    input  wire [31:0]                wr_data,

    // log RAM read port
    output wire                       rd_en,
    output wire [LOG_DEPTH_LOG2-1:0]  rd_slot,
    output wire [SLOT_BEATS_LOG2-1:0] rd_beat,
    input  wire [15:0]                rd_len,           // length of the entry in rd_slot
    input  wire [DATA_WIDTH-1:0]      rd_data,          // the beat read last cycle

    output wire [31:0]                applied_index,
    output wire                       dlv_afull,        // the delivery FIFO is nearly full (STATUS)
    // the beat read last cycle is valid / the first of its entry (the NIC reply generator reads it)
    output wire                       rd_valid,
    output wire                       rd_first,
    output wire                       ev_committed,     // an entry's last beat went to the FIFO

    // committed entries (to the host RX arbiter), tuser = COMMITTED
    output wire [DATA_WIDTH-1:0]      m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]      m_axis_tkeep,
    output wire                       m_axis_tvalid,
    input  wire                       m_axis_tready,
    output wire                       m_axis_tlast,
    output wire [7:0]                 m_axis_tuser
);

`include "nicraft_wire.svh"

localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + KEEP_WIDTH - 1) / KEEP_WIDTH;

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_deliver: DATA_WIDTH must be 512 and KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin
        $error("nicraft_deliver: LOG_DEPTH_LOG2 must be 2..20");
        $finish;
    end
    if (MAX_PAYLOAD < 16 || MAX_FRAME_BYTES > 65535) begin
        $error("nicraft_deliver: MAX_PAYLOAD out of range");
        $finish;
    end
    if (HOST_FIFO_DEPTH_LOG2 < 2 || HOST_FIFO_DEPTH_LOG2 > 16) begin
        $error("nicraft_deliver: HOST_FIFO_DEPTH_LOG2 must be 2..16");
        $finish;
    end
    if (SLOT_BEATS_LOG2 != (MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1)) begin
        $error("nicraft_deliver: SLOT_BEATS_LOG2 is derived from MAX_PAYLOAD and must not be overridden");
        $finish;
    end
end

// bytes of the last beat of an entry of len bytes
// (byte i is kept when i < len_lo, or the beat is not the last, or the last beat is full: a compare
// of len_lo with a constant per byte, rather than a 64-bit shift)
function automatic [KEEP_WIDTH-1:0] keep_for(input [5:0] len_lo, input last);
    integer i;
    begin
        for (i = 0; i < KEEP_WIDTH; i = i + 1) keep_for[i] = !last || len_lo == 6'd0 || 6'(i) < len_lo;
    end
endfunction

reg [31:0]                applied_index_reg = 32'd0, applied_index_next;
reg [SLOT_BEATS_LOG2-1:0] beat_reg = 0, beat_next;
reg                       wr_pend_reg = 1'b0, wr_pend_next;    // a host write of APPLIED_INDEX waits for the frame's end
reg [31:0]                wr_val_reg = 32'd0, wr_val_next;
reg                       rd_valid_reg = 1'b0;
reg                       rd_first_reg = 1'b0;
reg                       rd_last_reg = 1'b0;
reg [15:0]                rd_len_reg = 16'd0;

wire [31:0] dlv_index = applied_index_reg + 32'd1;
wire [15:0] last_beat = (rd_len == 16'd0) ? 16'd0 : (rd_len - 16'd1) >> 6;
// beat_reg >= last_beat without the subtract: the entry ends within beats 0..beat_reg, i.e.
// rd_len <= 64 * (beat_reg + 1) (rd_len == 0 included); beat_reg + 1 is a few bits, from a register
wire [9:0]  len_hi = rd_len[15:6];
wire        len_lo_zero = rd_len[5:0] == 6'd0;
reg         is_last;
integer     k;
always_comb begin
    is_last = 1'b0;
    for (k = 0; k < 2**SLOT_BEATS_LOG2; k = k + 1) begin
        if (beat_reg == SLOT_BEATS_LOG2'(k)) is_last = len_hi <= 10'(k) || (len_hi == 10'(k + 1) && len_lo_zero);
    end
end
wire        go = (beat_reg != 0 || applied_index_reg != dlv_target) && !dlv_afull && !gen_afull;
wire        mid_next = go ? !is_last : (beat_reg != 0);   // inside a frame after this cycle

assign rd_en = go;
assign rd_slot = dlv_index[LOG_DEPTH_LOG2-1:0];
assign rd_beat = beat_reg;

always_comb begin
    applied_index_next = applied_index_reg;
    beat_next = beat_reg;
    wr_pend_next = wr_pend_reg;
    wr_val_next = wr_val_reg;
    if (go) begin
        if (is_last) begin
            applied_index_next = wr_pend_reg ? wr_val_reg : dlv_index;
            wr_pend_next = 1'b0;
            beat_next = 0;
        end else begin
            beat_next = beat_reg + 1'b1;
        end
    end
    if (wr_applied_index) begin
        if (mid_next) begin
            wr_pend_next = 1'b1;
            wr_val_next = wr_data;
        end else begin
            applied_index_next = wr_data;
            wr_pend_next = 1'b0;
        end
    end
    if (rst) begin
        applied_index_next = 32'd0;
        beat_next = 0;
        wr_pend_next = 1'b0;
    end
end

always_ff @(posedge clk) begin
    applied_index_reg <= applied_index_next;
    beat_reg <= beat_next;
    wr_pend_reg <= wr_pend_next;
    wr_val_reg <= wr_val_next;
    rd_valid_reg <= rst ? 1'b0 : go;
    if (go) begin
        rd_first_reg <= beat_reg == {SLOT_BEATS_LOG2{1'b0}};
        rd_last_reg <= is_last;
        rd_len_reg <= rd_len;
    end
end

assign applied_index = applied_index_reg;
assign rd_valid = rd_valid_reg;
assign rd_first = rd_first_reg;
assign ev_committed = rd_valid_reg && rd_last_reg;

wire [HOST_FIFO_DEPTH_LOG2:0] fifo_count;
wire                          fifo_in_ready;
nicraft_axis_fifo #(.DATA_WIDTH(DATA_WIDTH), .KEEP_WIDTH(KEEP_WIDTH), .USER_WIDTH(8),
    .DEPTH_LOG2(HOST_FIFO_DEPTH_LOG2), .ALMOST_FULL_FREE(3), .NO_STALL(1)) dlv_fifo_inst (
    .clk(clk), .rst(rst),
    .s_axis_tdata(rd_data), .s_axis_tkeep(keep_for(rd_len_reg[5:0], rd_last_reg)),
    .s_axis_tvalid(rd_valid_reg), .s_axis_tready(fifo_in_ready),
    .s_axis_tlast(rd_last_reg), .s_axis_tuser(NR_HOST_COMMITTED),
    .m_axis_tdata(m_axis_tdata), .m_axis_tkeep(m_axis_tkeep), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast), .m_axis_tuser(m_axis_tuser),
    .count(fifo_count), .almost_full(dlv_afull)
);

`ifndef SYNTHESIS
always_ff @(posedge clk) begin
    if (!rst) assert (is_last == ({{(16-SLOT_BEATS_LOG2){1'b0}}, beat_reg} >= last_beat))
        else $error("nicraft_deliver: is_last %0d, but beat %0d of an entry of %0d bytes", is_last, beat_reg, rd_len);
end
// applied <= commit: delivery never passes the commit index (only a host write can break it), and
// frames go into the FIFO whole (a first beat only after the previous frame's last)
reg ok_prev_reg = 1'b0;
reg out_mid_reg = 1'b0;
always_ff @(posedge clk) begin
    ok_prev_reg <= !rst && applied_index_reg <= commit_index && !wr_applied_index && !wr_commit_index &&
                   !(go && is_last && wr_pend_reg);
    if (!rst) begin
        if (ok_prev_reg) assert (applied_index_reg <= commit_index)
            else $error("nicraft_deliver: applied index %0d passed the commit index %0d", applied_index_reg, commit_index);
        assert (!(rd_valid_reg && rd_first_reg == out_mid_reg))
            else $error("nicraft_deliver: %s", rd_first_reg ? "a frame started mid-frame" : "a frame continued without its first beat");
    end
    if (rst) out_mid_reg <= 1'b0;
    else if (rd_valid_reg) out_mid_reg <= !rd_last_reg;
end
`endif

wire _unused_ok = &{1'b0, fifo_count, fifo_in_ready, rd_len_reg[15:6], 1'b0};

endmodule

`resetall
