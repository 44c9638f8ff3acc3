// SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
// joulestat serve's live page: the script (inlined, allowed by its hash).
// It follows GET /api/v1/stream (server-sent events: the last minutes as
// "point" events, then a "snapshot" per interval; docs/API.md) and falls back
// to polling GET /api/v1/snapshot when the stream is refused or lost. Every
// name from the server (a command, a cgroup path) is any bytes a process
// chose: it only ever reaches the page as text (textContent), never as HTML.
'use strict';
(function () {
	const WINDOW_S = 300;		// the charts' span
	const MAX_POINTS = 3000;
	const TOP_SERIES = 8;
	const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b',
		'#e377c2', '#bcbd22', '#17becf', '#393b79', '#ad494a', '#637939'];
	const COLOR_OTHER = '#9e9e9e', COLOR_UNATTR = '#f28e8e', COLOR_IDLE = '#dcdcdc';
	const SVGNS = 'http://www.w3.org/2000/svg';

	const state = {
		points: [],		// oldest first, one per interval
		snap: null,		// the latest snapshot
		grouping: 'process',
		sortKey: 'power_w',
		sortDesc: true,
		filter: '',
		stream: null,
		pollTimer: 0,
		renderQueued: false,
	};
	const $ = (id) => document.getElementById(id);

	// ---- numbers for people ----
	function watts(w) {
		if (w === null || w === undefined || !isFinite(w)) return '–';
		const a = Math.abs(w);
		if (a >= 1000) return (w / 1000).toFixed(2) + ' kW';
		if (a >= 10) return w.toFixed(1) + ' W';
		if (a >= 1) return w.toFixed(2) + ' W';
		if (a >= 0.001) return (w * 1000).toFixed(a >= 0.01 ? 0 : 1) + ' mW';
		if (a === 0) return '0 W';
		return (w * 1e6).toFixed(0) + ' µW';
	}
	function joules(uj) {
		const j = uj / 1e6;
		if (j >= 36e3) return (j / 3.6e6).toPrecision(4) + ' kWh';
		if (j >= 1e3) return (j / 1e3).toFixed(2) + ' kJ';
		if (j >= 1) return j.toFixed(2) + ' J';
		return (j * 1e3).toFixed(0) + ' mJ';
	}
	function grams(g) {
		if (!isFinite(g)) return '–';
		if (g >= 1e3) return (g / 1e3).toPrecision(3) + ' kg';
		if (g >= 1 || g === 0) return g.toPrecision(3) + ' g';
		if (g >= 1e-3) return (g * 1e3).toPrecision(3) + ' mg';
		return (g * 1e6).toPrecision(3) + ' µg';
	}
	function pct(x) { return isFinite(x) ? (x * 100).toFixed(1) + ' %' : '–'; }

	// ---- data ----
	function addPoint(p) {
		p.time = p.time_ms / 1000;
		const last = state.points[state.points.length - 1];
		if (last && p.seq <= last.seq) return;
		state.points.push(p);
		const t0 = p.time - WINDOW_S;
		let drop = 0;
		while (drop < state.points.length && state.points[drop].time < t0) drop++;
		if (state.points.length - drop > MAX_POINTS) drop = state.points.length - MAX_POINTS;
		if (drop) state.points.splice(0, drop);
	}
	function onSnapshot(s) {
		addPoint(s);
		state.snap = s;
		// Only the groupings serve carries are offered (vm: with --group vm or --vm-export).
		if (Array.isArray(s.groupings))
			for (const o of $('grouping').options) o.hidden = o.disabled = !s.groupings.includes(o.value);
		queueRender();
	}
	function queueRender() {
		if (state.renderQueued) return;
		state.renderQueued = true;
		setTimeout(() => { state.renderQueued = false; render(); }, 0);
	}

	// ---- the connection: the stream, else polling ----
	function setConn(st, text) {
		const c = $('conn');
		c.dataset.state = st;
		c.textContent = text;
	}
	function connect() {
		if (!window.EventSource) { startPolling(); return; }
		const es = new EventSource('/api/v1/stream');
		state.stream = es;
		es.addEventListener('point', (e) => { addPoint(JSON.parse(e.data)); });
		es.addEventListener('snapshot', (e) => {
			onSnapshot(JSON.parse(e.data));
			setConn('live', 'live');
		});
		es.onerror = () => {
			if (es.readyState === EventSource.CLOSED) {
				// Refused (too many streams) or gone: poll, and try the stream again later.
				state.stream = null;
				startPolling();
				setTimeout(() => { stopPolling(); connect(); }, 30000);
			} else {
				setConn('lost', 'reconnecting…');
			}
		};
	}
	function pollOnce() {
		fetch('/api/v1/snapshot', { cache: 'no-store' })
			.then((r) => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
			.then((s) => { onSnapshot(s); setConn('polling', 'polling every ' + s.interval_s.toFixed(1) + ' s'); })
			.catch(() => setConn('lost', 'no answer from joulestat serve'));
	}
	function startPolling() {
		stopPolling();
		pollOnce();
		const every = state.snap && state.snap.interval_s > 0.2 ? state.snap.interval_s : 1;
		state.pollTimer = setInterval(pollOnce, every * 1000);
	}
	function stopPolling() {
		if (state.pollTimer) clearInterval(state.pollTimer);
		state.pollTimer = 0;
	}

	// ---- SVG charts ----
	function el(name, attrs, parent) {
		const e = document.createElementNS(SVGNS, name);
		for (const k in attrs) e.setAttribute(k, attrs[k]);
		if (parent) parent.appendChild(e);
		return e;
	}
	function niceStep(max) {
		const raw = max / 4;
		if (!(raw > 0)) return 1;
		const p = Math.pow(10, Math.floor(Math.log10(raw)));
		const m = raw / p;
		return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
	}
	// series: [{name, color, values: [number|null per point], fill}], stacked or lines.
	function drawChart(svg, series, opts) {
		const vb = svg.viewBox.baseVal, W = vb.width, H = vb.height;
		const X0 = 52, X1 = W - 10, Y0 = H - 22, Y1 = 8;
		const pts = state.points;
		while (svg.firstChild) svg.removeChild(svg.firstChild);
		if (!pts.length) return;
		const tEnd = pts[pts.length - 1].time, tStart = tEnd - WINDOW_S;
		const n = pts.length;
		// The stack's cumulative tops, or each line's own values.
		const tops = series.map(() => new Array(n).fill(null));
		let max = 0;
		for (let i = 0; i < n; i++) {
			let acc = 0;
			for (let s = 0; s < series.length; s++) {
				const v = series[s].values[i];
				if (v === null || v === undefined || !isFinite(v)) { tops[s][i] = null; continue; }
				acc = opts.stacked ? acc + Math.max(v, 0) : v;
				tops[s][i] = acc;
				if (acc > max) max = acc;
			}
		}
		const step = niceStep(max || 1), ymax = Math.max(step, Math.ceil((max || 1) / step) * step);
		const X = (t) => X0 + (X1 - X0) * (t - tStart) / WINDOW_S;
		const Y = (v) => Y0 - (Y0 - Y1) * v / ymax;
		for (let v = 0; v <= ymax + 1e-9; v += step) {
			el('line', { x1: X0, x2: X1, y1: Y(v), y2: Y(v), class: 'grid' }, svg);
			el('text', { x: X0 - 4, y: Y(v) + 4, 'text-anchor': 'end' }, svg).textContent = watts(v);
		}
		for (let m = 0; m <= WINDOW_S; m += 60) {
			const x = X(tEnd - m);
			el('line', { x1: x, x2: x, y1: Y0, y2: Y0 + 4, class: 'axis' }, svg);
			el('text', { x: x, y: H - 6, 'text-anchor': 'middle' }, svg).textContent =
				m ? '−' + (m / 60) + ' min' : 'now';
		}
		el('line', { x1: X0, x2: X1, y1: Y0, y2: Y0, class: 'axis' }, svg);
		// Each interval is a step from its start to its end, as joulestat measured it.
		const xs = pts.map((p) => [X(p.time - p.interval_s), X(p.time)]);
		for (let s = series.length - 1; s >= 0; s--) {
			let d = '', open = false;
			for (let i = 0; i < n; i++) {
				const v = tops[s][i];
				if (v === null) { open = false; continue; }
				const [xa, xb] = xs[i];
				if (xb < X0) continue;
				const x0 = Math.max(xa, X0);
				if (opts.stacked) {
					const base = s ? (tops[s - 1][i] || 0) : 0;
					d += 'M' + x0.toFixed(1) + ' ' + Y(base).toFixed(1) + 'V' + Y(v).toFixed(1) +
						'H' + xb.toFixed(1) + 'V' + Y(base).toFixed(1) + 'Z';
				} else {
					d += (open ? 'L' : 'M') + x0.toFixed(1) + ' ' + Y(v).toFixed(1) +
						'H' + xb.toFixed(1);
					open = true;
				}
			}
			const attrs = { d: d || 'M0 0', 'data-series': series[s].name };
			if (opts.stacked) { attrs.fill = series[s].color; attrs.stroke = 'none'; }
			else {
				attrs.fill = 'none'; attrs.stroke = series[s].color;
				attrs['stroke-width'] = series[s].bold ? 2.5 : 1.5;
			}
			el('path', attrs, svg);
		}
		// Values on hover: the interval under the pointer, in the legend.
		svg.onmousemove = (ev) => {
			const r = svg.getBoundingClientRect();
			const x = (ev.clientX - r.left) * W / r.width;
			let best = -1;
			for (let i = 0; i < n; i++) if (xs[i][0] <= x) best = i;
			if (best >= 0) opts.legend(best);
		};
		svg.onmouseleave = () => opts.legend(n - 1);
		opts.legend(n - 1);
	}
	function legend(div, items) {
		while (div.firstChild) div.removeChild(div.firstChild);
		for (const it of items) {
			const span = document.createElement('span');
			const sw = el('svg', { width: 10, height: 10 });
			el('rect', { width: 10, height: 10, fill: it.color }, sw);
			span.appendChild(sw);
			span.appendChild(document.createTextNode(it.label));
			div.appendChild(span);
		}
	}

	function drawDomains() {
		const pts = state.points, names = [];
		for (const p of pts) for (const d of p.domains) if (!names.includes(d.name)) names.push(d.name);
		const info = {};
		for (const p of pts) for (const d of p.domains) info[d.name] = d;
		const series = [{ name: 'host', color: '#111', bold: true, values: pts.map((p) => p.power_w) }];
		names.forEach((name, k) => series.push({
			name: name, color: PALETTE[k % PALETTE.length],
			values: pts.map((p) => { const d = p.domains.find((x) => x.name === name); return d ? d.power_w : null; }),
		}));
		drawChart($('chart-domains'), series, {
			stacked: false,
			legend: (i) => legend($('legend-domains'), series.map((s) => ({
				color: s.color,
				label: (s.name === 'host' ? 'host total' : (info[s.name].in_host_total ? '+' : '') + s.name) +
					' ' + watts(s.values[i]) + (s.name !== 'host' && info[s.name].estimated ? '*' : ''),
			}))),
		});
	}
	function drawLedger() {
		const pts = state.points;
		const series = [
			{ name: 'tasks', color: '#4c78a8', values: pts.map((p) => p.refused ? null : p.tasks_w) },
			{ name: 'unattributed', color: COLOR_UNATTR, values: pts.map((p) => p.refused ? null : p.unattributed_w) },
			{ name: 'idle', color: COLOR_IDLE, values: pts.map((p) => p.refused ? null : p.idle_w) },
		];
		drawChart($('chart-ledger'), series, {
			stacked: true,
			legend: (i) => legend($('legend-ledger'), series.map((s) => ({ color: s.color, label: s.name + ' ' + watts(s.values[i]) }))
				.concat([{ color: '#fff', label: 'coverage ' + pct(pts[i].coverage) }])),
		});
	}
	function drawGroups() {
		const g = state.grouping, pts = state.points, total = {};
		const label = {};
		for (const p of pts) {
			const top = p.top && p.top[g];
			if (!top) continue;
			for (const x of top.groups) {
				total[x.key] = (total[x.key] || 0) + x.power_w * p.interval_s;
				label[x.key] = x.name + (g === 'process' ? ' (' + x.key.split('@')[0] + ')' : '');
			}
		}
		const keys = Object.keys(total).sort((a, b) => total[b] - total[a]).slice(0, TOP_SERIES);
		const series = keys.map((k, i) => ({
			name: k, color: PALETTE[i % PALETTE.length], label: label[k],
			values: pts.map((p) => {
				if (!p.top || !p.top[g] || p.refused) return null;
				const x = p.top[g].groups.find((y) => y.key === k);
				return x ? x.power_w : 0;
			}),
		}));
		series.push({
			name: 'other', color: COLOR_OTHER, label: 'other',
			values: pts.map((p) => {
				if (!p.top || !p.top[g] || p.refused) return null;
				let v = p.top[g].other_w;
				for (const x of p.top[g].groups) if (!keys.includes(x.key)) v += x.power_w;
				return v;
			}),
		});
		drawChart($('chart-groups'), series, {
			stacked: true,
			legend: (i) => legend($('legend-groups'), series.map((s) => ({ color: s.color, label: s.label + ' ' + watts(s.values[i]) }))),
		});
	}

	// ---- the table ----
	const COLUMNS = {
		process: [['pid', 'PID', 'n'], ['name', 'command', ''], ['user', 'user', ''], ['power_w', 'power', 'n'],
			['energy_uj', 'energy since seen', 'n'], ['cpu_pct', 'CPU', 'n'], ['share', 'share', 'n'], ['unit', 'unit', '']],
		other: [['name', '', ''], ['power_w', 'power', 'n'], ['energy_uj', 'energy since seen', 'n'],
			['cpu_pct', 'CPU', 'n'], ['share', 'share', 'n'], ['tasks', 'tasks', 'n']],
	};
	const NOUN = { process: 'Processes', comm: 'Commands', user: 'Users', unit: 'Systemd units', container: 'Containers', cgroup: 'Cgroups', vm: 'Virtual machines' };
	const KEYNAME = { comm: 'command', user: 'user', unit: 'unit', container: 'container', cgroup: 'cgroup', vm: 'virtual machine' };

	function columns() {
		if (state.grouping === 'process') return COLUMNS.process;
		const c = COLUMNS.other.map((x) => x.slice());
		c[0][1] = KEYNAME[state.grouping];
		if (state.snap && state.snap.syscalls_counted) c.push(['syscalls', 'syscalls', 'n']);
		return c;
	}
	function cell(row, key) {
		const v = row[key];
		switch (key) {
		case 'power_w': return watts(v) + (row.estimated ? '*' : '');
		case 'energy_uj': return joules(v);
		case 'cpu_pct': return isFinite(v) ? v.toFixed(1) + ' %' : '–';
		case 'share': return pct(v);
		case 'unit': return v || '';
		default: return v === undefined || v === null ? '' : String(v);
		}
	}
	function renderTable() {
		const s = state.snap, g = state.grouping, cols = columns();
		$('table-title').textContent = NOUN[g];
		// The head is drawn again only when it changes: a click on it is never lost.
		const head = $('table-head');
		const headKey = g + ' ' + cols.map((c) => c[0]).join() + ' ' + state.sortKey + ' ' + state.sortDesc;
		if (head.dataset.drawn !== headKey) {
			head.dataset.drawn = headKey;
			while (head.firstChild) head.removeChild(head.firstChild);
			for (const [key, title, cls] of cols) {
				const th = document.createElement('th');
				th.textContent = title;
				th.dataset.key = key;
				if (cls) th.className = cls;
				if (key === state.sortKey) th.setAttribute('aria-sort', state.sortDesc ? 'descending' : 'ascending');
				head.appendChild(th);
			}
		}
		const body = $('table-body');
		while (body.firstChild) body.removeChild(body.firstChild);
		if (!s || !s.rows[g]) return;
		const f = state.filter.toLowerCase();
		let rows = s.rows[g].rows;
		if (f) rows = rows.filter((r) => [r.name, r.pid, r.user, r.unit, r.container, r.key]
			.some((x) => x !== undefined && x !== null && String(x).toLowerCase().includes(f)));
		const k = state.sortKey, dir = state.sortDesc ? -1 : 1;
		rows = rows.slice().sort((a, b) => {
			const x = a[k], y = b[k];
			if (typeof x === 'number' && typeof y === 'number') return (x - y) * dir || (b.power_w - a.power_w);
			return String(x === undefined ? '' : x).localeCompare(String(y === undefined ? '' : y)) * dir;
		});
		for (const r of rows) {
			const tr = document.createElement('tr');
			tr.dataset.key = r.key;
			for (const [key, , cls] of cols) {
				const td = document.createElement('td');
				td.textContent = cell(r, key);
				td.className = cls || (key === 'name' ? 'name' : '');
				if (key === 'name') td.title = r.name;
				tr.appendChild(td);
			}
			body.appendChild(tr);
		}
		$('count').textContent = rows.length + ' shown of ' + s.rows[g].total +
			(s.rows[g].total > s.rows[g].rows.length ? ' (the ' + s.rows[g].rows.length + ' largest are sent)' : '');
	}

	// ---- the summary ----
	function renderSummary() {
		const s = state.snap;
		$('host').textContent = '· ' + s.host;
		$('power-now').textContent = s.refused ? 'gap' : watts(s.power_w) + (s.estimated ? '*' : '');
		$('ledger-now').textContent = '= tasks ' + watts(s.tasks_w) + ' + idle ' + watts(s.idle_w) +
			' + unattributed ' + watts(s.unattributed_w);
		const st = $('state');
		while (st.firstChild) st.removeChild(st.firstChild);
		const badge = document.createElement('span');
		badge.className = s.estimated ? 'est' : 'meas';
		badge.textContent = s.estimated ? 'ESTIMATED (model)' : 'measured';
		st.appendChild(badge);
		st.appendChild(document.createTextNode(' coverage ' + pct(s.coverage) + ' · captured ' + pct(s.captured)));
		$('estimated').hidden = !s.estimated;
		const notes = [];
		if (s.warming_up) notes.push('warming up: the first reading of a counter gives no power yet');
		if (s.refused) notes.push('gap: a reading was refused in this interval; its energy is unknown, not 0');
		if (s.coverage < 0.995) notes.push('coverage below 99.5 %: some CPU time could not be named');
		if (s.dropped) notes.push(s.dropped + ' scheduler events dropped');
		$('notes').hidden = !notes.length;
		$('notes').textContent = notes.join('; ');
		const c = $('carbon-now');
		c.hidden = !s.carbon;
		if (s.carbon) {
			const rate = isFinite(s.carbon.intensity_g_per_kwh) && isFinite(s.power_w)
				? s.power_w * s.carbon.intensity_g_per_kwh / 1000 : NaN;
			c.textContent = 'CO2e ' + grams(s.carbon.host_co2e_g) + ' since start, ' + grams(rate) + '/h now, at ' +
				(s.carbon.intensity_g_per_kwh === null ? 'no intensity this hour' : s.carbon.intensity_g_per_kwh + ' gCO2e/kWh') +
				' from ' + s.carbon.from;
		}
		$('meta').textContent = 'interval ' + s.interval_s.toFixed(2) + ' s · idle policy ' + s.idle_policy +
			' · collector ' + s.collector + ' · serve uses ' + (s.self.rss_bytes / 1048576).toFixed(1) + ' MiB';
		const seq = $('seq');
		seq.textContent = String(s.seq);
		seq.dataset.seq = String(s.seq);
		const gp = $('gpus');
		gp.hidden = !s.gpus.length;
		const tb = $('gpu-table').tBodies[0];
		while (tb.firstChild) tb.removeChild(tb.firstChild);
		for (const g of s.gpus) {
			const tr = document.createElement('tr');
			const mem = g.mem_total_bytes ? (g.mem_used_bytes / 1073741824).toFixed(1) + ' / ' +
				(g.mem_total_bytes / 1073741824).toFixed(1) + ' GiB' : '–';
			for (const v of [g.domain, g.name + ' (' + g.vendor + ')', watts(g.power_w) + (g.sampled ? ' ~' : ''),
				g.util_pct === null ? '–' : g.util_pct + ' %', g.temp_c === null ? '–' : g.temp_c + ' °C', mem, g.split]) {
				const td = document.createElement('td');
				td.textContent = v;
				tr.appendChild(td);
			}
			tb.appendChild(tr);
		}
	}

	function render() {
		if (!state.snap) return;
		renderSummary();
		drawDomains();
		drawLedger();
		drawGroups();
		renderTable();
	}

	// ---- the controls ----
	$('grouping').addEventListener('change', (e) => {
		state.grouping = e.target.value;
		state.sortKey = 'power_w';
		state.sortDesc = true;
		render();
	});
	$('filter').addEventListener('input', (e) => { state.filter = e.target.value; renderTable(); });
	$('table-head').addEventListener('click', (e) => {
		const th = e.target.closest('th');
		if (!th) return;
		if (state.sortKey === th.dataset.key) state.sortDesc = !state.sortDesc;
		else { state.sortKey = th.dataset.key; state.sortDesc = ['power_w', 'energy_uj', 'cpu_pct', 'share', 'tasks', 'syscalls'].includes(th.dataset.key); }
		renderTable();
	});
	renderTable();
	connect();
})();
