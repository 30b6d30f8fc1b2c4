// nicraft: the counters block: NR_CTR_COUNT 64-bit event counters (spec/wire.yaml lists them).
//
// Every engine reports its events of the cycle as strobes; several may count in one cycle (the
// planes, the main pipeline and the ACK path run in parallel), so each counter adds up to 7 a cycle.
// CTR_CLEAR (from the CSR block) zeroes every counter and wins over the cycle's events.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_stats #(
    // network planes (1..3): per-plane counters
    parameter PLANES = 1
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                clear,

    // per plane: RX buffer (a frame in, a frame dropped and why), plane merge (a copy dropped, a frame
    // of a disabled plane dropped), TX (a frame out, a copy dropped for lack of room)
    input  wire [PLANES-1:0]   pl_frame_in,
    input  wire [PLANES-1:0]   pl_drop_valid,
    input  wire [PLANES*8-1:0] pl_drop_reason,
    input  wire [PLANES-1:0]   pl_dup_drop,
    input  wire [PLANES-1:0]   pl_off_drop,
    input  wire [PLANES-1:0]   pl_req_dup_drop,   // of pl_dup_drop: a client's REQ (DROP_REQ_DUP, not DROP_PLANE_DUP)
    input  wire [PLANES-1:0]   pl_tx_frame,
    input  wire [PLANES-1:0]   pl_tx_drop,

    // execute engine (first beats unless said otherwise)
    input  wire                e_drop,
    input  wire [7:0]          e_why,
    input  wire                e_punt,
    input  wire                e_hb,
    input  wire                e_ack,
    input  wire                e_nack,
    input  wire                e_seq_end,
    input  wire                e_accept_end,
    input  wire                e_ooo_end,
    // plane merge's ACK path
    input  wire                ack_path,
    // generators, delivery, retransmission, host TX, TX arbiter
    input  wire                reply_tx,
    input  wire                hb_tx,
    input  wire                ack_tx,
    input  wire                nack_tx,
    input  wire                committed,
    input  wire                rtx_frame,
    input  wire                repair,
    input  wire                rtx_stale,
    input  wire                leader_silent,     // a LEADER_SILENT event raised (nicraft_leader_watch)
    input  wire                host_tx_frame,
    input  wire                tx_frame,

    // read port (combinational)
    input  wire [5:0]          rd_index,
    output wire [63:0]         rd_value
);

