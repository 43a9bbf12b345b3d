// pstat's HTML report (docs/html.md). Plain JavaScript, no dependencies. The data is read
// from the JSON block with JSON.parse; every name reaches the page as a text node
// (textContent, createTextNode), never as markup.
'use strict';
(function () {
  const errors = [];
  window.addEventListener('error', (e) => errors.push(String(e.message)));
  const consoleError = console.error;
  console.error = function (...args) {
    errors.push(args.map(String).join(' '));
    consoleError.apply(console, args);
  };

  // Where the first render's time goes, for the self-test: from navigation start to the
  // script, the parse of the data, the columns built from it, the first table.
  const loadTimes = { script_start_ms: performance.now() };
  const D = JSON.parse(document.getElementById('data').textContent);
  loadTimes.parse_ms = performance.now() - loadTimes.script_start_ms;
  const app = document.createElement('div');
  document.body.appendChild(app);

  // ---- DOM helpers: text only ----
  function el(tag, className, ...children) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }
  // A link inside the page: the fragment is built from numbers and fixed words only.
  function link(fragment, text) {
    const a = el('a', null, text);
    a.href = '#' + fragment;
    return a;
  }
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // ---- Python's number formats ----
  // '%.Nf': JavaScript's toFixed rounds an exact tie up, Python to even.
  function fixed(x, digits) {
    if (x === null || Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    const sign = x < 0 || Object.is(x, -0) ? '-' : '';
    const a = Math.abs(x);
    let s = a.toFixed(digits);
    if (a < 1e21) {
      const longer = a.toFixed(digits + 25);
      const cut = longer.length - 25;
      if (/^50*$/.test(longer.slice(cut))) {
        const down = longer.slice(0, cut);
        const last = down.charCodeAt(down.length - 1) - 48;
        if (last % 2 === 0) s = down.endsWith('.') ? down.slice(0, -1) : down;
      }
    }
    return sign + s;
  }
  const f8 = (x) => fixed(x, 3).padStart(8);
  const pct = (x) => fixed(x, 1) + '%';
  function seconds(x) {
    return D.measure === 'counts' ? fixed(x, 0) + ' samples' : fixed(x, 3) + ' s';
  }

  // ---- Strings compared as Python compares them (by code point) ----
  function compareText(a, b) {
    if (a === b) return 0;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x !== y) {
        // UTF-16 puts U+E000..U+FFFF above the surrogates that encode U+10000 and up.
        if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
        return x - y;
      }
    }
    return a.length - b.length;
  }

  const testing = location.hash.startsWith('#selftest');
  const params = new URLSearchParams(location.hash.slice(1).replace(/^selftest&?/, ''));
  // The self-test's results, in a <pre> that `chromium --dump-dom` prints.
  function finish(results) {
    results = results || {};
    results.errors = errors;
    results.network = performance.getEntriesByType('resource').map((e) => e.name);
    results.elements = {
      script: document.getElementsByTagName('script').length,
      img: document.getElementsByTagName('img').length,
      iframe: document.getElementsByTagName('iframe').length,
    };
    results.pwned = window.pwned === undefined ? null : String(window.pwned);
    // The policy is in force: the style sheet (allowed by its hash) applies, and a script added
    // now (allowed by nothing) does not run.
    results.styled = getComputedStyle(document.body).margin === '0px';
    const probe = document.createElement('script');
    probe.textContent = 'window.policyBroken = true;';
    document.body.appendChild(probe);
    results.inline_script_ran = window.policyBroken === true;
    probe.remove();
    const pre = el('pre', null, JSON.stringify(results));
    pre.id = 'selftest';
    document.body.appendChild(pre);
  }

  if (D.kind === 'lines') {
    let shown;
    try {
      shown = linesReport();
    } catch (e) {
      errors.push(String(e && e.stack ? e.stack : e));
    }
    if (testing) finish({ title: document.title, lines: shown });
    return;
  }

  // ---- Call profile ----
  const S = D.strings;
  const listed = D.listed;
  const num = (list) => Float64Array.from(list, (v) => (v === null ? NaN : v));
  const fnFile = Int32Array.from(D.file);
  const fnLine = Float64Array.from(D.line);
  const fnName = Int32Array.from(D.name);
  const cc = num(D.cc);
  const nc = num(D.nc);
  const tt = num(D.tt);
  const ct = num(D.ct);
  const total = D.total;
  let stripDirs = false;
  // A diff (docs/html.md, "The diff page"): the figures above are the new side's; the base
  // side's, each function's change and the noise test's verdict come beside them.
  const DIFF = D.kind === 'diff';
  const bcc = DIFF ? num(D.bcc) : null;
  const bnc = DIFF ? num(D.bnc) : null;
  const btt = DIFF ? num(D.btt) : null;
  const bct = DIFF ? num(D.bct) : null;
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
    const names = [];
    for (let i = 0; i < listed; i++) names.push(stdName(i, false));
    stdRank = new Float64Array(listed);
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

  // ---- Layout ----
  const header = el('header', null, el('h1', null, D.title));
  const nav = el('nav');
  const views = [['summary', 'Summary'], ['table', 'Functions'], ['icicle', 'Icicle']];
  for (const [id, text] of views) nav.appendChild(link(id, text));
  header.appendChild(nav);
  const main = el('main');
  const tooltip = el('div');
  tooltip.id = 'tooltip';
  app.append(header, main, tooltip);

  function render() {
    const hash = decodeURIComponent(location.hash.slice(1));
    const view = hash.split(/[=&]/)[0] || 'summary';
    for (const a of nav.children) a.className = a.hash === '#' + view ? 'current' : '';
    clear(main);
    if (view.startsWith('fn')) functionPage(parseInt(hash.slice(3), 10));
    else if (view === 'table') table.show();
    else if (view === 'icicle') icicle.show();
    else summary();
  }
  function go(fragment) {
    history.pushState(null, '', '#' + fragment);
    render();
  }
  window.addEventListener('popstate', render);
  window.addEventListener('hashchange', render);

  // ---- Summary ----
  function summary() {
    if (DIFF) {
      diffSummary();
      return;
    }
    const files = el('ul');
    for (const [path, mtime] of D.inputs) {
      const when = mtime === null ? '' : '  ' + new Date(mtime * 1000).toString();
      files.appendChild(el('li', null, el('span', 'mono', path), when));
    }
    const kind =
      D.measure === 'calls'
        ? D.timed || D.ecaller.length === 0
          ? 'cProfile (calls and seconds)'
          : 'profile (calls and seconds; call counts per edge)'
        : D.measure === 'samples'
          ? 'sampled (samples, with times)'
          : 'sampled (sample counts, no times)';
    const counted =
      D.measure === 'calls'
        ? D.calls + ' function calls' + (D.calls !== D.pcalls ? ' (' + D.pcalls + ' primitive calls)' : '')
        : D.calls + ' samples on the stack';
    main.append(
      el('h2', null, 'Files'),
      files,
      el('p', null, 'Profiler: ' + kind),
      el('p', null, counted + ' in ' + seconds(total)),
    );
    const cards = el('div', 'cards');
    for (const [key, title] of [['time', 'Top functions by tottime'], ['cumulative', 'Top functions by cumtime']]) {
      const order = sorted(key, false).slice(0, 15);
      const body = el('tbody');
      for (const id of order) {
        const value = key === 'time' ? tt[id] : ct[id];
        body.appendChild(
          el('tr', null, el('td', 'num', f8(value)), el('td', 'num', pct((100 * value) / total)),
            el('td', null, link('fn=' + id, stdName(id, stripDirs)))),
        );
      }
      const head = el('tr', null, el('th', 'num', key === 'time' ? 'tottime' : 'cumtime'), el('th', 'num', '%'), el('th', null, 'function'));
      cards.appendChild(el('section', null, el('h2', null, title), el('table', null, el('thead', null, head), body)));
    }
    main.appendChild(cards);
  }

  // ---- A diff's summary: both sides' files and totals, and the largest changes ----
  function diffSummary() {
    const side = (label, s) => {
      const files = el('ul');
      for (const path of s.files) files.appendChild(el('li', null, el('span', 'mono', path)));
      return [el('h2', null, label + (s.runs > 1 ? ' (' + s.runs + ' runs, their means)' : '')), files];
    };
    main.append(...side('Base', D.base), ...side('New', D.new));
    const calls = (s) => (Number.isInteger(s.calls) ? String(s.calls) : fixed(s.calls, 1));
    const change = D.new.total - D.base.total;
    const percent = D.base.total === 0 ? '' : ' (' + signed((100 * change) / D.base.total, 1) + '%)';
    const verdict = D.total_verdict === 0
      ? 'No noise estimate: one run on a side.'
      : D.total_verdict === 1
        ? 'Within the noise (p = ' + fixed(D.total_p, 3) + ').'
        : 'A real change (p = ' + fixed(D.total_p, 3) + ').';
    const row = (...cells) => el('tr', null, ...cells.map((c, i) => el('td', i ? 'num' : null, c)));
    const totals = el('table', 'figures',
      el('thead', null, el('tr', null, el('th'), el('th', 'num', 'base'), el('th', 'num', 'new'), el('th', 'num', 'change'))),
      el('tbody', null,
        row(D.measure === 'calls' ? 'function calls' : 'samples', calls(D.base), calls(D.new), signed(D.new.calls - D.base.calls, 0)),
        row(D.measure === 'counts' ? 'samples' : 'seconds', fixed(D.base.total, 3), fixed(D.new.total, 3), signed(change, 3) + percent)));
    totals.id = 'totals';
    main.append(el('h2', null, 'Totals'), totals, el('p', null, verdict));
    const cards = el('div', 'cards');
    for (const [title, sign] of [['Slower: largest growth of tottime', 1], ['Faster: largest drop of tottime', -1]]) {
      const order = sorted('delta', false).filter((id) => sign * dtt[id] > 0).slice(0, 15);
      const body = el('tbody');
      for (const id of order) {
        body.appendChild(el('tr', changeClass(id), el('td', 'num', signed(dtt[id], 3)), el('td', 'num', deltaPct(id)),
          el('td', null, link('fn=' + id, stdName(id, stripDirs)))));
      }
      const head = el('tr', null, el('th', 'num', 'Δ tottime'), el('th', 'num', 'Δ %'), el('th', null, 'function'));
      cards.appendChild(el('section', null, el('h2', null, title), el('table', null, el('thead', null, head), body)));
    }
    main.appendChild(cards);
  }

  // ---- Function table: only the visible rows are in the DOM ----
  const ROW = 20;
  const COLUMNS = DIFF
    ? [
      ['base tottime', 'base'], ['new tottime', 'new'], ['Δ tottime', 'delta'], ['Δ %', 'ratio'],
      ['base cumtime', 'bcumulative'], ['new cumtime', 'cumulative'], ['Δ cumtime', 'dcumulative'],
      ['ncalls', 'calls'], ['change', null], ['filename:lineno(function)', 'stdname'],
    ]
    : [
      ['ncalls', 'calls'], ['tottime', 'time'], ['percall', 'percall'], ['cumtime', 'cumulative'],
      ['percall', 'cpercall'], ['% tot', 'time'], ['% cum', 'cumulative'],
      ['filename:lineno(function)', 'stdname'],
    ];
  const NAME = COLUMNS.length - 1;
  function cells(id) {
    if (DIFF) {
      return [
        f8(btt[id]), f8(tt[id]), signed(dtt[id], 3), deltaPct(id), f8(bct[id]), f8(ct[id]),
        signed(dct[id], 3), callsChange(bnc[id], nc[id], D.change[id]), changeText(id), stdName(id, stripDirs),
      ];
    }
    const c = cc[id];
    const n = nc[id];
    return [
      ncalls(n, c), f8(tt[id]), n === 0 ? '' : f8(tt[id] / n), f8(ct[id]), c === 0 ? '' : f8(ct[id] / c),
      pct((100 * tt[id]) / total), pct((100 * ct[id]) / total), stdName(id, stripDirs),
    ];
  }
  const table = {
    key: DIFF ? 'delta' : 'cumulative',
    reverse: false,
    filter: '',
    regex: false,
    order: null,
    rows: null,
    viewport: null,
    pool: [],
    setSort(key, reverse) {
      this.key = key;
      this.reverse = !!reverse;
      this.order = sorted(key, this.reverse);
      this.apply();
    },
    setFilter(text, regex) {
      this.filter = text;
      this.regex = regex;
      this.apply();
    },
    apply() {
      if (!this.order) this.order = sorted(this.key, this.reverse);
      let test = null;
      if (this.filter) {
        if (this.regex) {
          let re;
          try {
            re = new RegExp(this.filter);
          } catch (e) {
            re = null;
          }
          test = re ? (s) => re.test(s) : () => false;
        } else test = (s) => s.includes(this.filter);
      }
      this.rows = test ? this.order.filter((id) => test(stdName(id, stripDirs))) : this.order;
      if (this.viewport) {
        this.spacer.style.height = this.rows.length * ROW + 'px';
        this.count.textContent = this.rows.length + ' of ' + listed + ' functions, ordered by ' +
          SORTS[this.key].label + (this.reverse ? ' (reversed)' : '');
        this.head.forEach((s, i) => (s.className = COLUMNS[i][1] === this.key ? 'num sorted' : 'num'));
        this.draw();
      }
    },
    show() {
      const controls = el('div', 'controls');
      const search = el('input');
      search.type = 'text';
      search.placeholder = 'filter by name';
      search.value = this.filter;
      const regex = el('input');
      regex.type = 'checkbox';
      regex.checked = this.regex;
      const strip = el('input');
      strip.type = 'checkbox';
      strip.checked = stripDirs;
      const select = el('select');
      for (const key of Object.keys(SORTS)) {
        const option = el('option', null, key + ' (' + SORTS[key].label + ')');
        option.value = key;
        select.appendChild(option);
      }
      select.value = this.key;
      const reverse = el('input');
      reverse.type = 'checkbox';
      reverse.checked = this.reverse;
      let timer = 0;
      const update = () => this.setFilter(search.value, regex.checked);
      search.addEventListener('input', () => {
        clearTimeout(timer);
        timer = setTimeout(update, 150);
      });
      regex.addEventListener('change', update);
      strip.addEventListener('change', () => {
        stripDirs = strip.checked;
        this.apply();
      });
      select.addEventListener('change', () => this.setSort(select.value, reverse.checked));
      reverse.addEventListener('change', () => this.setSort(select.value, reverse.checked));
      this.count = el('span', 'muted');
      controls.append(search, el('label', null, regex, ' regex'), el('label', null, strip, ' strip dirs'),
        el('label', null, 'sort ', select), el('label', null, reverse, ' reverse'), this.count);
      const head = el('div', DIFF ? 'grid diff thead' : 'grid thead');
      this.head = COLUMNS.map(([title, key], i) => {
        const s = el('span', i === NAME ? null : 'num', title);
        if (key) s.addEventListener('click', () => {
          const same = this.key === key;
          select.value = key;
          reverse.checked = same && !this.reverse;
          this.setSort(key, reverse.checked);
        });
        head.appendChild(s);
        return s;
      });
      this.viewport = el('div', 'viewport');
      this.spacer = el('div', 'spacer');
      this.viewport.appendChild(this.spacer);
      this.viewport.addEventListener('scroll', () => this.draw());
      this.pool = [];
      main.append(controls, head, this.viewport);
      this.apply();
    },
    draw() {
      const first = Math.floor(this.viewport.scrollTop / ROW);
      const visible = Math.ceil((this.viewport.clientHeight || 600) / ROW) + 1;
      const last = Math.min(this.rows.length, first + visible);
      while (this.pool.length < last - first) {
        const row = el('div', 'grid row');
        for (let i = 0; i < NAME; i++) row.appendChild(el('span', 'num'));
        row.appendChild(el('span', null, el('a')));
        this.spacer.appendChild(row);
        this.pool.push(row);
      }
      this.pool.forEach((row, k) => {
        const index = first + k;
        if (index >= last) {
          row.style.display = 'none';
          return;
        }
        const id = this.rows[index];
        row.style.display = '';
        row.style.top = index * ROW + 'px';
        const values = cells(id);
        if (DIFF) {
          row.className = 'grid diff row ' + changeClass(id);
          row.children[NAME - 1].className = 'change ' + CHANGES[D.change[id]];
        }
        for (let i = 0; i < NAME; i++) row.children[i].textContent = values[i];
        const a = row.children[NAME].firstChild;
        a.textContent = values[NAME];
        a.href = '#fn=' + id;
      });
    },
    // What a person sees: the rendered rows, top to bottom (with `classes`, each row's classes).
    visible(classes) {
      return this.pool
        .filter((row) => row.style.display !== 'none')
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((row) => (classes ? row.className : Array.from(row.children, (c) => c.textContent)));
    },
  };

  // ---- Function page: figures, and a butterfly of callers above and callees below ----
  const EDGE_TITLES = DIFF
    ? ['ncalls', 'base tottime', 'new tottime', 'base cumtime', 'new cumtime', 'Δ cumtime']
    : ['ncalls', 'tottime', 'cumtime'];
  function edgeCells(e) {
    if (DIFF) {
      // An edge on one side only is added or removed.
      const calls = callsChange(D.benc[e], D.enc[e], D.benc[e] === 0 ? 2 : D.enc[e] === 0 ? 3 : 0);
      if (!D.timed) return [calls, '', '', '', '', ''];
      const [bt, t, bc, c] = [D.bett[e], D.ett[e], D.bect[e], D.ect[e]].map((x) => (x === null ? NaN : x));
      return [calls, f8(bt), f8(t), f8(bc), f8(c), signed(c - bc, 3)];
    }
    const n = D.enc[e];
    if (!D.timed) return [String(n), '', ''];
    return [ncalls(n, D.ecc[e]), f8(D.ett[e] === null ? NaN : D.ett[e]), f8(D.ect[e] === null ? NaN : D.ect[e])];
  }
  // Python's order of the key tuples (file, line, name): the string table is sorted.
  const byKey = (a, b) => fnFile[a] - fnFile[b] || fnLine[a] - fnLine[b] || fnName[a] - fnName[b];
  function functionPage(id) {
    if (!(id >= 0 && id < fnCount)) {
      main.appendChild(el('p', null, 'No such function.'));
      return;
    }
    main.appendChild(el('h2', 'mono', stdName(id, stripDirs)));
    if (id < listed) {
      const values = cells(id);
      const head = el('tr');
      const row = el('tr');
      COLUMNS.slice(0, DIFF ? NAME : 7).forEach(([title], i) => {
        head.appendChild(el('th', 'num', title));
        row.appendChild(el('td', 'num', values[i]));
      });
      main.appendChild(el('table', 'figures', el('thead', null, head), el('tbody', null, row)));
    } else {
      main.appendChild(el('p', 'muted', 'Named only as a caller: the profile lists no figures of its own.'));
    }
    const body = el('tbody');
    const width = EDGE_TITLES.length;
    const section = (text) => body.appendChild(el('tr', 'section', el('td', null, text), ...EDGE_TITLES.map(() => el('td'))));
    const edgeRow = (e, other, cls) => {
      const tr = el('tr', cls);
      for (const cell of edgeCells(e)) tr.appendChild(el('td', 'num', cell));
      tr.appendChild(el('td', null, link('fn=' + other, stdName(other, stripDirs))));
      body.appendChild(tr);
    };
    const callers = [];
    for (let e = id < listed ? edgeStart[id] : 0; id < listed && e < edgeStart[id + 1]; e++) callers.push(e);
    callers.sort((a, b) => byKey(D.ecaller[a], D.ecaller[b]));
    section('called by (' + callers.length + ')');
    for (const e of callers) edgeRow(e, D.ecaller[e], 'caller');
    let self = Array(width).fill('');
    if (id < listed) {
      const c = cells(id);
      self = DIFF ? [c[7], c[0], c[1], c[4], c[5], c[6]] : [c[0], c[1], c[3]];
    }
    const selfRow = el('tr', 'self');
    for (const cell of self) selfRow.appendChild(el('td', 'num', cell));
    selfRow.appendChild(el('td', null, stdName(id, stripDirs)));
    body.appendChild(selfRow);
    const callees = Array.from(outEdges.subarray(outStart[id], outStart[id + 1]));
    callees.sort((a, b) => byKey(edgeCallee[a], edgeCallee[b]));
    section('calls (' + callees.length + ')');
    for (const e of callees) edgeRow(e, edgeCallee[e], 'callee');
    const head = el('tr', null, ...EDGE_TITLES.map((t) => el('th', 'num', t)), el('th', null, 'function'));
    main.append(el('h3', null, 'Callers and callees (each call edge\'s own figures' + (DIFF ? ', on both sides)' : ')')),
      el('table', 'butterfly', el('thead', null, head), body));
  }

  // ---- Icicle on a canvas ----
  const icicle = (function () {
    const st = D.stacks;
    const n = st.parent.length;
    const parent = Int32Array.from(st.parent);
    const fn = Int32Array.from(st.fn);
    const weight = num(st.self);
    // A diff's frames are coloured by the change of their own time, scaled to the largest
    // change, as inferno's differential flame graph colours them (red more, blue less).
    const delta = DIFF ? weight.map((w, i) => w - (st.base[i] === null ? NaN : st.base[i])) : null;
    const maxDelta = DIFF ? delta.reduce((m, d) => (Math.abs(d) > m ? Math.abs(d) : m), 0) : 0;
    function changeColour(i) {
      const d = delta[i];
      if (!(d !== 0 && maxDelta > 0)) return 'rgb(250,250,250)';
      const c = Math.round(100 + (150 * (maxDelta - Math.abs(d))) / maxDelta);
      return d > 0 ? 'rgb(255,' + c + ',' + c + ')' : 'rgb(' + c + ',' + c + ',255)';
    }
    const sum = Float64Array.from(weight);
    const depth = new Int32Array(n);
    const x = new Float64Array(n);
    for (let i = n - 1; i >= 0; i--) if (parent[i] >= 0) sum[parent[i]] += sum[i];
    const cursor = new Float64Array(n);
    let rootCursor = 0;
    let maxDepth = 0;
    for (let i = 0; i < n; i++) {
      const p = parent[i];
      if (p >= 0) {
        depth[i] = depth[p] + 1;
        x[i] = cursor[p];
        cursor[p] += sum[i];
      } else {
        x[i] = rootCursor;
        rootCursor += sum[i];
      }
      cursor[i] = x[i];
      if (depth[i] > maxDepth) maxDepth = depth[i];
    }
    const whole = rootCursor;
    const H = 18;
    let zoom = -1;
    let search = '';
    let canvas = null;
    let boxes = [];
    const hue = (id) => {
      let h = 0;
      const s = id < 0 ? '' : S[fnName[id]];
      for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
      return h;
    };
    function draw() {
      const width = canvas.clientWidth || 1000;
      const ratio = window.devicePixelRatio || 1;
      canvas.width = width * ratio;
      canvas.height = (maxDepth + 1) * H * ratio;
      canvas.style.height = (maxDepth + 1) * H + 'px';
      const g = canvas.getContext('2d');
      g.scale(ratio, ratio);
      g.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
      const charWidth = g.measureText('m').width || 7;
      const x0 = zoom < 0 ? 0 : x[zoom];
      const span = zoom < 0 ? whole : sum[zoom];
      const scale = span > 0 ? width / span : 0;
      const zoomDepth = zoom < 0 ? 0 : depth[zoom];
      const ancestors = new Set();
      for (let a = zoom; a >= 0; a = parent[a]) ancestors.add(a);
      const needle = search.toLowerCase();
      boxes = [];
      for (let i = 0; i < n; i++) {
        let left;
        let w;
        if (ancestors.has(i) && depth[i] <= zoomDepth) {
          left = 0;
          w = width;
        } else {
          if (x[i] + sum[i] <= x0 || x[i] >= x0 + span || depth[i] < zoomDepth) continue;
          left = (x[i] - x0) * scale;
          w = sum[i] * scale;
        }
        if (w < 0.5) continue;
        const label = shortName(fn[i]);
        const matched = needle && label.toLowerCase().includes(needle);
        const h = hue(fn[i]);
        g.fillStyle = matched
          ? 'rgb(200,60,220)'
          : DIFF
            ? changeColour(i)
            : 'rgb(' + (205 + (h & 31)) + ',' + (80 + ((h >> 5) & 127)) + ',' + (40 + ((h >> 12) & 31)) + ')';
        const top = depth[i] * H;
        g.fillRect(left, top, Math.max(w - 0.5, 0.5), H - 1);
        boxes.push(i);
        const fits = Math.floor((w - 6) / charWidth);
        if (fits >= 3) {
          g.fillStyle = '#000';
          const text = label.length <= fits ? label : label.slice(0, fits - 2) + '..';
          g.fillText(text, left + 3, top + H - 5);
        }
      }
      drawn = boxes.length;
    }
    let drawn = 0;
    function at(px, py) {
      const width = canvas.clientWidth || 1000;
      const d = Math.floor(py / H);
      const x0 = zoom < 0 ? 0 : x[zoom];
      const span = zoom < 0 ? whole : sum[zoom];
      const zoomDepth = zoom < 0 ? 0 : depth[zoom];
      for (const i of boxes) {
        if (depth[i] !== d) continue;
        if (d <= zoomDepth && zoom >= 0) {
          let a = zoom;
          while (a >= 0 && depth[a] > d) a = parent[a];
          return a;
        }
        const left = ((x[i] - x0) * width) / span;
        const right = ((x[i] + sum[i] - x0) * width) / span;
        if (px >= left && px < right) return i;
      }
      return -1;
    }
    function show() {
      let note = st.exact
        ? 'Exact stacks, as sampled.'
        : 'Stacks estimated from call edges (a function\'s own time shared among its callers in proportion to their calls; see docs/stacks.md in pstat).';
      if (DIFF) note += ' Widths are the new side\'s; each frame is coloured by the change of its own time: red more, blue less.';
      const input = el('input');
      input.type = 'text';
      input.placeholder = 'search';
      input.value = search;
      input.addEventListener('input', () => {
        search = input.value;
        draw();
      });
      const reset = el('button', null, 'Reset zoom');
      reset.addEventListener('click', () => {
        zoom = -1;
        draw();
      });
      canvas = el('canvas');
      canvas.addEventListener('click', (e) => {
        const r = canvas.getBoundingClientRect();
        const i = at(e.clientX - r.left, e.clientY - r.top);
        zoom = i === zoom ? parent[i] : i;
        draw();
      });
      canvas.addEventListener('mousemove', (e) => {
        const r = canvas.getBoundingClientRect();
        const i = at(e.clientX - r.left, e.clientY - r.top);
        if (i < 0) {
          tooltip.style.display = 'none';
          return;
        }
        tooltip.textContent = (fn[i] < 0 ? '[other callers]' : stdName(fn[i], stripDirs)) + '\n' +
          seconds(sum[i]) + ' (' + pct((100 * sum[i]) / whole) + '), own ' + seconds(weight[i]) +
          (DIFF ? '\nown on the base side ' + seconds(weight[i] - delta[i]) + ', change ' + signed(delta[i], 3) : '');
        tooltip.style.display = 'block';
        tooltip.style.left = e.clientX + 12 + 'px';
        tooltip.style.top = e.clientY + 12 + 'px';
      });
      canvas.addEventListener('mouseleave', () => (tooltip.style.display = 'none'));
      const label = el('span', 'note', note);
      label.id = 'stacks-note';
      main.append(el('div', 'controls', input, reset, label), canvas);
      draw();
    }
    return {
      show,
      facts() {
        const r = { frames: n, drawn, depth: maxDepth + 1, total: whole, note: document.getElementById('stacks-note').textContent };
        if (DIFF) {
          // The frame whose own time grew most, and its colour.
          let most = 0;
          for (let i = 1; i < n; i++) if (delta[i] > delta[most]) most = i;
          if (n > 0) r.most_slower = { name: shortName(fn[most]), delta: delta[most], colour: changeColour(most) };
        }
        return r;
      },
      zoomTo(i) {
        zoom = i;
        draw();
      },
    };
  })();

  // ---- Self-test (#selftest&filter=TEXT): what a person would see, as JSON ----
  function selftest(params) {
    const r = { title: document.title, sorts: {} };
    const tableStart = performance.now();
    go('table');
    r.first_render_ms = performance.now();
    loadTimes.table_ms = r.first_render_ms - tableStart;
    r.timing = loadTimes;
    if (DIFF) r.diff = { rows: table.visible(), classes: table.visible(true) };
    for (const key of Object.keys(SORTS)) {
      const start = performance.now();
      table.setSort(key, false);
      r.sorts[key] = { ms: performance.now() - start, rows: table.visible() };
    }
    // Sorting again, once each key's columns exist (the first stdname sort builds the names).
    r.resort_ms = {};
    for (const key of ['stdname', 'time', 'nfl']) {
      const start = performance.now();
      table.setSort(key, false);
      r.resort_ms[key] = performance.now() - start;
    }
    table.setSort('time', true);
    r.reversed = table.visible();
    table.setSort('time', false);
    if (params.get('filter') !== null) {
      table.setFilter(params.get('filter'), params.get('regex') === '1');
      r.filtered = { count: table.rows.length, rows: table.visible(), classes: table.visible(true) };
      table.setFilter('', false);
    }
    const id = params.has('fn') ? Number(params.get('fn')) : sorted(params.get('open') || (DIFF ? 'delta' : 'time'), false)[0];
    go('fn=' + id);
    r.function = {
      id,
      title: main.querySelector('h2').textContent,
      callers: Array.from(main.querySelectorAll('tr.caller'), (tr) => Array.from(tr.children, (c) => c.textContent)),
      callees: Array.from(main.querySelectorAll('tr.callee'), (tr) => Array.from(tr.children, (c) => c.textContent)),
    };
    const pages = params.get('pages') === 'all' ? fnCount : 0;
    for (let i = 0; i < pages; i++) go('fn=' + i);
    go('icicle');
    r.icicle = icicle.facts();
    go('summary');
    r.summary = main.textContent;
    return r;
  }

  function linesReport() {
    const unit = D.unit;
    const header = el('header', null, el('h1', null, D.title));
    const main = el('main');
    app.append(header, main);
    main.appendChild(el('p', null, 'Line profile of ' + D.inputs.join(', ') + '; timer unit ' + unit + ' s; times below in microseconds; functions by total time.'));
    const totalOf = (f) => f.time.reduce((a, b) => a + b, 0);
    const order = D.functions.map((f, i) => [totalOf(f), i]);
    order.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const shown = [];
    for (const [sum, i] of order) {
      const f = D.functions[i];
      const timing = new Map();
      f.lines.forEach((line, k) => timing.set(line, [f.hits[k], f.time[k]]));
      const numbers = [];
      if (f.source) f.source.forEach((_, k) => numbers.push(f.line + k));
      for (const line of [...timing.keys()].sort((a, b) => a - b)) if (!numbers.includes(line)) numbers.push(line);
      const body = el('tbody');
      const rows = [];
      for (const line of numbers) {
        const t = timing.get(line);
        const text = f.source && line - f.line < f.source.length && line >= f.line ? f.source[line - f.line] : '';
        // line_profiler's `time * scalar`, scalar = unit / output unit (1e-6, as `pstat lines`).
        const us = (ticks) => ticks * (unit / 1e-6);
        const values = t
          ? [String(line), String(t[0]), fixed(us(t[1]), 1), t[0] ? fixed(us(t[1]) / t[0], 1) : '', sum ? fixed((100 * t[1]) / sum, 1) : '']
          : [String(line), '', '', '', ''];
        const tr = el('tr');
        values.forEach((v) => tr.appendChild(el('td', 'num', v)));
        tr.appendChild(el('td', 'src', text));
        const share = t && sum ? t[1] / sum : 0;
        if (share > 0) tr.style.background = 'rgba(255,' + Math.round(200 - 150 * share) + ',0,' + (0.15 + 0.6 * share).toFixed(3) + ')';
        body.appendChild(tr);
        rows.push(values.concat([text]));
      }
      const head = el('tr');
      for (const title of ['Line #', 'Hits', 'Time', 'Per Hit', '% Time', 'Line Contents']) head.appendChild(el('th', title === 'Line Contents' ? null : 'num', title));
      main.appendChild(el('h3', 'mono', f.name + '  (' + f.file + ':' + f.line + ')  Total time: ' + fixed(sum * unit, 6) + ' s'));
      if (!f.source) main.appendChild(el('p', 'muted', 'Source not found: ' + f.file));
      main.appendChild(el('table', 'lines', el('thead', null, head), body));
      shown.push({ name: f.name, total: sum, rows });
    }
    return shown;
  }

  let results;
  try {
    if (testing) results = selftest(params);
    else render();
  } catch (e) {
    errors.push(String(e && e.stack ? e.stack : e));
  }
  if (testing) finish(results);
})();
