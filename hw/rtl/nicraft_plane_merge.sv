// nicraft: merge of the plane RX buffers, with duplicate suppression and a parallel ACK path.
//
// Every frame arrives once per plane. At the head of each plane's buffer the frame's key
// (see nicraft_nic.sv: type, source, term or client, index or sequence) is compared with the
// keys of the last WINDOW frames taken and with the heads of the lower-numbered planes: a match
// is a copy, dropped whole at once, in parallel on every plane, without using a pipeline slot.
// First copy wins. Frames on a disabled plane are dropped the same way.
// Surviving frames go to one of two consumers:
//   - the ACK path (s_is_ack: a one-beat ACK the leader counts without the host), up to one per
//     cycle, so ACKs never take a slot from requests;
//   - the main pipeline (everything else), frame-atomic round robin over the planes.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_plane_merge #(
    parameter PLANES = 2,
    parameter DATA_WIDTH = 512,
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    parameter KEY_WIDTH = 88,
    parameter WINDOW = 16,
    parameter WINDOW_CYCLES = 1024    // a key older than this is forgotten (a retry is not a copy)
) (
    input  wire                          clk,
    input  wire                          rst,

    input  wire [PLANES*DATA_WIDTH-1:0]  s_axis_tdata,
    input  wire [PLANES*KEEP_WIDTH-1:0]  s_axis_tkeep,
    input  wire [PLANES-1:0]             s_axis_tvalid,
    output wire [PLANES-1:0]             s_axis_tready,
    input  wire [PLANES-1:0]             s_axis_tlast,
    input  wire [PLANES*16-1:0]          s_len,
    input  wire [PLANES*KEY_WIDTH-1:0]   s_key,
    input  wire [PLANES-1:0]             s_key_valid,
    input  wire [PLANES-1:0]             s_is_ack,
    input  wire [PLANES-1:0]             plane_en,
    input  wire [31:0]                   now,        // free-running cycle count

    output wire [DATA_WIDTH-1:0]         m_axis_tdata,
    output wire [KEEP_WIDTH-1:0]         m_axis_tkeep,
    output wire                          m_axis_tvalid,
    input  wire                          m_axis_tready,
    output wire                          m_axis_tlast,
    output wire [15:0]                   m_len,
    output wire                          m_first,

    output wire                          m_ack_valid,
    output wire [DATA_WIDTH-1:0]         m_ack_data,

    output wire [PLANES-1:0]             dup_drop,   // a copy ended (dropped) on this plane
    output wire [PLANES-1:0]             off_drop    // a frame on a disabled plane ended (dropped)
);

localparam SEL_WIDTH = PLANES > 1 ? $clog2(PLANES) : 1;

initial begin
    if (PLANES < 1 || PLANES > 3) begin
        $error("nicraft_plane_merge: PLANES must be 1..3");
        $finish;
    end
    if (WINDOW < 2 || WINDOW > 1024) begin
        $error("nicraft_plane_merge: WINDOW must be 2..1024");
        $finish;
    end
end

reg [PLANES-1:0]     mid_reg = 0;        // the head is not a frame's first beat
reg [PLANES-1:0]     drop_reg = 0;       // ... and that frame is being dropped
reg [PLANES-1:0]     drop_off_reg = 0;   // ... because its plane is disabled
reg                  locked_reg = 1'b0;  // main is inside a multi-beat frame
reg [SEL_WIDTH-1:0]  locked_sel_reg = 0;
reg [SEL_WIDTH-1:0]  last_sel_reg = 0;
reg [KEY_WIDTH-1:0]  win_reg [0:WINDOW-1];
reg [WINDOW-1:0]     win_valid_reg = 0;
reg [31:0]           win_ts_reg [0:WINDOW-1];
localparam WIN_PTR_WIDTH = $clog2(WINDOW);
reg [WIN_PTR_WIDTH-1:0] win_ptr_reg = 0;
wire [WIN_PTR_WIDTH-1:0] win_ptr_next = (32'(win_ptr_reg) == WINDOW - 1) ? {WIN_PTR_WIDTH{1'b0}} : win_ptr_reg + 1'b1;
wire [WIN_PTR_WIDTH-1:0] win_ptr_next2 = (32'(win_ptr_next) == WINDOW - 1) ? {WIN_PTR_WIDTH{1'b0}} : win_ptr_next + 1'b1;

wire [PLANES-1:0] first = s_axis_tvalid & ~mid_reg;

// copies: against the window, and against a lower plane's head in the same cycle
reg [PLANES-1:0] off, dup, cand_main, cand_ack;
integer p, q, w;
always @* begin
    for (p = 0; p < PLANES; p = p + 1) begin
        off[p] = first[p] && !plane_en[p];
        dup[p] = 1'b0;
        if (first[p] && plane_en[p] && s_key_valid[p]) begin
            for (w = 0; w < WINDOW; w = w + 1) begin
                if (win_valid_reg[w] && now - win_ts_reg[w] < WINDOW_CYCLES &&
                    win_reg[w] == s_key[p*KEY_WIDTH +: KEY_WIDTH]) dup[p] = 1'b1;
            end
            for (q = 0; q < PLANES; q = q + 1) begin
                if (q < p && first[q] && plane_en[q] && s_key_valid[q] &&
                    s_key[q*KEY_WIDTH +: KEY_WIDTH] == s_key[p*KEY_WIDTH +: KEY_WIDTH]) dup[p] = 1'b1;
            end
        end
        cand_ack[p] = first[p] && plane_en[p] && !dup[p] && s_is_ack[p];
        cand_main[p] = first[p] && plane_en[p] && !dup[p] && !s_is_ack[p];
    end
