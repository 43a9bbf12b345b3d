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

