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
// The engine keeps the hash keys itself, as the KEYS x MAX_BEATS windows it reads (distributed RAM),
// written a 32-bit word at a time through the hk_wr port (nicraft_auth_csr's AUTH_KEY_DATA writes).
//
// Pipeline: hash: key window and masked beat registered (1), the beat's 64 parities (2), the frame's
// sum (3), delayed to LATENCY; AES: the nonce xor round key 0 (1), one round per cycle (2..11), a pad
// FIFO (the pad of a frame is ready once its first beat is 11 cycles old, the tag is formed 12 cycles
// after its last beat). Nothing stalls: the caller gives at most one beat per cycle (in_valid).
`resetall
`timescale 1ns / 1ps
`default_nettype none

`ifdef SYNTHESIS
`define NR_AUTH_MAC_HASH_FORM 1
`else
`define NR_AUTH_MAC_HASH_FORM 0
`endif

module nicraft_auth_mac #(
    // beat width in bits: 512
    parameter DATA_WIDTH = 512,
    // tkeep width: DATA_WIDTH/8
    parameter KEEP_WIDTH = DATA_WIDTH/8,
    // longest frame in beats (1..24: a 1,518-byte frame; ctrl/nic/auth-keys.ts KEY_MAX_BEATS): the hash
    // key covers MAX_BEATS beats
    parameter MAX_BEATS = 5,
    // key contexts (1..4)
    parameter KEYS = 4,
    // how the beat's 64 parities are written (the same function; the testbench runs both, see below):
    // 0 as a function in the stage's clock enable (the simulator computes it only with a beat), 1 as
    // kept LUT-sized groups (synthesis: Yosys's mapper, left to itself, built the 512 x 64 AND-XOR in
    // about twice the LUTs, docs/synthesis.md). Default: 1 under SYNTHESIS (Yosys), else 0.
    parameter HASH_FORM = `NR_AUTH_MAC_HASH_FORM
) (
    input  wire                                   clk,
    input  wire                                   rst,

    input  wire                                   in_valid,
    input  wire                                   in_first,     // the beat is a frame's first (read only with in_valid)
    input  wire                                   in_last,
    input  wire [DATA_WIDTH-1:0]                  in_data,
    input  wire [KEEP_WIDTH-1:0]                  in_keep,
    input  wire [127:0]                           in_nonce,     // on the first beat
    input  wire [1:0]                             in_key,       // on the first beat: key context < KEYS

    input  wire [KEYS*11*128-1:0]                 round_keys,   // context k, round r: [(k*11+r)*128 +: 128]
    // hash key writes: word hk_wr_word (key bits [32w +: 32] of the context's MAX_BEATS*512+63; bits
    // beyond are ignored) of context hk_wr_ctx (contexts >= KEYS are ignored); the word is used from
    // the next cycle on
    input  wire                                   hk_wr,
    input  wire [1:0]                             hk_wr_ctx,
    input  wire [11:0]                            hk_wr_word,
    input  wire [31:0]                            hk_wr_data,

    output wire                                   out_valid,    // LATENCY cycles after in_valid && in_last
    output wire [63:0]                            out_tag
);

localparam LATENCY = 13;
localparam WIN = DATA_WIDTH + 63;
localparam BW = MAX_BEATS > 1 ? $clog2(MAX_BEATS) : 1;
localparam HASH_DELAY = LATENCY - 4;   // the sum is registered 3 cycles after the last beat; the tag 1 cycle after the pad FIFO is read

initial begin
    if (DATA_WIDTH != 512 || KEEP_WIDTH != DATA_WIDTH/8) begin
        $error("nicraft_auth_mac: DATA_WIDTH must be 512, KEEP_WIDTH DATA_WIDTH/8");
        $finish;
    end
    if (MAX_BEATS < 1 || MAX_BEATS > 24 || KEYS < 1 || KEYS > 4 || HASH_FORM < 0 || HASH_FORM > 1) begin
        $error("nicraft_auth_mac: MAX_BEATS must be 1..24, KEYS 1..4, HASH_FORM 0 or 1");
        $finish;
    end
end

// ---------------------------------------------------------------------------------------------
// AES-128 round functions (FIPS-197), byte i of the state at [8i+7:8i], column c = bytes 4c..4c+3
// the S-box (FIPS-197 figure 7), byte x at [8x +: 8]; read through sbox_rom below
localparam [2047:0] SBOX_TABLE = {
    8'h16, 8'hbb, 8'h54, 8'hb0, 8'h0f, 8'h2d, 8'h99, 8'h41, 8'h68, 8'h42, 8'he6, 8'hbf, 8'h0d, 8'h89, 8'ha1, 8'h8c,
    8'hdf, 8'h28, 8'h55, 8'hce, 8'he9, 8'h87, 8'h1e, 8'h9b, 8'h94, 8'h8e, 8'hd9, 8'h69, 8'h11, 8'h98, 8'hf8, 8'he1,
    8'h9e, 8'h1d, 8'hc1, 8'h86, 8'hb9, 8'h57, 8'h35, 8'h61, 8'h0e, 8'hf6, 8'h03, 8'h48, 8'h66, 8'hb5, 8'h3e, 8'h70,
    8'h8a, 8'h8b, 8'hbd, 8'h4b, 8'h1f, 8'h74, 8'hdd, 8'he8, 8'hc6, 8'hb4, 8'ha6, 8'h1c, 8'h2e, 8'h25, 8'h78, 8'hba,
    8'h08, 8'hae, 8'h7a, 8'h65, 8'hea, 8'hf4, 8'h56, 8'h6c, 8'ha9, 8'h4e, 8'hd5, 8'h8d, 8'h6d, 8'h37, 8'hc8, 8'he7,
    8'h79, 8'he4, 8'h95, 8'h91, 8'h62, 8'hac, 8'hd3, 8'hc2, 8'h5c, 8'h24, 8'h06, 8'h49, 8'h0a, 8'h3a, 8'h32, 8'he0,
    8'hdb, 8'h0b, 8'h5e, 8'hde, 8'h14, 8'hb8, 8'hee, 8'h46, 8'h88, 8'h90, 8'h2a, 8'h22, 8'hdc, 8'h4f, 8'h81, 8'h60,
    8'h73, 8'h19, 8'h5d, 8'h64, 8'h3d, 8'h7e, 8'ha7, 8'hc4, 8'h17, 8'h44, 8'h97, 8'h5f, 8'hec, 8'h13, 8'h0c, 8'hcd,
    8'hd2, 8'hf3, 8'hff, 8'h10, 8'h21, 8'hda, 8'hb6, 8'hbc, 8'hf5, 8'h38, 8'h9d, 8'h92, 8'h8f, 8'h40, 8'ha3, 8'h51,
    8'ha8, 8'h9f, 8'h3c, 8'h50, 8'h7f, 8'h02, 8'hf9, 8'h45, 8'h85, 8'h33, 8'h4d, 8'h43, 8'hfb, 8'haa, 8'hef, 8'hd0,
    8'hcf, 8'h58, 8'h4c, 8'h4a, 8'h39, 8'hbe, 8'hcb, 8'h6a, 8'h5b, 8'hb1, 8'hfc, 8'h20, 8'hed, 8'h00, 8'hd1, 8'h53,
    8'h84, 8'h2f, 8'he3, 8'h29, 8'hb3, 8'hd6, 8'h3b, 8'h52, 8'ha0, 8'h5a, 8'h6e, 8'h1b, 8'h1a, 8'h2c, 8'h83, 8'h09,
    8'h75, 8'hb2, 8'h27, 8'heb, 8'he2, 8'h80, 8'h12, 8'h07, 8'h9a, 8'h05, 8'h96, 8'h18, 8'hc3, 8'h23, 8'hc7, 8'h04,
    8'h15, 8'h31, 8'hd8, 8'h71, 8'hf1, 8'he5, 8'ha5, 8'h34, 8'hcc, 8'hf7, 8'h3f, 8'h36, 8'h26, 8'h93, 8'hfd, 8'hb7,
    8'hc0, 8'h72, 8'ha4, 8'h9c, 8'haf, 8'ha2, 8'hd4, 8'had, 8'hf0, 8'h47, 8'h59, 8'hfa, 8'h7d, 8'hc9, 8'h82, 8'hca,
    8'h76, 8'hab, 8'hd7, 8'hfe, 8'h2b, 8'h67, 8'h01, 8'h30, 8'hc5, 8'h6f, 8'h6b, 8'hf2, 8'h7b, 8'h77, 8'h7c, 8'h63
};
// The S-box as a ROM (a memory with initial contents and no write): each round reads it once per
// state byte, inside the round's clock enable. Not an indexed part-select of SBOX_TABLE at each use:
// Yosys built each of those as a 2,048-bit shifter before folding the constants (160 per engine: it
// ran out of memory on nicraft_tx_sign, docs/synthesis.md); nor a function of 256 cases, which the
// simulator inlined at every use (a Verilated NIC several times larger); nor a module per byte, whose
// combinational case the simulator evaluated every cycle (RTL fuzz seed 2 took 15 to 25% longer).
reg [7:0] sbox_rom [0:255];
integer si;
initial begin
    for (si = 0; si < 256; si = si + 1) sbox_rom[si] = SBOX_TABLE[8*si +: 8];
end
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
wire [1:0]    key_now = in_first ? in_key : key_reg;
// the beat index after this beat: from the registers for a frame in progress (prepared before
// in_first and in_last select)
wire [BW-1:0] beat_cont = beat_reg == BW'(MAX_BEATS - 1) ? beat_reg : beat_reg + 1'b1;
wire [BW-1:0] beat_one = MAX_BEATS > 1 ? BW'(1) : {BW{1'b0}};
wire [BW-1:0] beat_after = in_last ? {BW{1'b0}} : in_first ? beat_one : beat_cont;

// The key windows, in distributed RAM: entry e = k*MAX_BEATS + b holds window b of context k, key
// bits [512b +: 575], as 16 main columns (key words 16b .. 16b+15) and 2 tail columns (words 16b+16
// and 16b+17, the next window's first 63 bits), each column a RAM of its own with one write port, so
// that a word write lands in one main column and, for the first two words of a window, also in the
// previous window's tail. A beat reads one entry: a first beat entry k*MAX_BEATS of its in_key, any
// other the entry ent_reg keeps for the frame's next beat. (The windows were an AND-OR mux of twenty
// 575-bit part-selects of a key store in flip-flops: about 8,400 LUTs per engine, and 10,500
// flip-flops in nicraft_auth_csr; docs/synthesis.md "Fewer LUTs".)
localparam NE = KEYS*MAX_BEATS;
localparam EW = NE > 1 ? $clog2(NE) : 1;
reg [EW-1:0] ent_reg = 0;              // key_reg*MAX_BEATS + beat_reg

function automatic [EW-1:0] ent_of(input [1:0] k, input [BW-1:0] b);
    ent_of = EW'(32'(k) * MAX_BEATS + 32'(b));
endfunction

wire [7:0]    wr_beat = hk_wr_word[11:4];    // the window whose main part holds the word
wire [3:0]    wr_col = hk_wr_word[3:0];
wire          wr_ok = hk_wr && 32'(hk_wr_ctx) < KEYS;
wire [EW-1:0] rd_ent = in_first ? ent_of(in_key, {BW{1'b0}}) : ent_reg;
wire [WIN-1:0] win_rd;

genvar gc;
generate
    for (gc = 0; gc < 16; gc = gc + 1) begin : g_main
        (* ram_style = "distributed" *) reg [31:0] mem [0:NE-1];
        always @(posedge clk) begin
            if (wr_ok && wr_col == 4'(gc) && 32'(wr_beat) < MAX_BEATS) mem[EW'(32'(hk_wr_ctx) * MAX_BEATS + 32'(wr_beat))] <= hk_wr_data;
        end
        assign win_rd[32*gc +: 32] = mem[rd_ent];
    end
    for (gc = 0; gc < 2; gc = gc + 1) begin : g_tail
        (* ram_style = "distributed" *) reg [31:0] mem [0:NE-1];
        always @(posedge clk) begin
            if (wr_ok && wr_col == 4'(gc) && wr_beat != 8'd0 && 32'(wr_beat) <= MAX_BEATS) mem[EW'(32'(hk_wr_ctx) * MAX_BEATS + 32'(wr_beat) - 1)] <= hk_wr_data;
        end
        if (gc == 0) begin : g_w0
            assign win_rd[512 +: 32] = mem[rd_ent];
        end else begin : g_w1
            assign win_rd[544 +: 31] = mem[rd_ent][30:0];
        end
    end
endgenerate

// the 64 parities of a masked beat with its key window: bit t is ^(data & win[t +: DATA_WIDTH])
function automatic [63:0] parities(input [DATA_WIDTH-1:0] data, input [WIN-1:0] win);
    integer t;
    begin
        for (t = 0; t < 64; t = t + 1)
            parities[t] = ^(data & win[t +: DATA_WIDTH]);
    end
endfunction
genvar gb, gt;

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
        beat_reg <= beat_after;
        ent_reg <= in_last ? ent_of(key_now, {BW{1'b0}}) : in_first ? ent_of(in_key, beat_one) : ent_of(key_reg, beat_cont);
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
        h1_win_reg <= win_rd;
    end
    if (rst) begin
        beat_reg <= {BW{1'b0}};
        ent_reg <= {EW{1'b0}};
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

// The parities as synthesis gets them (HASH_FORM 1): parity t is the XOR of 171 groups, group j the
// XOR of three products (data bits j, j+171, j+342 with their key bits: six inputs, one LUT6), then
// 29 XORs of six groups each, then the XOR of those 29 (two LUT levels). Both levels are kept nets,
// so the mapper cannot regroup them (groups of contiguous slices: word operations in a simulator; the
// testbench's HASH_FORM=1 variant checks this form against the reference). Not built with HASH_FORM 0,
// the simulation library's form: continuous logic would be evaluated every cycle, not only with a beat.
localparam G1 = (DATA_WIDTH + 2) / 3;   // 171 groups of three products
localparam G2 = (G1 + 5) / 6;           // 29 groups of six groups
wire [63:0] part_lut;
generate
    if (HASH_FORM != 0) begin : g_part_lut
        for (gt = 0; gt < 64; gt = gt + 1) begin : g_bit
            wire [3*G1-1:0] prod = {{(3*G1-DATA_WIDTH){1'b0}}, h1_data_reg & h1_win_reg[gt +: DATA_WIDTH]};
            (* keep *) wire [G1-1:0] grp1;
            (* keep *) wire [G2-1:0] grp2;
            wire [6*G2-1:0] grp1_pad = {{(6*G2-G1){1'b0}}, grp1};
            assign grp1 = prod[0 +: G1] ^ prod[G1 +: G1] ^ prod[2*G1 +: G1];
            assign grp2 = grp1_pad[0 +: G2] ^ grp1_pad[G2 +: G2] ^ grp1_pad[2*G2 +: G2] ^ grp1_pad[3*G2 +: G2] ^ grp1_pad[4*G2 +: G2] ^ grp1_pad[5*G2 +: G2];
            assign part_lut[gt] = ^grp2;
        end
    end else begin : g_part_fn
        assign part_lut = 64'd0;   // not read
    end
endgenerate

always @(posedge clk) begin
    if (h1_valid_reg) h2_part_reg <= HASH_FORM != 0 ? part_lut : parities(h1_data_reg, h1_win_reg);
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
        always @(posedge clk) begin
            if (sv_reg[gt-1]) begin   // clock enable: a stage moves only with a nonce in it
                // SubBytes: byte b of the previous stage's state through the S-box, bytes 15 .. 0
                st_reg[128*gt +: 128] <= aes_round_post({sbox_rom[st_reg[128*(gt-1) + 120 +: 8]], sbox_rom[st_reg[128*(gt-1) + 112 +: 8]], sbox_rom[st_reg[128*(gt-1) + 104 +: 8]], sbox_rom[st_reg[128*(gt-1) + 96 +: 8]], sbox_rom[st_reg[128*(gt-1) + 88 +: 8]], sbox_rom[st_reg[128*(gt-1) + 80 +: 8]], sbox_rom[st_reg[128*(gt-1) + 72 +: 8]], sbox_rom[st_reg[128*(gt-1) + 64 +: 8]], sbox_rom[st_reg[128*(gt-1) + 56 +: 8]], sbox_rom[st_reg[128*(gt-1) + 48 +: 8]], sbox_rom[st_reg[128*(gt-1) + 40 +: 8]], sbox_rom[st_reg[128*(gt-1) + 32 +: 8]], sbox_rom[st_reg[128*(gt-1) + 24 +: 8]], sbox_rom[st_reg[128*(gt-1) + 16 +: 8]], sbox_rom[st_reg[128*(gt-1) + 8 +: 8]], sbox_rom[st_reg[128*(gt-1) + 0 +: 8]]},
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
