// nicraft: the log RAM and its ports.
//
// Three memories indexed by the low LOG_DEPTH_LOG2 bits of a log index (a slot):
//   data: SLOT_BEATS beats per slot (the entry's frame, beat by beat)
//   len:  the entry's frame length in bytes
//   tag:  {term, index} of the entry the slot holds (the follower's reorder chain reads it)
// One write port, shared: the execute engine has priority; the host's log port waits a cycle
// (log_req_ready low). Data reads are registered (the data appears the cycle after the request):
// the delivery engine's port, the retransmit engine's port (which yields to a host read in the same
// cycle) and the host's log port. Length and tag reads are combinational (the tag's index also at
// the retransmit engine's slot: it resends a slot only if the slot holds the entry it wants).
//
// The host's log port: a write of beat 0 also sets the slot's length and its tag (from the frame's
// header); a beat outside the slot, or a length over the largest frame, is ignored. A read answers
// the next cycle with the beat and the slot's length.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_log_ram #(
    // AXI-Stream data width in bits: 512 (one beat of a frame per word)
    parameter DATA_WIDTH = 512,
    // log RAM entries: 2**LOG_DEPTH_LOG2 (2..20)
    parameter LOG_DEPTH_LOG2 = 10,
    // largest payload in bytes (sets the beats per slot)
    parameter MAX_PAYLOAD = 256,
    // derived, do not override: log2 of the beats of a log slot (44 = the header's bytes)
    parameter SLOT_BEATS_LOG2 = (44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8) > 1 ?
                                $clog2((44 + MAX_PAYLOAD + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8)) : 1
) (
    input  wire                       clk,
    input  wire                       rst,

    // execute engine's write port (has priority)
    input  wire                       wr_en,
    input  wire [LOG_DEPTH_LOG2-1:0]  wr_slot,
    input  wire [SLOT_BEATS_LOG2-1:0] wr_beat,
    input  wire [DATA_WIDTH-1:0]      wr_data,
    input  wire                       wr_len_en,
    input  wire [15:0]                wr_len,
    input  wire                       wr_tag_en,
    input  wire [63:0]                wr_tag,

    // the host's log port
    input  wire                       log_req_valid,
    output wire                       log_req_ready,
    input  wire                       log_req_write,
    input  wire [31:0]                log_req_index,
    input  wire [7:0]                 log_req_beat,
    input  wire [DATA_WIDTH-1:0]      log_req_data,
    input  wire [15:0]                log_req_len,
    output wire                       log_rsp_valid,
    output wire [DATA_WIDTH-1:0]      log_rsp_data,
    output wire [15:0]                log_rsp_len,

    // delivery engine's read port
    input  wire                       dlv_rd_en,
    input  wire [LOG_DEPTH_LOG2-1:0]  dlv_rd_slot,
    input  wire [SLOT_BEATS_LOG2-1:0] dlv_rd_beat,
    output wire [DATA_WIDTH-1:0]      dlv_rd_data,      // the beat read last cycle
    output wire [15:0]                dlv_len,          // length of the entry in dlv_rd_slot (now)

    // retransmit engine's read port (granted unless the host reads in the same cycle)
    input  wire                       rtx_rd_req,
    output wire                       rtx_rd_gnt,
    input  wire [LOG_DEPTH_LOG2-1:0]  rtx_rd_slot,
    input  wire [SLOT_BEATS_LOG2-1:0] rtx_rd_beat,
    output wire [DATA_WIDTH-1:0]      rtx_rd_data,      // the beat read last cycle
    output wire [15:0]                rtx_len,          // length of the entry in rtx_rd_slot (now)
    output wire [31:0]                rtx_index,        // index of the entry in rtx_rd_slot (now; its tag)
    output wire [31:0]                rtx_term,         // term of the entry in rtx_rd_slot (now; its tag)

    // tag lookup (the execute engine's reorder chain)
    input  wire [LOG_DEPTH_LOG2-1:0]  tag_slot,
    output wire [63:0]                tag_data
);