end

// main: locked plane, else round robin over the candidates after the last winner
wire [SEL_WIDTH-1:0] rr_sel;
wire                 rr_found;
nicraft_rr_pick #(.PORTS(PLANES), .SEL_WIDTH(SEL_WIDTH)) rr_inst (
    .req(cand_main), .last(last_sel_reg), .sel(rr_sel), .found(rr_found)
);
wire [SEL_WIDTH-1:0] sel = locked_reg ? locked_sel_reg : rr_sel;
wire                 sel_valid = locked_reg ? s_axis_tvalid[sel] : rr_found;
wire                 main_go = sel_valid && m_axis_tready;

// ACK path: the lowest plane with a candidate
reg [SEL_WIDTH-1:0] ack_sel;
reg                 ack_found;
always @* begin
    ack_sel = 0;
    ack_found = 1'b0;
    for (p = PLANES - 1; p >= 0; p = p - 1) begin
        if (cand_ack[p]) begin
            ack_sel = SEL_WIDTH'(p);
            ack_found = 1'b1;
        end
    end
end

assign m_axis_tdata  = s_axis_tdata[sel*DATA_WIDTH +: DATA_WIDTH];
assign m_axis_tkeep  = s_axis_tkeep[sel*KEEP_WIDTH +: KEEP_WIDTH];
assign m_axis_tlast  = s_axis_tlast[sel];
assign m_len         = s_len[sel*16 +: 16];
assign m_axis_tvalid = sel_valid;
assign m_first       = !locked_reg;
assign m_ack_valid   = ack_found;
assign m_ack_data    = s_axis_tdata[ack_sel*DATA_WIDTH +: DATA_WIDTH];

reg [PLANES-1:0] pop;
always @* begin
    for (p = 0; p < PLANES; p = p + 1) begin
        pop[p] = (s_axis_tvalid[p] && mid_reg[p] && drop_reg[p]) ||
                 off[p] || dup[p] ||
                 (ack_found && ack_sel == SEL_WIDTH'(p)) ||
                 (main_go && sel == SEL_WIDTH'(p));
    end
end
assign s_axis_tready = pop;

reg [PLANES-1:0] dup_drop_r, off_drop_r;
always @* begin
    for (p = 0; p < PLANES; p = p + 1) begin
        dup_drop_r[p] = s_axis_tvalid[p] && s_axis_tlast[p] &&
                        ((mid_reg[p] && drop_reg[p] && !drop_off_reg[p]) || dup[p]);
        off_drop_r[p] = s_axis_tvalid[p] && s_axis_tlast[p] &&
                        ((mid_reg[p] && drop_reg[p] && drop_off_reg[p]) || off[p]);
    end
end
assign dup_drop = dup_drop_r;
assign off_drop = off_drop_r;

// keys taken this cycle enter the window (up to two per cycle)
wire ins_main = main_go && !locked_reg && s_key_valid[sel];
wire ins_ack  = ack_found && s_key_valid[ack_sel];
wire [KEY_WIDTH-1:0] key_main = s_key[sel*KEY_WIDTH +: KEY_WIDTH];
wire [KEY_WIDTH-1:0] key_ack  = s_key[ack_sel*KEY_WIDTH +: KEY_WIDTH];

always @(posedge clk) begin
    for (p = 0; p < PLANES; p = p + 1) begin
        if (pop[p]) begin
            if (s_axis_tlast[p]) begin
                mid_reg[p] <= 1'b0;
                drop_reg[p] <= 1'b0;
            end else begin
                mid_reg[p] <= 1'b1;
                if (!mid_reg[p]) begin
                    drop_reg[p] <= off[p] || dup[p];
                    drop_off_reg[p] <= off[p];
                end
            end
        end
    end
    if (main_go) begin
        last_sel_reg <= sel;
        if (m_axis_tlast) begin
            locked_reg <= 1'b0;
        end else begin
            locked_reg <= 1'b1;
            locked_sel_reg <= sel;
        end
    end
    // the window is a ring: the newest keys overwrite the oldest
    if (ins_main && ins_ack) begin
        win_reg[win_ptr_reg] <= key_main;
        win_reg[win_ptr_next] <= key_ack;
        win_ts_reg[win_ptr_reg] <= now;
        win_ts_reg[win_ptr_next] <= now;
        win_valid_reg[win_ptr_reg] <= 1'b1;
        win_valid_reg[win_ptr_next] <= 1'b1;
        win_ptr_reg <= win_ptr_next2;
    end else if (ins_main || ins_ack) begin
        win_reg[win_ptr_reg] <= ins_main ? key_main : key_ack;
        win_ts_reg[win_ptr_reg] <= now;
        win_valid_reg[win_ptr_reg] <= 1'b1;
        win_ptr_reg <= win_ptr_next;
    end
    if (rst) begin
        mid_reg <= 0;
        drop_reg <= 0;
        drop_off_reg <= 0;
        locked_reg <= 1'b0;
        locked_sel_reg <= 0;
        last_sel_reg <= 0;
        win_valid_reg <= 0;
        win_ptr_reg <= 0;
    end
end

endmodule

`resetall
