// nicraft: the frame MAC engine (issue 16): one 512-bit beat per cycle in, one 64-bit tag per frame
// out, a fixed LATENCY cycles after the frame's last beat. docs/auth.md has the construction and its
// forgery bound; in short, a Carter-Wegman MAC (the structure of GMAC):
//
//   tag = T_K(frame) xor AES-128_R(nonce)[63:0]
//
// T_K: a Toeplitz hash with the key bit string K (MAX_BEATS*512+63 bits): tag bit t is the parity of
// m & K[t +: len] over the frame's bits m (bit 8k+j of a frame is bit j of its byte k, bytes beyond the
// frame (tkeep) are zero); beat b uses the key window K[512b +: 575], so per beat a 512 x 64 AND-XOR.
// AES-128_R: the AES encryption of the frame's 128-bit nonce (the caller's: key id, sender, packet
// number, length), with the round keys R the host expanded and wrote (no key schedule here); byte i of
// a 128-bit block or round key is bits [8i+7:8i]; pad byte q is output byte q (q = 0..7).
// KEYS key contexts (class x slot); the caller picks one per frame with in_key on the first beat.
//
// Pipeline: hash: key window and masked beat registered (1), the beat's 64 parities (2), the frame's
// sum (3), delayed to LATENCY; AES: the nonce xor round key 0 (1), one round per cycle (2..11), a pad
// FIFO (the pad of a frame is ready once its first beat is 11 cycles old, the tag is formed 12 cycles
// after its last beat). Nothing stalls: the caller gives at most one beat per cycle (in_valid).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_auth_mac #(
    // beat width in bits: 512
    parameter DATA_WIDTH = 512,
    // tkeep width: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // longest frame in beats (1..24: a 1,518-byte frame; ctrl/nic/auth-keys.ts KEY_MAX_BEATS): the hash
    // key covers MAX_BEATS beats
    parameter MAX_BEATS = 5,
    // key contexts (1..4)
    parameter KEYS = 4
) (
    input  wire                                   clk,
    input  wire                                   rst,

    input  wire                                   in_valid,
    input  wire                                   in_first,
    input  wire                                   in_last,
    input  wire [DATA_WIDTH-1:0]                  in_data,
    input  wire [KEEP_WIDTH-1:0]                  in_keep,
    input  wire [127:0]                           in_nonce,     // on the first beat
    input  wire [1:0]                             in_key,       // on the first beat: key context < KEYS

    input  wire [KEYS*11*128-1:0]                 round_keys,   // context k, round r: [(k*11+r)*128 +: 128]
    input  wire [KEYS*(MAX_BEATS*512+63)-1:0]     hash_keys,    // context k: [k*(MAX_BEATS*512+63) +: ...]

    output wire                                   out_valid,    // LATENCY cycles after in_valid && in_last
    output wire [63:0]                            out_tag
);

localparam LATENCY = 13;
localparam TK_BITS = MAX_BEATS*512 + 63;
localparam WIN = DATA_WIDTH + 63;
localparam BW = MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1;
localparam HASH_DELAY = LATENCY - 4;   // the sum is registered 3 cycles after the last beat; the tag 1 cycle after the pad FIFO is read

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_auth_mac: DATA_WIDTH must be 512, KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (MAX_BEATS < 1 || MAX_BEATS > 24 || KEYS < 1 || KEYS > 4) begin
        $error("nicraft_auth_mac: MAX_BEATS must be 1..24, KEYS 1..4");
        $finish;
    end
end

// ---------------------------------------------------------------------------------------------
// AES-128 round functions (FIPS-197), byte i of the state at [8i+7:8i], column c = bytes 4c..4c+3
// the S-box is nicraft_aes_sbox (a ROM), one instance per state byte in each round below
function automatic [7:0] xtime(input [7:0] x);
    xtime = {x[6:0], 1'b0} ^ (x[7] ? 8'h1b : 8'h00);
endfunction

// ShiftRows, MixColumns (unless final), AddRoundKey, on the state after SubBytes (sub: byte i is
// S-box of the state's byte i)
function automatic [127:0] aes_round_post(input [127:0] sub, input [127:0] rk, input final_round);
    reg [127:0] t, m;
    reg [7:0] a0, a1, a2, a3;
    integer c, r;
    begin
        t = 128'd0;
        m = 128'd0;
        for (c = 0; c < 4; c = c + 1)
            for (r = 0; r < 4; r = r + 1)
                t[8*(r + 4*c) +: 8] = sub[8*(r + 4*((c + r) % 4)) +: 8];
        for (c = 0; c < 4; c = c + 1) begin
            a0 = t[8*(4*c) +: 8];  a1 = t[8*(4*c+1) +: 8];  a2 = t[8*(4*c+2) +: 8];  a3 = t[8*(4*c+3) +: 8];
            m[8*(4*c)   +: 8] = xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3;
            m[8*(4*c+1) +: 8] = a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3;
            m[8*(4*c+2) +: 8] = a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3;
            m[8*(4*c+3) +: 8] = xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3);
        end
        aes_round_post = (final_round ? t : m) ^ rk;
    end