`include "nicraft_wire.svh"

localparam LOG_DEPTH = 2**LOG_DEPTH_LOG2;
localparam MAX_FRAME_BYTES = NR_HDR_BYTES + MAX_PAYLOAD;
localparam MAX_BEATS = (MAX_FRAME_BYTES + DATA_WIDTH/8 - 1) / (DATA_WIDTH/8);
localparam LOG_ADDR_WIDTH = LOG_DEPTH_LOG2 + SLOT_BEATS_LOG2;

initial begin
    if (SLOT_BEATS_LOG2 != (MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1)) begin
        $error("nicraft_log_ram: SLOT_BEATS_LOG2 is derived from MAX_PAYLOAD and must not be overridden");
        $finish;
    end
    if (DATA_WIDTH != 512) begin
        $error("nicraft_log_ram: DATA_WIDTH must be 512 (the header accessors assume a 64-byte beat)");
        $finish;
    end
    if (LOG_DEPTH_LOG2 < 2 || LOG_DEPTH_LOG2 > 20) begin
        $error("nicraft_log_ram: LOG_DEPTH_LOG2 must be 2..20");
        $finish;
    end
    if (MAX_PAYLOAD < 16 || MAX_FRAME_BYTES > 65535) begin
        $error("nicraft_log_ram: MAX_PAYLOAD out of range");
        $finish;
    end
end

reg [DATA_WIDTH-1:0] data_mem [0:(2**LOG_ADDR_WIDTH)-1];
reg [15:0]           len_mem [0:LOG_DEPTH-1];
reg [63:0]           tag_mem [0:LOG_DEPTH-1];   // {term, index} of the whole entry in each slot

// the host's port: a write outside the slot (beat past the slot, or a length over the largest frame) is ignored
wire                      lp_in_slot = 32'(log_req_beat) < (2**SLOT_BEATS_LOG2) &&
                                       (log_req_beat != 8'd0 || 32'(log_req_len) <= MAX_FRAME_BYTES);
wire                      lp_write = log_req_valid && log_req_write && !wr_en && lp_in_slot;
wire                      lp_read  = log_req_valid && !log_req_write;
wire [LOG_DEPTH_LOG2-1:0] lp_slot = log_req_index[LOG_DEPTH_LOG2-1:0];
wire [LOG_ADDR_WIDTH-1:0] lp_addr = {lp_slot, log_req_beat[SLOT_BEATS_LOG2-1:0]};
assign log_req_ready = log_req_write ? !wr_en : 1'b1;
assign rtx_rd_gnt = !lp_read;

// the one write port
wire                      mem_we = wr_en || lp_write;
wire [LOG_ADDR_WIDTH-1:0] mem_addr = wr_en ? {wr_slot, wr_beat} : lp_addr;
wire [DATA_WIDTH-1:0]     mem_data = wr_en ? wr_data : log_req_data;
wire                      lp_head = lp_write && log_req_beat == 8'd0;
wire                      len_we = wr_len_en || lp_head;
wire                      tag_we = wr_tag_en || lp_head;
wire [LOG_DEPTH_LOG2-1:0] meta_slot = wr_en ? wr_slot : lp_slot;
wire [15:0]               len_data = wr_en ? wr_len : log_req_len;
wire [63:0]               tag_wdata = wr_en ? wr_tag : {nr_get_term(log_req_data), nr_get_log_index(log_req_data)};

reg                  log_rsp_valid_reg = 1'b0;
reg [DATA_WIDTH-1:0] log_rsp_data_reg = 0;
reg [15:0]           log_rsp_len_reg = 16'd0;
reg [DATA_WIDTH-1:0] dlv_rd_data_reg = 0;
reg [DATA_WIDTH-1:0] rtx_rd_data_reg = 0;

always_ff @(posedge clk) begin
    if (mem_we) data_mem[mem_addr] <= mem_data;
    if (len_we) len_mem[meta_slot] <= len_data;
    if (tag_we) tag_mem[meta_slot] <= tag_wdata;

    log_rsp_valid_reg <= rst ? 1'b0 : lp_read;
    if (lp_read) begin
        log_rsp_data_reg <= data_mem[lp_addr];
        log_rsp_len_reg <= len_mem[lp_slot];
    end
    if (dlv_rd_en) dlv_rd_data_reg <= data_mem[{dlv_rd_slot, dlv_rd_beat}];
    if (rtx_rd_req && rtx_rd_gnt) rtx_rd_data_reg <= data_mem[{rtx_rd_slot, rtx_rd_beat}];
end

assign log_rsp_valid = log_rsp_valid_reg;
assign log_rsp_data = log_rsp_data_reg;
assign log_rsp_len = log_rsp_len_reg;
assign dlv_rd_data = dlv_rd_data_reg;
assign rtx_rd_data = rtx_rd_data_reg;
assign dlv_len = len_mem[dlv_rd_slot];
assign rtx_len = len_mem[rtx_rd_slot];
assign rtx_index = tag_mem[rtx_rd_slot][31:0];
assign rtx_term = tag_mem[rtx_rd_slot][63:32];
assign tag_data = tag_mem[tag_slot];

`ifndef SYNTHESIS
always_ff @(posedge clk) begin
    // the engine's write port never writes outside a slot's beats
    if (!rst) assert (!(wr_en && 32'(wr_beat) >= MAX_BEATS))
        else $error("nicraft_log_ram: engine write of beat %0d, past the %0d beats of a slot", wr_beat, MAX_BEATS);
end
`endif

wire _unused_ok = &{1'b0, log_req_index[31:LOG_DEPTH_LOG2], 1'b0};

endmodule

`resetall
