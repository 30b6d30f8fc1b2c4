// nicraft: AXI4-Lite slave for the NIC's CSR port (docs/integration.md, docs/register-map.md).
//
// Puts nicraft_nic's CSR port (csr_wr_en/csr_rd_en/csr_addr/csr_wr_data, read data one cycle after
// csr_rd_en) behind a standard 32-bit AXI4-Lite slave, as a NIC shell's application block expects
// (corundum's app slot, AMD's OpenNIC shell user box), with corundum's s_axil_* port names.
//
// AW, W and AR each have a holding register, taken independently (AW and W in any order) when the
// register is free or its request leaves for the NIC in that cycle, so requests can follow back to
// back; one write and one read are answered at a time. A write
// whose address and data are both held, and a read whose address is held, go to the CSR port one per
// cycle (they share csr_addr), alternating when both wait. Responses (B, R) are registered and held
// until taken. The register map decides the response (nr_csr_access, generated from spec/wire.yaml):
//   OKAY    the access reached the NIC (a read returns the register's value);
//   DECERR  no register at that address (outside the map, or address bits above 15 set), or an
//           address that is not 32-bit aligned;
//   SLVERR  the register exists but not for this access: a write to a read-only register, a read of
//           a write-only one (CTR_CLEAR), or a write whose WSTRB is not 4'b1111 (the NIC's registers
//           are written whole).
// An access answered with an error does not reach the NIC (no side effect); a failed read returns 0.
// AWPROT/ARPROT are accepted and ignored.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_csr_axil #(
    parameter ADDR_WIDTH = 16    // AXI address bits (16..64); the CSR map decodes byte addresses 0..0xFFFF
) (
    input  wire                   clk,
    input  wire                   rst,

    // AXI4-Lite slave
    input  wire [ADDR_WIDTH-1:0]  s_axil_awaddr,
    input  wire [2:0]             s_axil_awprot,
    input  wire                   s_axil_awvalid,
    output wire                   s_axil_awready,
    input  wire [31:0]            s_axil_wdata,
    input  wire [3:0]             s_axil_wstrb,
    input  wire                   s_axil_wvalid,
    output wire                   s_axil_wready,
    output wire [1:0]             s_axil_bresp,
    output wire                   s_axil_bvalid,
    input  wire                   s_axil_bready,
    input  wire [ADDR_WIDTH-1:0]  s_axil_araddr,
    input  wire [2:0]             s_axil_arprot,
    input  wire                   s_axil_arvalid,
    output wire                   s_axil_arready,
    output wire [31:0]            s_axil_rdata,
    output wire [1:0]             s_axil_rresp,
    output wire                   s_axil_rvalid,
    input  wire                   s_axil_rready,

    // to nicraft_nic's CSR port
    output wire                   csr_wr_en,
    output wire                   csr_rd_en,
    output wire [15:0]            csr_addr,
    output wire [31:0]            csr_wr_data,
    input  wire [31:0]            csr_rd_data,
    input  wire                   csr_rd_valid
);

