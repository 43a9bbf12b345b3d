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

