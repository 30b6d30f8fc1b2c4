// EDN reader, EDN / Jepsen-log / JSON histories, HistoryRecorder round trip, bad-input errors.
import { describe, expect, it } from 'vitest';
import {
  BadInputError,
  EdnMap,
  HistoryRecorder,
  Keyword,
  checkOperations,
  detectFormat,
  ednToString,
  kvModel,
  makeModel,
  parseEdn,
  parseEdnHistory,
  parseEventLog,
  parseHistory,
  parseJepsenLog,
  parseJsonHistory,
  registerModel,
  specFor,
} from '../../verify/check/index.js';

function badLine(fn: () => unknown): { line: number | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof BadInputError) return { line: e.line, message: e.message };
    throw e;
  }
  throw new Error('expected a BadInputError');
}

describe('EDN reader', () => {
  it('reads the Jepsen op-map subset', () => {
    const m = parseEdn('{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}');
    expect(m).toBeInstanceOf(EdnMap);
    const map = m as EdnMap;
    expect(map.kw('process')).toBe(0);
    expect((map.kw('type') as Keyword).name).toBe('invoke');
    expect((map.kw('f') as Keyword).name).toBe('append');
    expect(map.kw('key')).toBe('0');
    expect(map.kw('value')).toBe('x 0 0 y');
  });

  it('nil, numbers, vectors, nested values, escapes', () => {
    expect(parseEdn('nil')).toBeNull();
    expect(parseEdn('-42')).toBe(-42);
    expect(parseEdn('1.5')).toBe(1.5);
    expect(parseEdn('[1 nil "a b"]')).toEqual([1, null, 'a b']);
    expect(parseEdn('"q\\"uote\\\\ \\n tab\\t \\u00e9"')).toBe('q"uote\\ \n tab\t é');
    const m = parseEdn('{:value [3 0], :x {:y (1 2)}, :s #{1}, :b true} ; comment') as EdnMap;
    expect(m.kw('value')).toEqual([3, 0]);
    expect(ednToString(m.kw('x')!)).toBe('{:y [1 2]}');
    expect(m.kw('b')).toBe(true);
    expect(parseEdn('#_ :ignored 7')).toBe(7);
  });

  it('rejects malformed input', () => {
    for (const bad of ['{:a 1', '{:a}', '[1 2', '"open', '{:a 1} x', ']', '"\\q"', '12abc']) {
      expect(() => parseEdn(bad), bad).toThrow();
    }
  });
});

describe('EDN histories', () => {
  const text = [
    '{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :invoke, :f :read, :key "0", :value nil}',
    '{:process :nemesis, :type :info, :f :start, :value nil}',
    '{:process 0, :type :ok, :f :append, :key "0", :value "x 0 0 y"}',
    '{:process 1, :type :ok, :f :read, :key "0", :value "x 0 0 y"}',
    '',
    '{:process 2, :type :invoke, :f :cas, :key "1", :value [nil "a"]}',
    '{:process 2, :type :ok, :f :cas, :key "1", :value [nil "a"]}',
    '{:process 3, :type :invoke, :f :put, :key "1", :value 5}',
    '{:process 3, :type :info, :f :put, :key "1", :value 5, :error :timed-out}',
    '{:process 4, :type :invoke, :f :get, :key "1", :value nil}',
    '{:process 4, :type :fail, :f :get, :key "1", :error :timed-out}',
    '{:process 5, :type :invoke, :f :delete, :key "2"}',
  ].join('\n');

  it('parses and checks', () => {
    expect(detectFormat(text)).toBe('edn');
    const h = parseEdnHistory(text, 'h.edn');
    expect(h.ops.map((o) => [o.process, o.kind, o.key, o.status])).toEqual([
      [0, 'append', '0', 'ok'],
      [1, 'read', '0', 'ok'],
      [2, 'cas', '1', 'ok'],
      [3, 'write', '1', 'unknown'],
      [5, 'delete', '2', 'unknown'],
    ]);
    expect(h.ops[0]!.value).toBe('x 0 0 y');
    expect(h.ops[1]!.result).toBe('x 0 0 y');
    expect(h.ops[2]!.from).toBeNull();
    expect(h.ops[2]!.to).toBe('a');
    expect(h.ops[3]!.value).toBe('5');
    expect(h.ops[3]!.ret).toBe(Infinity);
    expect(h.droppedReads).toBe(1);
    expect(checkOperations(kvModel, h.ops).verdict).toBe('linearizable');
  });

  it('names the bad line', () => {
    const lines = text.split('\n');
    lines.splice(4, 0, '{:process 1, :type :ok, :f :read :value'); // line 5
    const e = badLine(() => parseEdnHistory(lines.join('\n'), 'h.edn'));
    expect(e.line).toBe(5);
    expect(e.message).toMatch(/^h\.edn:5: malformed EDN/);
  });

  it('a completion without an invocation is an error', () => {
    const e = badLine(() => parseEdnHistory('{:process 7, :type :ok, :f :read, :value 1}', 'x.edn'));
    expect(e.message).toMatch(/x\.edn:1: .*no matching invocation/);
  });
});

