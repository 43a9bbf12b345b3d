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
