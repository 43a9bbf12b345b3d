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