describe('Jepsen log lines', () => {
  const log = [
    'some header line that is ignored',
    'INFO  jepsen.util - 0\t:invoke\t:write\t1',
    'INFO  jepsen.util - 0\t:ok\t:write\t1',
    'INFO  jepsen.util - 1   :invoke :cas    [1 2]',
    'INFO  jepsen.util - 2\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 1   :fail   :cas    [1 2]',
    'INFO  jepsen.util - 2\t:fail\t:read\t:timed-out',
    'INFO  jepsen.util - 3\t:invoke\t:write\t4',
    'INFO  jepsen.util - 3\t:info\t:write\t:timed-out',
    'INFO  jepsen.util - 4\t:invoke\t:read\tnil',
    'INFO  jepsen.util - 4\t:ok\t:read\t4',
    'INFO  jepsen.util - 5\t:invoke\t:cas\t[4 0]',
  ].join('\n');

  it('applies Jepsen reading rules', () => {
    expect(detectFormat(log)).toBe('jepsen-log');
    const h = parseJepsenLog(log, 'x.log');
    expect(h.ops.map((o) => [o.process, o.kind, o.status])).toEqual([
      [0, 'write', 'ok'],
      [1, 'cas', 'fail'],
      [3, 'write', 'unknown'],
      [4, 'read', 'ok'],
      [5, 'cas', 'unknown'],
    ]);
    expect(h.ops[1]!.ret).toBe(5); // event numbers, not line numbers
    expect(h.ops[1]!.retLine).toBe(6);
    expect(h.droppedReads).toBe(1);
    // cas [1 2] failing although 1 was written before: not linearizable
    expect(checkOperations(registerModel, h.ops).verdict).toBe('not linearizable');
  });

  it('names the bad line', () => {
    const e = badLine(() => parseJepsenLog(log + '\nINFO  jepsen.util - 9\t:ok\t:read\t3', 'x.log'));
    expect(e.line).toBe(13);
    expect(e.message).toMatch(/x\.log:13: .*no matching invocation/);
    const e2 = badLine(() => parseJepsenLog('INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2', 'y.log'));
    expect(e2.message).toMatch(/^y\.log:1: bad value/);
  });
});

describe('nicraft JSON and HistoryRecorder', () => {
  it('round-trips through HistoryRecorder', () => {
    let now = 0;
    const rec = new HistoryRecorder({ model: 'kv', clock: () => (now += 10) });
    const a = rec.invoke(0, { op: 'put', key: 'a', value: '1' });
    const b = rec.invoke(1, { op: 'get', key: 'a' });
    rec.ok(a);
    rec.ok(b, '1');
    const c = rec.invoke(0, { op: 'cas', key: 'a', value: ['1', '2'] });
    rec.fail(c); // compare failed... though the value was 1: not linearizable
    const d = rec.invoke(2, { op: 'append', key: 'b', value: 'x' });
    rec.info(d);
    rec.invoke(3, { op: 'delete', key: 'c' }); // never completes
    const text = rec.toJSON();
    expect(detectFormat(text)).toBe('json');
    const h = parseHistory(text, 'r.json');
    expect(h.model).toBe('kv');
    expect(h.ops.map((o) => [o.f, o.key, o.status, o.call, o.ret])).toEqual([
      ['put', 'a', 'ok', 10, 30],
      ['get', 'a', 'ok', 20, 40],
      ['cas', 'a', 'fail', 50, 60],
      ['append', 'b', 'unknown', 70, Infinity],
      ['delete', 'c', 'unknown', 90, Infinity],
    ]);
    expect(h.ops[1]!.result).toBe('1');
    const res = checkOperations(kvModel, h.ops);
    expect(res.verdict).toBe('not linearizable');
    expect(res.failing!.key).toBe('a');
    expect(JSON.parse(text)).toEqual(rec.toHistory());
  });

  it('rejects double completion', () => {
    const rec = new HistoryRecorder();
    const id = rec.invoke(0, { op: 'write', value: 1 });
    rec.ok(id);
    expect(() => rec.ok(id)).toThrow(/already completed/);
  });

  it('names the bad line', () => {
    const doc = '{"model":"kv","ops":[\n{"process":0,"op":"put","key":"a","value":"1","invokeNs":1,"returnNs":2,"status":"ok"},\n{"process":0,"op":"frob","invokeNs":3}\n]}';
    const e = badLine(() => parseJsonHistory(doc, 'j.json'));
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^j\.json:3: ops\[1\]: "op" must be/);
    const e2 = badLine(() => parseJsonHistory('{"ops":[\n{"process":0,,}\n]}', 'k.json'));
    expect(e2.line).toBe(2);
    expect(e2.message).toMatch(/malformed JSON/);
  });
});