`include "nicraft_wire.svh"

localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10, RESP_DECERR = 2'b11;

initial begin
    if (ADDR_WIDTH < 16 || ADDR_WIDTH > 64) begin
        $error("nicraft_csr_axil: ADDR_WIDTH must be 16..64");
        $finish;
    end
end

// held requests
reg                  aw_held_reg = 1'b0;
reg [ADDR_WIDTH-1:0] aw_addr_reg = 0;
reg                  w_held_reg = 1'b0;
reg [31:0]           w_data_reg = 32'd0;
reg [3:0]            w_strb_reg = 4'd0;
reg                  ar_held_reg = 1'b0;
reg [ADDR_WIDTH-1:0] ar_addr_reg = 0;
// responses
reg                  b_valid_reg = 1'b0;
reg [1:0]            b_resp_reg = RESP_OKAY;
reg                  r_valid_reg = 1'b0;
reg [1:0]            r_resp_reg = RESP_OKAY;
reg [31:0]           r_data_reg = 32'd0;
reg                  rd_wait_reg = 1'b0;    // a read went to the NIC, its data comes next cycle
// the CSR port (registered)
reg                  csr_wr_en_reg = 1'b0;
reg                  csr_rd_en_reg = 1'b0;
reg [15:0]           csr_addr_reg = 16'd0;
reg [31:0]           csr_wr_data_reg = 32'd0;
reg                  last_was_write_reg = 1'b0;   // alternation when a read and a write both wait

// the response an access will get
function automatic [1:0] decode(input [ADDR_WIDTH-1:0] addr, input write, input [3:0] strb);
    reg [1:0] acc;
    begin
        acc = nr_csr_access(addr[15:0]);
        if ((ADDR_WIDTH > 16 && (addr >> 16) != 0) || addr[1:0] != 2'b00 || acc == 2'b00) decode = RESP_DECERR;
        else if (write ? (!acc[0] || strb != 4'hF) : !acc[1]) decode = RESP_SLVERR;
        else decode = RESP_OKAY;
    end
endfunction

wire [1:0] w_resp = decode(aw_addr_reg, 1'b1, w_strb_reg);
wire [1:0] r_resp = decode(ar_addr_reg, 1'b0, 4'hF);

// ready to issue: a write needs its address and data and a free B register; a read its address, a
// free R register and no read in flight
wire w_ready = aw_held_reg && w_held_reg && !b_valid_reg;
wire r_ready = ar_held_reg && !r_valid_reg && !rd_wait_reg;
wire do_write = w_ready && (!r_ready || !last_was_write_reg);
wire do_read  = r_ready && !do_write;

// a holding register takes a new request when it is free or its request goes to the NIC this cycle
assign s_axil_awready = !aw_held_reg || do_write;
assign s_axil_wready  = !w_held_reg || do_write;
assign s_axil_arready = !ar_held_reg || do_read;
assign s_axil_bvalid  = b_valid_reg;
assign s_axil_bresp   = b_resp_reg;
assign s_axil_rvalid  = r_valid_reg;
assign s_axil_rresp   = r_resp_reg;
assign s_axil_rdata   = r_data_reg;
assign csr_wr_en      = csr_wr_en_reg;
assign csr_rd_en      = csr_rd_en_reg;
assign csr_addr       = csr_addr_reg;
assign csr_wr_data    = csr_wr_data_reg;

always @(posedge clk) begin
    csr_wr_en_reg <= 1'b0;
    csr_rd_en_reg <= 1'b0;

    if (do_write) begin
        aw_held_reg <= 1'b0;
        w_held_reg <= 1'b0;
        b_valid_reg <= 1'b1;
        b_resp_reg <= w_resp;
        last_was_write_reg <= 1'b1;
        if (w_resp == RESP_OKAY) begin
            csr_wr_en_reg <= 1'b1;
            csr_addr_reg <= aw_addr_reg[15:0];
            csr_wr_data_reg <= w_data_reg;
        end
    end else if (do_read) begin
        ar_held_reg <= 1'b0;
        last_was_write_reg <= 1'b0;
        if (r_resp == RESP_OKAY) begin
            csr_rd_en_reg <= 1'b1;
            csr_addr_reg <= ar_addr_reg[15:0];
            rd_wait_reg <= 1'b1;
        end else begin
            r_valid_reg <= 1'b1;
            r_resp_reg <= r_resp;
            r_data_reg <= 32'd0;
        end
    end
    // new requests (after the release above: a freed register takes the next at once)
    if (s_axil_awvalid && s_axil_awready) begin
        aw_held_reg <= 1'b1;
        aw_addr_reg <= s_axil_awaddr;
    end
    if (s_axil_wvalid && s_axil_wready) begin
        w_held_reg <= 1'b1;
        w_data_reg <= s_axil_wdata;
        w_strb_reg <= s_axil_wstrb;
    end
    if (s_axil_arvalid && s_axil_arready) begin
        ar_held_reg <= 1'b1;
        ar_addr_reg <= s_axil_araddr;
    end

    // the NIC answers a read the cycle after it saw csr_rd_en
    if (rd_wait_reg && csr_rd_valid) begin
        rd_wait_reg <= 1'b0;
        r_valid_reg <= 1'b1;
        r_resp_reg <= RESP_OKAY;
        r_data_reg <= csr_rd_data;
    end

    if (b_valid_reg && s_axil_bready) b_valid_reg <= 1'b0;
    if (r_valid_reg && s_axil_rready) r_valid_reg <= 1'b0;

    if (rst) begin
        aw_held_reg <= 1'b0;
        w_held_reg <= 1'b0;
        ar_held_reg <= 1'b0;
        b_valid_reg <= 1'b0;
        r_valid_reg <= 1'b0;
        rd_wait_reg <= 1'b0;
        csr_wr_en_reg <= 1'b0;
        csr_rd_en_reg <= 1'b0;
        last_was_write_reg <= 1'b0;
    end
end

`ifndef SYNTHESIS
// The NIC is asked one thing per cycle; its read data comes only for a read in flight, exactly one
// cycle after the request.
reg rd_en_prev_reg = 1'b0;
always @(posedge clk) begin
    rd_en_prev_reg <= csr_rd_en_reg && !rst;
    if (!rst) begin
        assert (!(csr_wr_en_reg && csr_rd_en_reg)) else $error("nicraft_csr_axil: a read and a write on the CSR port in one cycle");
        assert (!(do_write && do_read)) else $error("nicraft_csr_axil: two accesses issued at once");
        assert (csr_rd_valid == rd_en_prev_reg) else $error("nicraft_csr_axil: CSR read data %s", csr_rd_valid ? "without a read" : "missing");
    end
end
`endif

wire _unused_ok = &{1'b0, s_axil_awprot, s_axil_arprot, 1'b0};

endmodule

`resetall
