// nicraft_rr_pick (hw/rtl/nicraft_rr_pick.sv): round-robin pick, the first requester after the last
// winner (combinational). Shared by the frame arbiters (axis-arb.ts), the plane merge and rtx.

/** The first port after `last` (wrapping) whose bit is set in `req`; -1 when none requests. */
export function rrPick(req: number, last: number, ports: number): number {
  if (req === 0) return -1;
  for (let i = 1; i <= ports; i++) {
    let s = last + i;
    if (s >= ports) s -= ports;
    if ((req >> s) & 1) return s;
  }
  return -1;
}
