// nicraft: the authentication registers and the key store (issue 16; docs/auth.md, register map: the
// raft block's AUTH_* registers). Every register here is write-only: keys can be installed and rolled,
// never read back. Four key contexts (class x slot: context 2*class+slot; class 0 node frames, class 1
// client REQ and REPLY frames), each the 11 AES-128 round keys the host expanded (words 0..43 of the
// context) and the Toeplitz hash key (words 64.., MAX_BEATS*512+63 bits). AUTH_KEY_DATA writes the word
// at AUTH_KEY_ADDR and advances it. A key is used once its bit in AUTH_KEY_VALID is set; a host rolls a
// key by writing the unused slot, setting its valid bit, switching AUTH_TX_KID on every node, then
// clearing the old slot's bit. The hash keys are not stored here: a hash-key word write goes out on
// the hk_wr port, in the cycle of its AUTH_KEY_DATA write, to the MAC engines, which keep them in the
// form they read them (nicraft_auth_mac); the round keys are stored here.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_auth_csr #(
    parameter MAX_BEATS = 5
) (
    input  wire                                   clk,
    input  wire                                   rst,

    input  wire                                   csr_wr_en,
    input  wire [15:0]                            csr_addr,
    input  wire [31:0]                            csr_wr_data,

    output wire                                   auth_en,
    output wire [3:0]                             key_valid,
    output wire                                   tx_kid,
    output wire                                   pn_load,
    output wire [47:0]                            pn_value,
    output wire [7:0]                             replay_clear,
    output wire [4*11*128-1:0]                    round_keys,
    // a hash key word written (AUTH_KEY_DATA at word 64 + hk_wr_word of context hk_wr_ctx)
    output wire                                   hk_wr,
    output wire [1:0]                             hk_wr_ctx,
    output wire [11:0]                            hk_wr_word,
    output wire [31:0]                            hk_wr_data
);

`include "nicraft_wire.svh"

localparam TK_BITS = MAX_BEATS*512 + 63;
localparam TK_WORDS = (TK_BITS + 31) / 32;

initial begin
    if (TK_WORDS > 4096 - 64) begin
        $error("nicraft_auth_csr: MAX_BEATS too large for the 12-bit key word address");
        $finish;
    end
end

reg        auth_en_reg = 1'b0;
reg [3:0]  key_valid_reg = 4'd0;
reg        tx_kid_reg = 1'b0;
reg [13:0] key_addr_reg = 14'd0;
reg [31:0] pn_lo_reg = 32'd0;
reg        pn_load_reg = 1'b0;
reg [47:0] pn_value_reg = 48'd0;
reg [7:0]  replay_clear_reg = 8'd0;
reg [4*11*128-1:0] rk_reg = 0;

wire key_wr = csr_wr_en && csr_addr == NR_CSR_RAFT_AUTH_KEY_DATA;
wire [1:0] key_ctx = key_addr_reg[13:12];
wire [11:0] key_word = key_addr_reg[11:0];

always @(posedge clk) begin
    pn_load_reg <= 1'b0;
    replay_clear_reg <= 8'd0;
    if (csr_wr_en) begin
        case (csr_addr)
            NR_CSR_RAFT_AUTH_EN:           auth_en_reg <= csr_wr_data[0];
            NR_CSR_RAFT_AUTH_KEY_VALID:    key_valid_reg <= csr_wr_data[3:0];
            NR_CSR_RAFT_AUTH_TX_KID:       tx_kid_reg <= csr_wr_data[0];
            NR_CSR_RAFT_AUTH_KEY_ADDR:     key_addr_reg <= csr_wr_data[13:0];
            NR_CSR_RAFT_AUTH_KEY_DATA:     key_addr_reg <= key_addr_reg + 14'd1;
            NR_CSR_RAFT_AUTH_TX_PN_LO:     pn_lo_reg <= csr_wr_data;
            NR_CSR_RAFT_AUTH_TX_PN_HI: begin
                pn_load_reg <= 1'b1;
                pn_value_reg <= {csr_wr_data[15:0], pn_lo_reg};
            end
            NR_CSR_RAFT_AUTH_REPLAY_CLEAR: replay_clear_reg <= csr_wr_data[7:0];
            default: ;
        endcase
    end
    if (rst) begin
        auth_en_reg <= 1'b0;
        key_valid_reg <= 4'd0;
        tx_kid_reg <= 1'b0;
        key_addr_reg <= 14'd0;
        pn_load_reg <= 1'b0;
        replay_clear_reg <= 8'd0;
    end
end

// the round key words (not reset: a reset clears AUTH_KEY_VALID, which is what makes a key usable).
// One block, the word decode inside the write's enable: the same flip-flops and decode as a block per
// word, but a simulator checks the 176 words' addresses only in a cycle that writes one (as 176 blocks
// each checked its own every cycle: about 5% of the Verilated NIC's time, docs/simulation.md).
integer rc, rw;
always @(posedge clk) begin
    if (key_wr && key_word < 12'd44) begin
        for (rc = 0; rc < 4; rc = rc + 1)
            for (rw = 0; rw < 44; rw = rw + 1)
                if (key_ctx == 2'(rc) && key_word == 12'(rw)) rk_reg[(rc*44 + rw)*32 +: 32] <= csr_wr_data;
    end
end

assign auth_en = auth_en_reg;
assign key_valid = key_valid_reg;
assign tx_kid = tx_kid_reg;
assign pn_load = pn_load_reg;
assign pn_value = pn_value_reg;
assign replay_clear = replay_clear_reg;
assign round_keys = rk_reg;
assign hk_wr = key_wr && key_word >= 12'd64 && 32'(key_word) < 64 + TK_WORDS;
assign hk_wr_ctx = key_ctx;
assign hk_wr_word = key_word - 12'd64;
assign hk_wr_data = csr_wr_data;

endmodule

`resetall