describe('initial values in the input', () => {
  it('nicraft JSON may say "initial" and "initialState"; flags win', () => {
    const check = checkOperations;
    const doc = {
      model: 'kv',
      initial: 'empty',
      initialState: { b: 'old' },
      ops: [
        { process: 0, op: 'get', key: 'a', invokeNs: 1, returnNs: 2, status: 'ok', output: '' },
        { process: 0, op: 'get', key: 'b', invokeNs: 3, returnNs: 4, status: 'ok', output: 'old' },
      ],
    };
    const h = parseJsonHistory(JSON.stringify(doc), 'i.json');
    expect(h.initial).toBe('empty');
    expect(h.initialState).toEqual({ b: 'old' });
    const spec = specFor(h, {});
    expect(spec).toEqual({ name: 'kv', initial: 'empty', initialState: { b: 'old' } });
    expect(check(makeModel(spec), h.ops).verdict).toBe('linearizable');
    // --initial nil and --initial-state override
    expect(check(makeModel(specFor(h, { initial: 'nil' })), h.ops).verdict).toBe('not linearizable');
    expect(check(makeModel(specFor(h, {}, { b: 'new' })), h.ops).verdict).toBe('not linearizable');
    const bad = badLine(() => parseJsonHistory('{"initial":"zero","ops":[]}', 'z.json'));
    expect(bad.message).toMatch(/z\.json:1: "initial" must be "nil" or "empty"/);
  });

  it('EDN: empty only for the get/put/append vocabulary; detection of vectors', () => {
    const kvLine = '{:process 0, :type :invoke, :f :get, :key "a", :value nil}\n{:process 0, :type :ok, :f :get, :key "a", :value ""}';
    expect(parseEdnHistory(kvLine, 'a.edn').initial).toBe('empty');
    const reg = '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value nil}';
    expect(parseEdnHistory(reg, 'b.edn').initial).toBe('nil');
    expect(detectFormat('[{:process 0}]')).toBe('edn');
    expect(detectFormat('  (\n {:process 0})')).toBe('edn');
    expect(detectFormat('; comment\n{:a 1}')).toBe('edn');
    expect(detectFormat('[]')).toBe('edn');
    expect(detectFormat('[{"ops": []}]')).toBe('json');
    expect(detectFormat('INFO jepsen.util - 0 :invoke :read nil')).toBe('jepsen-log');
  });

  it('a deleted key holds the initial value again', () => {
    const ops = parseJsonHistory(
      JSON.stringify({
        ops: [
          { process: 0, op: 'put', key: 'k', value: 'x', invokeNs: 1, returnNs: 2, status: 'ok' },
          { process: 0, op: 'delete', key: 'k', invokeNs: 3, returnNs: 4, status: 'ok' },
          { process: 0, op: 'get', key: 'k', invokeNs: 5, returnNs: 6, status: 'ok', output: '' },
        ],
      }),
      'd.json',
    ).ops;
    expect(checkOperations(kvModel, ops).verdict).toBe('not linearizable');
    expect(checkOperations(makeModel({ name: 'kv', initial: 'empty' }), ops).verdict).toBe('linearizable');
  });
});

describe('nicraft event logs', () => {
  it('reads cycle lines, skips comments, classifies what the simulator and the fuzzer write', () => {
    const text = [
      '# nicraft fuzz seed 5 (model): ...',
      '0 n1: follower term=0',
      '25032 n1: precandidate term=0',
      '26569 n1: candidate term=1',
      '28090 n1: leader term=1',
      '77675 n1 crashed (fault; NIC reset)',
      '115575 n2 restarts from storage (33 batches saved so far)',
      '2600 fault corrupt at=2600 until=112500 prob=0.05 plane=1',
      '90000 plane 2 down',
      '91000 plane_down plane=1',
      '92000 crash node=2',
      '93000 fault_start drop',
      '94000 network: {"frames":1}',
      '(fuzz) a note without a cycle',
    ].join('\n');
    const ev = parseEventLog(text, 'e.log', 250);
    expect(ev.map((e) => e.kind)).toEqual([
      'role', 'campaign', 'campaign', 'election', 'crash', 'crash', 'fault', 'plane', 'plane', 'crash', 'fault', 'other',
    ]);
    expect(ev[3]).toEqual({ cycle: 28090, timeNs: 112360, kind: 'election', text: 'n1: leader term=1', line: 5 });
    expect(() => parseEventLog('# nothing\n', 'none.log')).toThrow(/none\.log: no events found/);
  });
});