endfunction

// ---------------------------------------------------------------------------------------------
// Hash, stage 1: the masked beat and its key window
reg [BW-1:0] beat_reg = 0;             // beat index of the next beat of the frame in progress
reg [1:0]    key_reg = 2'd0;           // the frame's key context
wire [BW-1:0] beat_now = in_first ? {BW{1'b0}} : beat_reg;
wire [1:0]    key_now = in_first ? in_key : key_reg;

// the key window of (key, beat): an explicit AND-OR mux of constant part-selects (an indexed
// part-select with a computed offset becomes a shifter over the whole key in synthesis)
function automatic [WIN-1:0] key_window(input [KEYS*TK_BITS-1:0] keys, input [1:0] k, input [BW-1:0] b);
    integer wk, wb;
    begin
        key_window = {WIN{1'b0}};
        for (wk = 0; wk < KEYS; wk = wk + 1)
            for (wb = 0; wb < MAX_BEATS; wb = wb + 1)
                if (k == 2'(wk) && b == BW'(wb))
                    key_window = key_window | keys[wk*TK_BITS + wb*DATA_WIDTH +: WIN];
    end
endfunction

// the 64 parities of a masked beat with its key window: bit t is ^(data & win[t +: DATA_WIDTH])
function automatic [63:0] parities(input [DATA_WIDTH-1:0] data, input [WIN-1:0] win);
    integer t;
    begin
        for (t = 0; t < 64; t = t + 1)
            parities[t] = ^(data & win[t +: DATA_WIDTH]);
    end
endfunction
genvar gb, gt, gs;

wire [DATA_WIDTH-1:0] keep_bits;
generate
    for (gb = 0; gb < KEEP_WIDTH; gb = gb + 1) begin : g_keep
        assign keep_bits[8*gb +: 8] = {8{in_keep[gb]}};
    end
endgenerate

reg [DATA_WIDTH-1:0] h1_data_reg = 0;
reg [WIN-1:0]        h1_win_reg = 0;
reg                  h1_valid_reg = 1'b0, h1_first_reg = 1'b0, h1_last_reg = 1'b0;

always @(posedge clk) begin
    if (in_valid) begin
        beat_reg <= in_last ? {BW{1'b0}} : (beat_now == BW'(MAX_BEATS - 1) ? beat_now : beat_now + 1'b1);
        if (in_first) key_reg <= in_key;
    end
    h1_valid_reg <= in_valid;
    h1_first_reg <= in_first;
    h1_last_reg <= in_last;
    // clock enables: the data path registers (and the key window and parities computed into them)
    // change only with a beat; what they hold between beats is never read (also what keeps the
    // Verilated NIC from computing three 512 x 64 AND-XORs on every idle cycle)
    if (in_valid) begin
        h1_data_reg <= in_data & keep_bits;
        h1_win_reg <= key_window(hash_keys, key_now, beat_now);
    end
    if (rst) begin
        beat_reg <= {BW{1'b0}};
        key_reg <= 2'd0;
        h1_valid_reg <= 1'b0;
    end
end

// Hash, stage 2: the beat's 64 parities
reg [63:0] h2_part_reg = 0;
reg        h2_valid_reg = 1'b0, h2_first_reg = 1'b0, h2_last_reg = 1'b0;
// Hash, stage 3: the frame's sum, then the delay to the tag
reg [63:0] sum_reg = 0;
reg [64*HASH_DELAY-1:0] hd_reg = 0;     // stage j at [64j +: 64]
reg [HASH_DELAY-1:0] hd_valid_reg = 0;
reg [63:0] sum_run_reg = 0;            // running sum of the frame in progress
wire [63:0] sum_next = (h2_first_reg ? 64'd0 : sum_run_reg) ^ h2_part_reg;
reg        sum_valid_reg = 1'b0;

always @(posedge clk) begin
    if (h1_valid_reg) h2_part_reg <= parities(h1_data_reg, h1_win_reg);
    h2_valid_reg <= h1_valid_reg;
    h2_first_reg <= h1_first_reg;
    h2_last_reg <= h1_last_reg;
    if (h2_valid_reg) sum_run_reg <= sum_next;
    sum_reg <= sum_next;
    sum_valid_reg <= h2_valid_reg && h2_last_reg;
    hd_reg <= {hd_reg[64*(HASH_DELAY-1)-1:0], sum_reg};
    hd_valid_reg <= {hd_valid_reg[HASH_DELAY-2:0], sum_valid_reg};
    if (rst) begin
        h2_valid_reg <= 1'b0;
        sum_valid_reg <= 1'b0;
        hd_valid_reg <= 0;
    end
end

// ---------------------------------------------------------------------------------------------
// AES: stage 0 the nonce xor round key 0, stages 1..10 the rounds (round r's key by the frame's context)
reg [128*11-1:0] st_reg = 0;           // stage r at [128r +: 128]
reg [2*11-1:0]   sk_reg = 0;           // the frame's key context, stage r at [2r +: 2]
reg [10:0]       sv_reg = 0;

// round key r of context k: an explicit AND-OR mux over the contexts (constant part-selects)
function automatic [127:0] round_key(input [KEYS*11*128-1:0] keys, input [1:0] k, input integer r);
    integer c;
    begin
        round_key = 128'd0;
        for (c = 0; c < KEYS; c = c + 1)
            if (k == 2'(c)) round_key = round_key | keys[(c*11 + r)*128 +: 128];
    end
endfunction

always @(posedge clk) begin
    if (in_valid && in_first) begin
        st_reg[0 +: 128] <= in_nonce ^ round_key(round_keys, in_key, 0);
        sk_reg[0 +: 2] <= in_key;
    end
    sv_reg[0] <= in_valid && in_first;
    if (rst) sv_reg[0] <= 1'b0;
end

generate
    for (gt = 1; gt <= 10; gt = gt + 1) begin : g_round
        wire [127:0] sub;   // SubBytes of the previous stage's state
        for (gs = 0; gs < 16; gs = gs + 1) begin : g_sbox
            nicraft_aes_sbox sbox_inst (.x(st_reg[128*(gt-1) + 8*gs +: 8]), .y(sub[8*gs +: 8]));
        end
        always @(posedge clk) begin
            if (sv_reg[gt-1]) begin   // clock enable: a stage moves only with a nonce in it
                st_reg[128*gt +: 128] <= aes_round_post(sub,
                    round_key(round_keys, sk_reg[2*(gt-1) +: 2], gt), gt == 10);
                sk_reg[2*gt +: 2] <= sk_reg[2*(gt-1) +: 2];
            end
            sv_reg[gt] <= sv_reg[gt-1];
            if (rst) sv_reg[gt] <= 1'b0;
        end
    end
endgenerate

// Pad FIFO: a pad is written 11 cycles after its frame's first beat and read 12 cycles after its
// last beat; at most two frames are between the two points
reg [63:0] pad_mem [0:3];
reg [2:0]  pad_wr_reg = 0, pad_rd_reg = 0;
wire       tag_now = hd_valid_reg[HASH_DELAY-1];
reg [63:0] tag_reg = 0;
reg        tag_valid_reg = 1'b0;

always @(posedge clk) begin
    if (sv_reg[10]) begin
        pad_mem[pad_wr_reg[1:0]] <= st_reg[128*10 +: 64];
        pad_wr_reg <= pad_wr_reg + 1'b1;
    end
    if (tag_now) pad_rd_reg <= pad_rd_reg + 1'b1;
    tag_reg <= hd_reg[64*(HASH_DELAY-1) +: 64] ^ pad_mem[pad_rd_reg[1:0]];
    tag_valid_reg <= tag_now;
    if (rst) begin
        pad_wr_reg <= 0;
        pad_rd_reg <= 0;
        tag_valid_reg <= 1'b0;
    end
end

assign out_valid = tag_valid_reg;
wire _unused_ok = &{1'b0, st_reg[128*10+64 +: 64], sk_reg[2*10 +: 2], 1'b0};
assign out_tag = tag_reg;

`ifndef SYNTHESIS
always @(posedge clk) begin
    if (!rst) begin
        assert (!tag_now || pad_wr_reg != pad_rd_reg) else $error("nicraft_auth_mac: tag due before its pad");
        assert (!sv_reg[10] || 3'(pad_wr_reg - pad_rd_reg) < 3'd4) else $error("nicraft_auth_mac: pad FIFO overflow");
        assert (!(in_valid && in_first) || 32'(in_key) < KEYS) else $error("nicraft_auth_mac: key context out of range");
    end
end
`endif

endmodule

`resetall
