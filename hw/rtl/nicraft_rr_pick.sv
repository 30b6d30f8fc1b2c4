// nicraft: round-robin pick: the first requester after the last winner (combinational).
// Shared by the frame arbiters (nicraft_axis_arb) and the plane merge (nicraft_plane_merge).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rr_pick #(
    parameter PORTS = 2,
    parameter SEL_WIDTH = PORTS > 1 ? $clog2(PORTS) : 1
) (
    input  wire [PORTS-1:0]     req,
    input  wire [SEL_WIDTH-1:0] last,
    output reg  [SEL_WIDTH-1:0] sel,
    output reg                  found
);

integer i;
always @* begin
    sel = last;
    found = 1'b0;
    for (i = 1; i <= PORTS; i = i + 1) begin
        if (!found && req[(32'(last) + i) % PORTS]) begin
            sel = SEL_WIDTH'((32'(last) + i) % PORTS);
            found = 1'b1;
        end
    end
end

endmodule

`resetall
