  // ---- Icicle on a canvas ----
  const icicle = (function () {
    const st = D.stacks;
    const n = st.up.length;
    // Each frame's parent is written as the distance back to it (0 for a root).
    const parent = Int32Array.from(st.up, (up, i) => (up === 0 ? -1 : i - up));
    const fn = Int32Array.from(st.fn);
    const weight = st.self;
    // A diff's frames are coloured by the change of their own time, scaled to the largest
    // change, as inferno's differential flame graph colours them (red more, blue less).
    const delta = DIFF ? weight.map((w, i) => w - st.base[i]) : null;
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

