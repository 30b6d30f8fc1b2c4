// nicraft: round-robin pick: the first requester after the last winner (combinational).
// Used by the frame arbiters (nicraft_axis_arb); nicraft_plane_merge computes the same pick one-hot.
//
// For every value of `last` the search order last+1, last+2, ... (mod PORTS) is a constant, so the
// pick is a priority encoder per `last` value and a mux between them: a function of PORTS +
// SEL_WIDTH inputs, a few LUT levels, with no arithmetic on `last` (a `% PORTS` of a run-time value
// would synthesize a divider).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module nicraft_rr_pick #(
    parameter PORTS = 2,                                  // requesters (1..8)
    parameter SEL_WIDTH = PORTS > 1 ? $clog2(PORTS) : 1   // bits of a port number
) (
    input  wire [PORTS-1:0]     req,
    input  wire [SEL_WIDTH-1:0] last,    // the previous winner (values >= PORTS count modulo PORTS)
    output reg  [SEL_WIDTH-1:0] sel,     // the winner; `last` when nothing is requested
    output reg                  found    // some port requests
);

localparam LAST_VALUES = 2**SEL_WIDTH;

initial begin
    if (PORTS < 1 || PORTS > 8) begin
        $error("nicraft_rr_pick: PORTS must be 1..8");
        $finish;
    end
    if (SEL_WIDTH < 1 || 2**SEL_WIDTH < PORTS) begin
        $error("nicraft_rr_pick: SEL_WIDTH must hold a port number");
        $finish;
    end
end

integer l, i;
reg [SEL_WIDTH-1:0] pick [0:LAST_VALUES-1];   // the winner for each value of last
always @* begin
    for (l = 0; l < LAST_VALUES; l = l + 1) begin
        pick[l] = SEL_WIDTH'(l);
        // the lowest priority first, so the highest (right after l) is assigned last and wins
        for (i = PORTS; i >= 1; i = i - 1) begin
            if (req[(l + i) % PORTS]) pick[l] = SEL_WIDTH'((l + i) % PORTS);
        end
    end
    sel = pick[last];
    found = req != 0;
end

`ifndef SYNTHESIS
// The grant is one requester, and no requester lies strictly between last and it (round robin).
integer k;
always @* begin
    if (found) begin
        assert (32'(sel) < PORTS && req[sel]) else $error("nicraft_rr_pick: grant to port %0d, which does not request (req %b)", sel, req);
        for (k = 1; k < PORTS; k = k + 1) begin
            if ((32'(last) + k) % PORTS == 32'(sel)) break;
            assert (!req[(32'(last) + k) % PORTS]) else $error("nicraft_rr_pick: port %0d skipped (last %0d, grant %0d)", (32'(last) + k) % PORTS, last, sel);
        end
    end
end
`endif

endmodule

`resetall
