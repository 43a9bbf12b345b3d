  // ---- Function page: figures, and a butterfly of callers above and callees below ----
  const EDGE_TITLES = DIFF
    ? ['ncalls', 'base tottime', 'new tottime', 'base cumtime', 'new cumtime', 'Δ cumtime']
    : ['ncalls', 'tottime', 'cumtime'];
  function edgeCells(e) {
    if (DIFF) {
      // An edge on one side only is added or removed.
      const calls = callsChange(D.benc[e], D.enc[e], D.benc[e] === 0 ? 2 : D.enc[e] === 0 ? 3 : 0);
      if (!D.timed) return [calls, '', '', '', '', ''];
      const [bt, t, bc, c] = [D.bett[e], D.ett[e], D.bect[e], D.ect[e]];
      return [calls, f8(bt), f8(t), f8(bc), f8(c), signed(c - bc, 3)];
    }
    const n = D.enc[e];
    if (!D.timed) return [String(n), '', ''];
    return [ncalls(n, D.ecc[e]), f8(D.ett[e]), f8(D.ect[e])];
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

