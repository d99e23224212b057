/* report.js - renders the vigil report from the JSON in #head, then #data.
 * Why twice: #data (every finding) is parsed by the browser for seconds on
 * a report of 100,000 findings, while #head (runs, summaries, the total
 * and the first page of findings, see report_html.c) comes before this
 * script: the first screen is drawn from it at once, sections that need
 * every finding say they are being counted, and at DOMContentLoaded the
 * whole report is drawn again from #data.
 * Every string of the data comes from an attacker (file names, event
 * fields, rule text): it only ever reaches the page through textContent or
 * createTextNode, never innerHTML, and links are made only of http(s)
 * references. */
(function () {
  'use strict';
  var LEVELS = ['info', 'notice', 'warning', 'alert'];
  var PAGE = 100;
  /* marks for bench/report_paint.py: where the time to a drawn page goes */
  function mark(name) { if (window.performance && performance.mark) { performance.mark(name); } }
  mark('script-start');
  var S = [], F = [];
  var app = document.getElementById('app');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function s(i) { return i === null || i === undefined ? '' : (S[i] === undefined ? '' : S[i]); }
  /* a finding's details: ids of "Name: value" parts in S */
  function det(f) { var d = f[DET]; return d && d.map ? d.map(s).join(' \u00a6 ') : (d || ''); }
  function num(n) { return Number(n || 0).toLocaleString('en-US'); }
  function section(title, id) {
    var sec = el('section');
    sec.id = id;
    sec.appendChild(el('h2', null, title));
    app.appendChild(sec);
    return sec;
  }
  function table(heads, rows, numeric) {
    var t = el('table'), tr = el('tr');
    heads.forEach(function (h, i) { tr.appendChild(el('th', numeric && numeric[i] ? 'num' : null, h)); });
    var thead = el('thead');
    thead.appendChild(tr);
    t.appendChild(thead);
    var tb = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr');
      r.forEach(function (c, i) {
        var td = el('td', numeric && numeric[i] ? 'num' : null);
        if (c !== null && typeof c === 'object' && c.nodeType) { td.appendChild(c); } else { td.textContent = c === null || c === undefined ? '' : String(c); }
        row.appendChild(td);
      });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    return t;
  }
  function levelSpan(l) { return el('span', 'lv-' + LEVELS[l], LEVELS[l]); }

  /* column indexes of a finding row (see report_html.c) */
  var T = 0, HOST = 1, LV = 2, RULE = 3, KIND = 4, PATH = 5, COMP = 6, CHAN = 7, EID = 8,
    RID = 9, DET = 10, RLV = 11, TAGS = 12, REFS = 13, SCORE = 14, SHA = 15;

  function render(data, partial) {
    while (app.firstChild) { app.removeChild(app.firstChild); }
    S = data.strings || [];
    F = data.findings || [];
    var total = partial ? Number(data.total || 0) : F.length;
    /* a section that needs every finding, drawn from #head */
    function counting(sec) { sec.appendChild(el('p', 'muted counting', 'counting ' + num(total) + ' findings\u2026')); }
    /* tallies */
    var byLevel = [0, 0, 0, 0], hosts = {}, rules = {}, first = '', last = '';
    F.forEach(function (f) {
      byLevel[f[LV]]++;
      var h = s(f[HOST]);
      var hs = hosts[h] || (hosts[h] = { n: 0, lv: [0, 0, 0, 0], first: '', last: '' });
      hs.n++; hs.lv[f[LV]]++;
      var key = f[LV] + '\u0000' + f[RULE];
      var r = rules[key] || (rules[key] = { lv: f[LV], rule: f[RULE], n: 0, first: '', last: '', hosts: {} });
      r.n++; r.hosts[h] = 1;
      if (f[T]) {
        if (!first || f[T] < first) { first = f[T]; }
        if (!last || f[T] > last) { last = f[T]; }
        if (!hs.first || f[T] < hs.first) { hs.first = f[T]; }
        if (!hs.last || f[T] > hs.last) { hs.last = f[T]; }
        if (!r.first || f[T] < r.first) { r.first = f[T]; }
        if (!r.last || f[T] > r.last) { r.last = f[T]; }
      }
    });
    var runs = data.runs || [], sums = data.summaries || [];
    runs.forEach(function (r) { var h = r.host || ''; if (!hosts[h]) { hosts[h] = { n: 0, lv: [0, 0, 0, 0], first: '', last: '' }; } });
    sums.forEach(function (r) { var h = r.host || ''; if (!hosts[h]) { hosts[h] = { n: 0, lv: [0, 0, 0, 0], first: '', last: '' }; } });
    var tot = { files: 0, archive_members: 0, event_logs: 0, events: 0, bytes: 0, errors: 0, warnings: 0, skipped: 0, unreadable: 0, oversized: 0 };
    sums.forEach(function (r) { Object.keys(tot).forEach(function (k) { tot[k] += Number(r[k] || 0); }); });
    var ruleCounts = {};
    sums.forEach(function (r) { var rc = r.rules || {}; Object.keys(rc).forEach(function (k) { ruleCounts[k] = Math.max(ruleCounts[k] || 0, Number(rc[k] || 0)); }); });

    mark(partial ? 'head-tallied' : 'tallied');
    document.getElementById('generated').textContent = 'vigil ' + (data.version || '') + ', generated ' + (data.generated || '');

    /* overview */
    var ov = section('Overview', 'overview'), cards = el('div', 'cards');
    function card(label, value, id) { var c = el('div', 'card'); var b = el('b', null, value); b.id = id; c.appendChild(b); c.appendChild(el('span', 'muted', label)); cards.appendChild(c); }
    card('findings', num(total), 'total-findings');
    card('hosts', partial ? '\u2026' : num(Object.keys(hosts).length), 'total-hosts');
    card('files swept', num(tot.files), 'total-files');
    card('events in ' + num(tot.event_logs) + ' logs', num(tot.events), 'total-events');
    card('errors', num(tot.errors), 'total-errors');
    card('warnings', num(tot.warnings), 'total-warnings');
    ov.appendChild(cards);
    ov.appendChild(table(['', ''], [
      ['time range', partial ? '\u2026' : first ? first + ' \u2013 ' + last : '-'],
      ['rules loaded', Object.keys(ruleCounts).filter(function (k) { return ruleCounts[k] > 0; }).map(function (k) { return k + ' ' + num(ruleCounts[k]); }).join(', ') || '-'],
      ['problems', num(tot.unreadable) + ' unreadable, ' + num(tot.skipped) + ' skipped, ' + num(tot.oversized) + ' over max size'],
      ['duplicates dropped', num(data.duplicates || 0)]
    ]));

    /* counts by level */
    var lv = section('Findings by level', 'levels');
    if (partial) { counting(lv); } else lv.appendChild(table(['level', 'findings'], [3, 2, 1, 0].map(function (l) {
      var c = el('span', null, num(byLevel[l])); c.id = 'count-' + LEVELS[l]; return [levelSpan(l), c];
    }), [0, 1]));

    /* top rules per level */
    var tr = section('Top rules', 'rules');
    if (partial) { counting(tr); }
    var rows = [];
    if (!partial) [3, 2, 1, 0].forEach(function (l) {
      Object.keys(rules).map(function (k) { return rules[k]; }).filter(function (r) { return r.lv === l; })
        .sort(function (a, b) { return b.n - a.n; }).slice(0, 10).forEach(function (r) {
          rows.push([levelSpan(l), s(r.rule), num(r.n), num(Object.keys(r.hosts).length), r.first || '-', r.last || '-']);
        });
    });
    if (!partial) { tr.appendChild(table(['level', 'rule', 'findings', 'hosts', 'first seen', 'last seen'], rows, [0, 0, 1, 1, 0, 0])); }

    /* hosts */
    var hsec = section('Hosts', 'hosts');
    var runOf = {};
    runs.forEach(function (r) { runOf[r.host || ''] = r; });
    var sumOf = {};
    sums.forEach(function (r) { var h = r.host || ''; var t = sumOf[h] || (sumOf[h] = { files: 0, events: 0, errors: 0 }); t.files += Number(r.files || 0); t.events += Number(r.events || 0); t.errors += Number(r.errors || 0); });
    if (partial) { counting(hsec); } else hsec.appendChild(table(['host', 'OS', 'findings', 'alert', 'warning', 'notice', 'info', 'files', 'events', 'errors', 'first', 'last'],
      Object.keys(hosts).sort().map(function (h) {
        var x = hosts[h], r = runOf[h] || {}, t = sumOf[h] || {};
        return [h, r.os || '', num(x.n), num(x.lv[3]), num(x.lv[2]), num(x.lv[1]), num(x.lv[0]), num(t.files), num(t.events), num(t.errors), x.first || '-', x.last || '-'];
      }), [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]));

    /* runs: which vigil, which command line, which rules (by digest) */
    if (runs.length) {
      var rsec = section('Runs', 'runs');
      var endOf = {};
      sums.forEach(function (r) { if (r.scan_id) { endOf[r.scan_id] = r.end_time || ''; } });
      rsec.appendChild(table(['host', 'scan id', 'start', 'end', 'version', 'command line', 'rule sets (sha256)'],
        runs.slice(0, 1000).map(function (r) {
          var rs = (r.rule_sets || []).map(function (x) { return String(x.path || '') + ' ' + String(x.sha256 || '-').slice(0, 16); }).join('; ');
          var cl = (r.command_line || []).map(String).join(' ');
          return [String(r.host || ''), String(r.scan_id || ''), String(r.start_time || ''), String(endOf[r.scan_id] || ''), String(r.version || ''), cl, rs];
        })));
      rsec.querySelectorAll('td').forEach(function (c) { c.className = 'wrap'; });
    }

    /* timeline */
    var tl = section('Timeline', 'timeline');
    if (partial) { counting(tl); } else (function () {
      var NS = 'http://www.w3.org/2000/svg';
      var timed = F.filter(function (f) { return /^\d{4}-\d\d-\d\dT\d\d/.test(f[T]); });
      if (!timed.length) { tl.appendChild(el('p', 'muted', 'no finding has a time')); return; }
      var span = Date.parse(last.slice(0, 10)) - Date.parse(first.slice(0, 10));
      var hourly = !(span > 3 * 86400000);
      var cut = hourly ? 13 : 10, buckets = {}, keys = [];
      timed.forEach(function (f) {
        var k = f[T].slice(0, cut);
        if (!buckets[k]) { buckets[k] = [0, 0]; keys.push(k); }
        buckets[k][0]++;
        if (f[LV] === 3) { buckets[k][1]++; }
      });
      keys.sort();
      var max = 1;
      keys.forEach(function (k) { max = Math.max(max, buckets[k][0]); });
      var W = 1000, H = 140, bw = W / keys.length;
      var svg = document.createElementNS(NS, 'svg');
      svg.setAttribute('class', 'chart');
      svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (H + 20));
      svg.setAttribute('preserveAspectRatio', 'none');
      keys.forEach(function (k, i) {
        var b = buckets[k];
        [[b[0], 'bar'], [b[1], 'bar alert']].forEach(function (p) {
          if (!p[0]) { return; }
          var h = Math.max(1, H * p[0] / max);
          var r = document.createElementNS(NS, 'rect');
          r.setAttribute('class', p[1]);
          r.setAttribute('x', String(i * bw));
          r.setAttribute('y', String(H - h));
          r.setAttribute('width', String(Math.max(1, bw - 1)));
          r.setAttribute('height', String(h));
          var title = document.createElementNS(NS, 'title');
          title.textContent = k + (hourly ? ':00' : '') + '  ' + p[0] + (p[1] === 'bar' ? ' findings' : ' alerts');
          r.appendChild(title);
          svg.appendChild(r);
        });
      });
      [0, keys.length - 1].forEach(function (i, j) {
        var t = document.createElementNS(NS, 'text');
        t.setAttribute('x', String(j ? W : 0));
        t.setAttribute('y', String(H + 14));
        t.setAttribute('text-anchor', j ? 'end' : 'start');
        t.textContent = keys[i] + (hourly ? ':00' : '');
        svg.appendChild(t);
      });
      tl.appendChild(el('p', 'muted', 'findings per ' + (hourly ? 'hour' : 'day') + ' (alerts in red), max ' + num(max)));
      tl.appendChild(svg);
    })();

    mark(partial ? 'head-summary-drawn' : 'summary-drawn');
    /* findings table */
    var fs = section('Findings', 'findings');
    var controls = el('div', 'controls');
    function select(label, values) {
      var sel = el('select');
      sel.setAttribute('aria-label', label);
      var o = el('option', null, 'any ' + label); o.value = ''; sel.appendChild(o);
      values.forEach(function (v) { var op = el('option', null, v[1]); op.value = v[0]; sel.appendChild(op); });
      controls.appendChild(sel);
      return sel;
    }
    var selLevel = select('level', [3, 2, 1, 0].map(function (l) { return [String(l), LEVELS[l]]; }));
    var selHost = select('host', Object.keys(hosts).sort().map(function (h) { return [h, h]; }));
    var ruleIdx = {};
    F.forEach(function (f) { ruleIdx[f[RULE]] = 1; });
    var selRule = select('rule', Object.keys(ruleIdx).map(function (i) { return [i, s(+i)]; }).sort(function (a, b) { return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0; }));
    var text = el('input');
    text.type = 'search';
    text.placeholder = 'text in path, rule, details';
    controls.appendChild(text);
    fs.appendChild(controls);
    var pager = el('div', 'pager'), prev = el('button', null, '\u2190 previous'), next = el('button', null, 'next \u2192'), info = el('span', 'muted');
    var expand = el('button', null, 'details of every row');
    /* #details (for printing) opens every row's details */
    var expandAll = location.hash === '#details';
    info.id = 'page-info';
    pager.appendChild(prev); pager.appendChild(next); pager.appendChild(expand); pager.appendChild(info);
    fs.appendChild(pager);
    var COLS = [['time', T], ['level', LV], ['host', HOST], ['rule', RULE], ['kind', KIND], ['path / event', PATH], ['details', DET]];
    var ft = el('table'), head = el('tr'), body = el('tbody');
    ft.id = 'findings-table';
    var sortCol = T, sortDir = 1;
    COLS.forEach(function (c) {
      var th = el('th', 'sortable', c[0]);
      th.addEventListener('click', function () { if (sortCol === c[1]) { sortDir = -sortDir; } else { sortCol = c[1]; sortDir = 1; } apply(); });
      head.appendChild(th);
    });
    var thead = el('thead'); thead.appendChild(head); ft.appendChild(thead); ft.appendChild(body);
    fs.appendChild(ft);
    var shown = F, page = 0;
    var STRCOL = {}; STRCOL[HOST] = 1; STRCOL[RULE] = 1; STRCOL[KIND] = 1; STRCOL[PATH] = 1;
    function key(f, c) { return c === DET ? det(f) : STRCOL[c] ? s(f[c]) : f[c]; }
    function apply() {
      var l = selLevel.value, h = selHost.value, r = selRule.value, q = text.value.toLowerCase();
      shown = F.filter(function (f) {
        if (l !== '' && String(f[LV]) !== l) { return false; }
        if (h !== '' && s(f[HOST]) !== h) { return false; }
        if (r !== '' && String(f[RULE]) !== r) { return false; }
        if (q && (s(f[PATH]) + '\u0000' + s(f[RULE]) + '\u0000' + det(f) + '\u0000' + s(f[COMP]) + '\u0000' + s(f[HOST])).toLowerCase().indexOf(q) < 0) { return false; }
        return true;
      });
      if (!(sortCol === T && sortDir === 1)) {
        shown = shown.slice().sort(function (a, b) { var x = key(a, sortCol), y = key(b, sortCol); return (x < y ? -1 : x > y ? 1 : 0) * sortDir; });
      }
      page = 0;
      draw();
    }
    function detailRow(f) {
      var tr = el('tr', 'detail'), td = el('td');
      td.colSpan = COLS.length;
      var rows = [['computer', s(f[COMP])], ['channel', s(f[CHAN])], ['event id', f[EID]], ['record id', f[RID]],
        ['rule level', s(f[RLV])], ['score', f[SCORE]], ['matched', det(f)], ['tags', s(f[TAGS])], ['sha256', f[SHA]]]
        .filter(function (r) { return r[1] !== '' && r[1] !== null && r[1] !== undefined; });
      var refs = s(f[REFS]);
      if (refs) {
        var box = el('div');
        refs.split('\n').forEach(function (u) {
          var d = el('div');
          if (/^https?:\/\/[A-Za-z0-9._~:\/?#\[\]@!$&'()*+,;=%-]+$/i.test(u)) { var a = el('a', null, u); a.href = u; a.rel = 'noopener noreferrer'; d.appendChild(a); } else { d.textContent = u; }
          box.appendChild(d);
        });
        rows.push(['references', box]);
      }
      var t = table(['', ''], rows);
      t.querySelectorAll('td').forEach(function (c) { c.className = 'wrap'; });
      td.appendChild(t);
      tr.appendChild(td);
      return tr;
    }
    function draw() {
      while (body.firstChild) { body.removeChild(body.firstChild); }
      var pages = Math.max(1, Math.ceil(shown.length / PAGE));
      if (page >= pages) { page = pages - 1; }
      var start = page * PAGE, end = Math.min(shown.length, start + PAGE);
      var frag = document.createDocumentFragment();
      for (var i = start; i < end; i++) {
        (function (f) {
          var tr = el('tr', 'finding');
          tr.appendChild(el('td', null, f[T] || '-'));
          var lvc = el('td'); lvc.appendChild(levelSpan(f[LV])); tr.appendChild(lvc);
          tr.appendChild(el('td', null, s(f[HOST])));
          tr.appendChild(el('td', 'wrap', s(f[RULE])));
          tr.appendChild(el('td', null, s(f[KIND])));
          tr.appendChild(el('td', 'wrap', s(f[PATH]) + (f[RID] !== '' && f[RID] !== null ? '#' + f[RID] : '')));
          tr.appendChild(el('td', 'wrap', det(f)));
          var open = null;
          tr.addEventListener('click', function () {
            if (open) { open.parentNode.removeChild(open); open = null; } else { open = detailRow(f); tr.parentNode.insertBefore(open, tr.nextSibling); }
          });
          frag.appendChild(tr);
          if (expandAll) { open = detailRow(f); frag.appendChild(open); }
        })(shown[i]);
      }
      body.appendChild(frag);
      info.textContent = shown.length ? 'findings ' + num(start + 1) + '\u2013' + num(end) + ' of ' + num(partial ? total : shown.length) + (partial ? ' (loading the rest\u2026)' : ' (page ' + (page + 1) + ' of ' + pages + ')') : 'no finding matches';
      prev.disabled = page === 0;
      next.disabled = partial || page >= pages - 1;
    }
    expand.addEventListener('click', function () { expandAll = !expandAll; draw(); });
    prev.addEventListener('click', function () { page--; draw(); });
    next.addEventListener('click', function () { page++; draw(); });
    [selLevel, selHost, selRule].forEach(function (e) { e.addEventListener('change', apply); });
    if (partial) { [selLevel, selHost, selRule, text, expand].forEach(function (e) { e.disabled = true; }); }
    var timer = null;
    text.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(apply, 200); });
    draw();

    /* what was quarantined, skipped or otherwise reported besides findings */
    var others = data.others || [];
    var os = section('Quarantined, skipped and other records', 'others');
    if (partial) {
      counting(os);
    } else if (!others.length) {
      os.appendChild(el('p', 'muted', 'none recorded; counts of skipped, unreadable and oversized files are in the overview'));
    } else {
      if (others.length > 1000) { os.appendChild(el('p', 'muted', 'the first 1,000 of ' + num(others.length) + ' records')); }
      os.appendChild(table(['type', 'host', 'path', 'reason'], others.slice(0, 1000).map(function (o) {
        var why = o.reason || o.message || o.error || '';
        return [String(o.type || ''), String(o.host || ''), String(o.path || o.source || ''), typeof why === 'string' ? why : JSON.stringify(why)];
      })));
    }
  }

  /* the first screen from #head, now; the whole report from #data once the
   * document is parsed (at once when #data is already there) */
  var head = document.getElementById('head');
  if (head && !document.getElementById('data')) {
    render(JSON.parse(head.textContent), true);
    mark('first-screen');
    /* ms from navigation start to the first screen (bench/bench_report.sh) */
    document.body.setAttribute('data-first-screen-ms', String(Math.round(performance.now())));
  }
  function full() {
    var d = document.getElementById('data');
    if (!d) { return; } /* a report cut short: its first screen stays */
    mark('data-start');
    var data = JSON.parse(d.textContent);
    mark('data-parsed');
    render(data, false);
    document.body.setAttribute('data-ready', '1');
    /* ms from navigation start to the whole report drawn (bench/bench_report.sh) */
    document.body.setAttribute('data-ready-ms', String(Math.round(performance.now())));
  }
  if (document.getElementById('data')) { full(); } else { document.addEventListener('DOMContentLoaded', full); }
})();
