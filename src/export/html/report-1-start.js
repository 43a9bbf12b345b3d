// pstat's HTML report (docs/html.md). Plain JavaScript, no dependencies. The data is read
// from the JSON block with JSON.parse; every name reaches the page as a text node
// (textContent, createTextNode), never as markup. The script is one function in parts, each
// a file of its own (report-1-start.js to report-8-lines.js), joined in order by
// src/export/html.rs: data and helpers, the columns and sorting, the summary, the function
// table, the function page, the icicle, the self-test, and the line report and the start.
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
  // Float columns come as {"f64": base64 of their little-endian binary64 values}
  // (docs/html.md, "Data layout"): each becomes a Float64Array.
  const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  function floatColumn(base64) {
    let bytes;
    if (typeof Uint8Array.fromBase64 === 'function') bytes = Uint8Array.fromBase64(base64);
    else {
      const text = atob(base64);
      bytes = new Uint8Array(text.length);
      for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    }
    const n = bytes.length >> 3;
    if (LITTLE_ENDIAN) return new Float64Array(bytes.buffer, bytes.byteOffset, n);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    return Float64Array.from({ length: n }, (_, i) => view.getFloat64(8 * i, true));
  }
  for (const object of [D, D.stacks]) {
    if (!object) continue;
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (value && typeof value === 'object' && typeof value.f64 === 'string') object[key] = floatColumn(value.f64);
    }
  }
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

