// Small combinational helpers shared by several modules (included inside a module body).

// a >= c for a constant c, written bit by bit from the low bit up, so that it maps to a tree of LUTs
// on a's bits rather than to a LUT, a carry chain and a LUT in series. 17 bits: callers zero-extend
// narrower operands (e.g. 16-bit lengths and addresses).
function automatic nr_ge_const(input [16:0] a, input [16:0] c);
    integer i;
    begin
        nr_ge_const = 1'b1;
        for (i = 0; i < 17; i = i + 1) nr_ge_const = c[i] ? (a[i] && nr_ge_const) : (a[i] || nr_ge_const);
    end
endfunction
