  // ---- Call profile ----
  const S = D.strings;
  const listed = D.listed;
  const num = (list) => Float64Array.from(list, (v) => (v === null ? NaN : v));
  const fnFile = Int32Array.from(D.file);
  const fnLine = Float64Array.from(D.line);
  const fnName = Int32Array.from(D.name);
  const cc = num(D.cc);
  const nc = num(D.nc);
  const tt = D.tt;
  const ct = D.ct;
  const total = D.total;
  let stripDirs = false;
  // A diff (docs/html.md, "The diff page"): the figures above are the new side's; the base
  // side's, each function's change and the noise test's verdict come beside them.
  const DIFF = D.kind === 'diff';
  const bcc = DIFF ? num(D.bcc) : null;
  const bnc = DIFF ? num(D.bnc) : null;
  const btt = DIFF ? D.btt : null;
  const bct = DIFF ? D.bct : null;
  const dtt = DIFF ? tt.map((t, i) => t - btt[i]) : null;
  const dct = DIFF ? ct.map((t, i) => t - bct[i]) : null;
  const signed = (x, digits) => {
    const s = fixed(x, digits);
    return s.startsWith('-') || s === 'nan' ? s : '+' + s;
  };
  // '%+.1f%%' of the change in percent of the base's own time; nothing when that is zero.
  const deltaPct = (id) => (btt[id] === 0 ? '' : signed((100 * dtt[id]) / btt[id], 1) + '%');
  const CHANGES = ['', 'moved', 'added', 'removed'];
  // The colour of a change: slower red, faster blue, noise grey (the noise test said so).
  function changeClass(id) {
    if (id >= listed) return 'same';
    if (D.verdict[id] === 1) return 'noise';
    return dtt[id] > 0 ? 'slower' : dtt[id] < 0 ? 'faster' : 'same';
  }
  function changeText(id) {
    if (id >= listed) return '';
    const c = D.change[id];
    const words = c === 1 ? 'moved from line ' + D.bline[id] : CHANGES[c];
    return D.verdict[id] === 1 ? (words ? words + ', noise' : 'noise') : words;
  }
  // `pstat diff`'s ncalls column: base->new, one number when equal.
  function callsChange(b, n, change) {
    const number = (x) => (Number.isInteger(x) ? String(x) : fixed(x, 1));
    if (change === 2) return '-> ' + number(n);
    if (change === 3) return number(b) + ' ->';
    return b === n ? number(n) : number(b) + '->' + number(n);
  }

  function basename(path) {
    const i = path.lastIndexOf('/');
    return i < 0 ? path : path.slice(i + 1);
  }
  // pstats' func_std_string: file:line(name), or {name} for builtins.
  function stdName(id, strip) {
    const file = S[fnFile[id]];
    const name = S[fnName[id]];
    if (file === '~' && fnLine[id] === 0) {
      return name.startsWith('<') && name.endsWith('>') && name.length > 1
        ? '{' + name.slice(1, -1) + '}'
        : name;
    }
    return (strip ? basename(file) : file) + ':' + fnLine[id] + '(' + name + ')';
  }
  // Function first, for the icicle and titles.
  function shortName(id) {
    if (id < 0) return '[other callers]';
    const file = S[fnFile[id]];
    if (file === '~' && fnLine[id] === 0) return stdName(id, false);
    return S[fnName[id]] + ' (' + (stripDirs ? basename(file) : file) + ':' + fnLine[id] + ')';
  }
  const ncalls = (n, c) => (n === c ? String(n) : n + '/' + c);

  // Edges: grouped by callee in the data; an index by caller is built here.
  const edgeStart = new Int32Array(listed + 1);
  D.ncallers.forEach((n, i) => (edgeStart[i + 1] = edgeStart[i] + n));
  const edgeCallee = new Int32Array(D.ecaller.length);
  for (let f = 0; f < listed; f++) edgeCallee.fill(f, edgeStart[f], edgeStart[f + 1]);
  const fnCount = fnFile.length;
  const outStart = new Int32Array(fnCount + 1);
  for (const caller of D.ecaller) outStart[caller + 1]++;
  for (let i = 0; i < fnCount; i++) outStart[i + 1] += outStart[i];
  const outEdges = new Int32Array(D.ecaller.length);
  {
    const at = outStart.slice(0, fnCount);
    D.ecaller.forEach((caller, e) => (outEdges[at[caller]++] = e));
  }

  // ---- Sorting as pstats sorts: stable on file order, numbers descending ----
  const SORTS = {
    calls: { label: 'call count', keys: [[nc, -1]] },
    cumulative: { label: 'cumulative time', keys: [[ct, -1]] },
    filename: { label: 'file name', keys: [[fnFile, 1]] },
    line: { label: 'line number', keys: [[fnLine, 1]] },
    name: { label: 'function name', keys: [[fnName, 1]] },
    nfl: { label: 'name/file/line', keys: [[fnName, 1], [fnFile, 1], [fnLine, 1]] },
    pcalls: { label: 'primitive call count', keys: [[cc, -1]] },
    stdname: { label: 'standard name', keys: 'stdname' },
    time: { label: 'internal time', keys: [[tt, -1]] },
    percall: { label: 'tottime per call', keys: 'percall' },
    cpercall: { label: 'cumtime per call', keys: 'cpercall' },
  };
  function ratio(a, b) {
    const out = new Float64Array(listed);
    for (let i = 0; i < listed; i++) out[i] = b[i] === 0 ? -Infinity : a[i] / b[i];
    return out;
  }
  // Each printed name's place in Python's order, computed on first use.
  let stdRank = null;
  function stdNameRank() {
    if (stdRank) return stdRank;
    stdRank = new Float64Array(listed);
    if (D.stdorder) {
      // Written by pstat (docs/html.md, "Data layout") unless names made that unsafe.
      D.stdorder.forEach((id, place) => (stdRank[id] = place));
      return stdRank;
    }
    const names = [];
    for (let i = 0; i < listed; i++) names.push(stdName(i, false));
    if (!names.some((s) => /[\0\ud800-\udfff]/.test(s))) {
      // Without surrogates UTF-16 order is code point order, and without NUL a name followed
      // by NUL and its id sorts as the name, ties by id: the engine's own sort, with no
      // comparator to call, does the work.
      const keyed = names.map((s, id) => s + '\0' + String(id).padStart(10, '0'));
      keyed.sort();
      keyed.forEach((k, place) => (stdRank[Number(k.slice(-10))] = place));
      return stdRank;
    }
    const order = Array.from(names.keys()).sort((a, b) => compareText(names[a], names[b]) || a - b);
    order.forEach((id, place) => (stdRank[id] = place));
    return stdRank;
  }
  if (DIFF) {
    // `pstat diff --sort` words first (largest first, ties by file, line and name: the rows'
    // order), then pstats' keys over the new side's figures.
    const ratioKey = tt.map((t, i) => (btt[i] !== 0 ? t / btt[i] : t > 0 ? Infinity : 1));
    const diffSorts = {
      delta: { label: '|Δ tottime|', keys: [[dtt.map(Math.abs), -1]] },
      ratio: { label: 'new/base tottime', keys: [[ratioKey, -1]] },
      base: { label: 'base tottime', keys: [[btt, -1]] },
      new: { label: 'new tottime', keys: [[tt, -1]] },
      dcumulative: { label: '|Δ cumtime|', keys: [[dct.map(Math.abs), -1]] },
      bcumulative: { label: 'base cumtime', keys: [[bct, -1]] },
    };
    for (const key of Object.keys(SORTS)) diffSorts[key] = SORTS[key];
    for (const key of Object.keys(SORTS)) delete SORTS[key];
    Object.assign(SORTS, diffSorts);
  }
  function columns(sort) {
    if (sort.keys === 'percall') sort.keys = [[ratio(tt, nc), -1]];
    if (sort.keys === 'cpercall') sort.keys = [[ratio(ct, cc), -1]];
    if (sort.keys === 'stdname') return [[stdNameRank(), 1]];
    return sort.keys;
  }
  // A stable LSD radix sort of `order` by one column: four passes of 16 bits over each
  // value's IEEE bits made to sort as unsigned integers. -0 sorts as 0 and NaN above every
  // number, as pstat sorts them; descending flips every bit.
  const hi = new Uint32Array(listed);
  const lo = new Uint32Array(listed);
  const counts = new Uint32Array(65537);
  function radixPass(order, column, direction) {
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < listed; i++) {
      const v = column[i];
      f[0] = v === 0 ? 0 : Number.isNaN(v) ? NaN : v;
      let h = u[1];
      let l = u[0];
      if (h & 0x80000000) {
        h = ~h;
        l = ~l;
      } else h |= 0x80000000;
      if (direction < 0) {
        h = ~h;
        l = ~l;
      }
      hi[i] = h >>> 0;
      lo[i] = l >>> 0;
    }
    let from = order;
    let to = new Uint32Array(listed);
    for (const [word, shift] of [[lo, 0], [lo, 16], [hi, 0], [hi, 16]]) {
      counts.fill(0);
      for (let k = 0; k < listed; k++) counts[((word[from[k]] >>> shift) & 0xffff) + 1]++;
      for (let d = 0; d < 65536; d++) counts[d + 1] += counts[d];
      for (let k = 0; k < listed; k++) to[counts[(word[from[k]] >>> shift) & 0xffff]++] = from[k];
      [from, to] = [to, from];
    }
    return from;
  }
  // Stable: the least significant key first, each pass keeping the order of equal values;
  // the start is file order, so ties end in file order, as pstats' stable sort leaves them.
  function sorted(key, reverse) {
    let order = new Uint32Array(listed);
    for (let i = 0; i < listed; i++) order[i] = i;
    const keys = columns(SORTS[key]);
    for (let k = keys.length - 1; k >= 0; k--) order = radixPass(order, keys[k][0], keys[k][1]);
    if (reverse) order.reverse();
    return order;
  }

  loadTimes.columns_ms = performance.now() - loadTimes.script_start_ms - loadTimes.parse_ms;