`include "nicraft_wire.svh"

initial begin
    if (PLANES < 1 || PLANES > 3) begin
        $error("nicraft_stats: PLANES must be 1..3");
        $finish;
    end
    if (NR_CTR_COUNT > 64) begin
        $error("nicraft_stats: the read index has 6 bits: at most 64 counters");
        $finish;
    end
end

reg [63:0] ctr_reg [0:NR_CTR_COUNT-1];
reg [2:0]  inc [0:NR_CTR_COUNT-1];

// x + b for a 3-bit count and one bit, as logic (half adders): a chain of these is a small function
// of the event bits, where `+` would put one carry chain after another
function automatic [2:0] inc1(input [2:0] x, input b);
    begin
        inc1 = {x[2] ^ (x[1] & x[0] & b), x[1] ^ (x[0] & b), x[0] ^ b};
    end
endfunction

integer c, pp;
always_comb begin
    for (c = 0; c < NR_CTR_COUNT; c = c + 1) begin
        inc[c] = 3'd0;
    end
    for (pp = 0; pp < PLANES; pp = pp + 1) begin
        inc[NR_CTR_RX_FRAMES] = inc1(inc[NR_CTR_RX_FRAMES], pl_frame_in[pp]);
        if (pl_drop_valid[pp]) begin
            inc[NR_CTR_DROPPED] = inc1(inc[NR_CTR_DROPPED], 1'b1);
            case (pl_drop_reason[pp*8 +: 8])
                NR_DROP_MAC_ERROR:   inc[NR_CTR_DROP_MAC_ERROR]   = inc1(inc[NR_CTR_DROP_MAC_ERROR], 1'b1);
                NR_DROP_OVERSIZE:    inc[NR_CTR_DROP_OVERSIZE]    = inc1(inc[NR_CTR_DROP_OVERSIZE], 1'b1);
                NR_DROP_AUTH_FAIL:   inc[NR_CTR_DROP_AUTH_FAIL]   = inc1(inc[NR_CTR_DROP_AUTH_FAIL], 1'b1);
                NR_DROP_NO_KEY:      inc[NR_CTR_DROP_NO_KEY]      = inc1(inc[NR_CTR_DROP_NO_KEY], 1'b1);
                NR_DROP_REPLAY:      inc[NR_CTR_DROP_REPLAY]      = inc1(inc[NR_CTR_DROP_REPLAY], 1'b1);
                default:             inc[NR_CTR_DROP_RX_OVERFLOW] = inc1(inc[NR_CTR_DROP_RX_OVERFLOW], 1'b1);
            endcase
        end
    end
    if (e_drop) begin
        inc[NR_CTR_DROPPED] = inc1(inc[NR_CTR_DROPPED], 1'b1);
        case (e_why)
            NR_DROP_SHORT:         inc[NR_CTR_DROP_SHORT] = 3'd1;
            NR_DROP_BAD_ETHERTYPE: inc[NR_CTR_DROP_BAD_ETHERTYPE] = 3'd1;
            NR_DROP_BAD_VERSION:   inc[NR_CTR_DROP_BAD_VERSION] = 3'd1;
            NR_DROP_BAD_CLUSTER:   inc[NR_CTR_DROP_BAD_CLUSTER] = 3'd1;
            NR_DROP_BAD_LENGTH:    inc[NR_CTR_DROP_BAD_LENGTH] = 3'd1;
            NR_DROP_BAD_TYPE:      inc[NR_CTR_DROP_BAD_TYPE] = 3'd1;
            NR_DROP_LOG_FULL:      inc[NR_CTR_DROP_LOG_FULL] = 3'd1;
            NR_DROP_DUPLICATE:     inc[NR_CTR_DROP_DUPLICATE] = 3'd1;
            NR_DROP_BAD_ACK:       inc[NR_CTR_DROP_BAD_ACK] = 3'd1;
            NR_DROP_FUTURE_INDEX:  inc[NR_CTR_DROP_FUTURE_INDEX] = 3'd1;
            NR_DROP_NOT_MEMBER:    inc[NR_CTR_DROP_NOT_MEMBER] = 3'd1;
            NR_DROP_NOT_LEADER:    inc[NR_CTR_DROP_NOT_LEADER] = 3'd1;
            default:               inc[NR_CTR_DROP_PUNT_FULL] = 3'd1;
        endcase
    end
    for (pp = 0; pp < PLANES; pp = pp + 1) begin
        if (pl_dup_drop[pp]) begin
            inc[NR_CTR_DROPPED] = inc1(inc[NR_CTR_DROPPED], 1'b1);
            if (pl_req_dup_drop[pp]) inc[NR_CTR_DROP_REQ_DUP] = inc1(inc[NR_CTR_DROP_REQ_DUP], 1'b1);
            else inc[NR_CTR_DROP_PLANE_DUP] = inc1(inc[NR_CTR_DROP_PLANE_DUP], 1'b1);
            inc[NR_CTR_PLANE0_DUPS + 5*pp] = 3'd1;
        end
        if (pl_off_drop[pp]) begin
            inc[NR_CTR_DROPPED] = inc1(inc[NR_CTR_DROPPED], 1'b1);
            inc[NR_CTR_DROP_PLANE_OFF] = inc1(inc[NR_CTR_DROP_PLANE_OFF], 1'b1);
        end
        inc[NR_CTR_PLANE0_RX_FRAMES + 5*pp] = {2'd0, pl_frame_in[pp]};
        inc[NR_CTR_PLANE0_ERRORS + 5*pp] = inc1({2'd0, pl_drop_valid[pp]}, pl_off_drop[pp]);
        inc[NR_CTR_PLANE0_TX_FRAMES + 5*pp] = {2'd0, pl_tx_frame[pp]};
        inc[NR_CTR_PLANE0_TX_DROPS + 5*pp] = {2'd0, pl_tx_drop[pp]};
    end
    if (e_punt)        inc[NR_CTR_PUNTED] = 3'd1;
    if (e_seq_end)     inc[NR_CTR_REQ_SEQUENCED] = 3'd1;
    if (e_accept_end)  inc[NR_CTR_APPEND_ACCEPTED] = 3'd1;
    if (e_ooo_end)     inc[NR_CTR_APPEND_BUFFERED] = 3'd1;
    inc[NR_CTR_ACK_RX] = inc1({2'd0, e_ack}, ack_path);
    if (e_nack)        inc[NR_CTR_NACK_RX] = 3'd1;
    if (rtx_frame)     inc[NR_CTR_RETRANSMIT_TX] = 3'd1;
    if (repair)        inc[NR_CTR_NEEDS_REPAIR] = 3'd1;
    if (rtx_stale)     inc[NR_CTR_RETRANSMIT_STALE] = 3'd1;
    if (leader_silent) inc[NR_CTR_LEADER_SILENT] = 3'd1;
    if (e_hb)          inc[NR_CTR_HEARTBEAT_RX] = 3'd1;
    if (reply_tx)      inc[NR_CTR_REPLY_TX] = 3'd1;
    if (hb_tx)         inc[NR_CTR_HEARTBEAT_TX] = 3'd1;
    if (ack_tx)        inc[NR_CTR_ACK_TX] = 3'd1;
    if (nack_tx)       inc[NR_CTR_NACK_TX] = 3'd1;
    if (committed)     inc[NR_CTR_COMMITTED] = 3'd1;
    if (host_tx_frame) inc[NR_CTR_HOST_TX_FRAMES] = 3'd1;
    if (tx_frame)      inc[NR_CTR_TX_FRAMES] = 3'd1;
end

`ifndef SYNTHESIS
// The increments are 3 bits wide: at most 7 events of one counter a cycle. DROPPED is the busiest:
// an RX drop per plane, the execute engine's drop, and per plane a copy or a disabled plane's frame
// (the merge drops a frame for one reason only).
always_ff @(posedge clk) begin
    if (!rst) assert ((pl_dup_drop & pl_off_drop) == {PLANES{1'b0}})
        else $error("nicraft_stats: a plane dropped a frame as a copy and as a disabled plane's in one cycle (%b, %b)",
                    pl_dup_drop, pl_off_drop);
end
`endif

always_ff @(posedge clk) begin
    for (c = 0; c < NR_CTR_COUNT; c = c + 1) begin
        ctr_reg[c] <= (rst || clear) ? 64'd0 : ctr_reg[c] + {61'd0, inc[c]};
    end
end

assign rd_value = (32'(rd_index) < NR_CTR_COUNT) ? ctr_reg[rd_index] : 64'd0;

endmodule

`resetall
