// TraceSentinel investigators' console: plain JS, no build step. Talks only to this service's /api/v1.
(function () {
  'use strict';

  var TYPES = ['DOUBLE_SCAN', 'REPEAT_SALE', 'RECEIVED_AFTER_SALE', 'PRODUCT_MISMATCH', 'SPLIT_OVERSOLD',
    'SPLIT_ACROSS_SITES', 'SOLD_AFTER_DESTROY', 'EXPIRED', 'UNKNOWN_PRODUCT', 'RETURN_MISMATCH'];
  var SUSPICIONS = ['OPERATOR_ERROR', 'SUBSTITUTED', 'DIVERTED', 'COUNTERFEIT', 'QUALITY', 'IRREGULAR'];
  var LEVELS = ['ALERT', 'WARNING'];
  var STATES = ['OPEN', 'UNDER_REVIEW', 'CONFIRMED', 'DISMISSED'];
  // a case may change to any state but its own (investigate.CaseState); the likeliest next step first
  var CHANGES = ['UNDER_REVIEW', 'CONFIRMED', 'DISMISSED', 'OPEN'];
  function others(state) { return CHANGES.filter(function (s) { return s !== state; }); }

  var TEXT = {
    zh: {
      title: '药品追溯码异常调查台', signOut: '退出', signInTitle: '使用调查员密钥登录', apiKey: 'API 密钥',
      signIn: '登录', keyHint: '密钥只保存在本标签页（sessionStorage），关闭即清除。', type: '类型', suspicion: '疑点',
      level: '级别', site: '机构', region: '区划（前缀）', product: '产品', from: '开始时间', to: '结束时间',
      pageSize: '每页', apply: '查询', reset: '重置', export: '导出 CSV', overTime: '异常趋势（按小时）',
      ranking: '机构排名', count: '数量', alerts: '警报', warnings: '提示', anomalies: '异常列表', time: '扫码时间',
      code: '追溯码', detail: '说明', conflictsWith: '冲突记录', firstPage: '首页', prevPage: '上一页',
      nextPage: '下一页', timeline: '追溯码时间线', any: '（全部）', voidedFilter: '已作废销售', voidedHide: '不含',
      voidedOnly: '仅已作废', badKey: '密钥无效或已吊销。',
      wrongRole: '此密钥没有调查员权限。', unreachable: '无法连接服务。', page: '第 {n} 页', none: '没有符合条件的异常。',
      soldUnits: '已售数量', packSize: '包装规格', saleCount: '销售次数', sites: '销售机构数', lastSale: '最近销售',
      destroyed: '已销毁', lookups: '公众查询次数', yes: '是', no: '否', judged: '第 {n} 个判定',
      chartRange: '{from} 至 {to}', exporting: '正在导出…', doc: '单据', qty: '数量', split: '拆零', voided: '已作废', unknown: '未知',
      ACCEPTED: '已接收', FLAGGED: '已标记', REJECTED: '已拒绝', SALE: '销售', RETURN: '退货', RECEIVE: '入库',
      DESTROY: '销毁', DOUBLE_SCAN: '重复扫码', REPEAT_SALE: '重复销售', RECEIVED_AFTER_SALE: '售后入库',
      PRODUCT_MISMATCH: '药品不符', SPLIT_OVERSOLD: '拆零超量', SPLIT_ACROSS_SITES: '跨机构拆零',
      SOLD_AFTER_DESTROY: '销毁后销售', EXPIRED: '过期', UNKNOWN_PRODUCT: '未知产品', RETURN_MISMATCH: '退货不符',
      OPERATOR_ERROR: '操作失误', SUBSTITUTED: '串换', DIVERTED: '回流', COUNTERFEIT: '假冒', QUALITY: '质量',
      IRREGULAR: '不规范', ALERT: '警报', WARNING: '提示',
      totals: '{from} 至 {to}：异常 {n} 条（警报 {a} · 提示 {w}）', timeZone: '时间均为本地时间：{tz}', chartTime: '时间',
      state: '处理状态', OPEN: '待处理', UNDER_REVIEW: '核查中', CONFIRMED: '已确认', DISMISSED: '已排除',
      liveTitle: '实时警报', liveStart: '开始接收', liveStop: '停止接收',
      liveHint: '按上方筛选条件接收新异常；断线后自动续传，不丢不重。', liveOff: '未连接', liveConnecting: '连接中…',
      liveOn: '已连接', liveRetry: '连接中断，{s} 秒后续传…', liveResync: '落后太多，已从最新处继续；列表已刷新。',
      liveCount: '已收到 {n} 条', ringsTitle: '串码团伙（共用追溯码的机构网络）', minShared: '每条边至少共用码数',
      ringFind: '查找团伙', ringHint: '时间范围和区划取自上方筛选条件（默认为最新异常之前的 24 小时）。', ringSites: '机构数',
      sharedCodes: '共用码', cities: '城市', noRings: '此范围内没有团伙。', ringEdges: '机构之间', sampleCodes: '样例追溯码',
      neighbours: '与 {site} 共用追溯码的机构', bulkTo: '批量改为', note: '备注', bulkApply: '应用到所选',
      bulkNone: '请先勾选异常并填写备注。', bulkDone: '已更新 {u} 条，冲突 {c} 条', selected: '已选 {n} 条',
      caseTitle: '案件', changeTo: '改为', save: '保存', caseHistory: '处理记录', noChanges: '尚无处理记录',
      conflict: '状态已被他人修改：现为 {s}'
    },
    en: {
      title: "Trace-code anomalies: investigators' console", signOut: 'Sign out',
      signInTitle: 'Sign in with an investigator key', apiKey: 'API key', signIn: 'Sign in',
      keyHint: 'The key stays in this tab only (sessionStorage) and is gone when it closes.', type: 'Type',
      suspicion: 'Suspicion', level: 'Level', site: 'Site', region: 'Region (prefix)', product: 'Product',
      from: 'From', to: 'To', pageSize: 'Per page', apply: 'Search', reset: 'Reset', export: 'Export CSV',
      overTime: 'Anomalies over time (hourly)', ranking: 'Sites ranked', count: 'Count', alerts: 'Alerts',
      warnings: 'Warnings', anomalies: 'Anomalies', time: 'Scanned at', code: 'Code', detail: 'Detail',
      conflictsWith: 'Conflicts with', firstPage: 'First', prevPage: 'Previous', nextPage: 'Next',
      timeline: "Code's timeline", any: '(any)', voidedFilter: 'Deleted sales', voidedHide: 'hidden',
      voidedOnly: 'only', badKey: 'Unknown or revoked key.',
      wrongRole: 'This key is not an investigator key.', unreachable: 'Cannot reach the service.', page: 'page {n}',
      none: 'No anomaly matches.', soldUnits: 'Units sold', packSize: 'Pack size', saleCount: 'Sales',
      sites: 'Sale sites', lastSale: 'Last sale', destroyed: 'Destroyed', lookups: 'Public look-ups', yes: 'yes',
      no: 'no', judged: 'judged #{n}', chartRange: '{from} to {to}', exporting: 'Exporting…',
      totals: '{from} to {to}: {n} anomalies ({a} alerts · {w} warnings)', timeZone: 'All times are local: {tz}',
      chartTime: 'Time',
      doc: 'doc', qty: 'qty', split: 'split', voided: 'voided', unknown: 'unknown', state: 'Case state', liveTitle: 'Live alerts',
      liveStart: 'Start', liveStop: 'Stop', liveHint: 'New anomalies matching the filters above; resumes after a '
        + 'dropped connection without loss or repeats.', liveOff: 'off', liveConnecting: 'connecting…',
      liveOn: 'live', liveRetry: 'connection lost, resuming in {s} s…',
      liveResync: 'too far behind: resumed from the newest; the list was reloaded.', liveCount: '{n} received',
      ringsTitle: 'Code-sharing rings', minShared: 'Shared codes per edge, at least', ringFind: 'Find rings',
      ringHint: 'Time range and region come from the filters above (by default the 24 hours up to the newest anomaly).', ringSites: 'Sites',
      sharedCodes: 'Shared codes', cities: 'Cities', noRings: 'No ring in this range.', ringEdges: 'Between sites',
      sampleCodes: 'Sample codes', neighbours: 'Sites sharing codes with {site}', bulkTo: 'Change selected to',
      note: 'Note', bulkApply: 'Apply to selected', bulkNone: 'Select anomalies and write a note first.',
      bulkDone: '{u} updated, {c} conflicts', selected: '{n} selected', caseTitle: 'Case', changeTo: 'Change to',
      save: 'Save', caseHistory: 'History', noChanges: 'No change yet', conflict: 'Changed by someone else: now {s}'
    }
  };

  var lang = sessionStorage.getItem('ts.lang') || 'zh';
  var key = sessionStorage.getItem('ts.key');
  var cursors = [null];   // cursor of each page seen; the last entry is the current page's
  var nextCursor = null;
  var chart = null;
  var dataEnd = null;     // the hour after the newest anomaly: the default range is the 24 h up to it

  function $(id) { return document.getElementById(id); }
  function t(k) { return (TEXT[lang] && TEXT[lang][k]) || TEXT.en[k] || TEXT.zh[k] || k; }
  function label(v) { return lang === 'zh' && TEXT.zh[v] ? TEXT.zh[v] + ' ' + v : v; }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (a) {
      if (a === 'text') { e.textContent = attrs[a]; } else if (a === 'class') { e.className = attrs[a]; }
      else { e.setAttribute(a, attrs[a]); }
    });
    (children || []).forEach(function (c) { if (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); } });
    return e;
  }
  function fmt(iso) {
    if (!iso) { return ''; }
    var d = new Date(iso);
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' +
      p(d.getMinutes()) + ':' + p(d.getSeconds());
  }

  // The browser's time zone, named, e.g. "Asia/Shanghai (UTC+08:00)": every time on the page is in it.
  function zoneName() {
    var off = -new Date().getTimezoneOffset();
    var p = function (n) { return (n < 10 ? '0' : '') + n; };
    var utc = 'UTC' + (off >= 0 ? '+' : '-') + p(Math.floor(Math.abs(off) / 60)) + ':' + p(Math.abs(off) % 60);
    var name = '';
    try { name = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { /* old browser */ }
    return name && name !== 'UTC' && name !== 'Etc/UTC' ? name + ' (' + utc + ')' : utc;
  }
  function detailText(d) { return window.TsDetail ? window.TsDetail(d, lang, fmt) : d; }
  function count(n) { return Number(n).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB'); }

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    if ($('tz')) { $('tz').textContent = t('timeZone').replace('{tz}', zoneName()); }
    document.title = t('title');
    Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (e) {
      e.textContent = t(e.getAttribute('data-i18n'));
    });
    $('lang').textContent = lang === 'zh' ? 'English' : '中文';
    fillSelect($('f-type'), TYPES);
    fillSelect($('f-suspicion'), SUSPICIONS);
    fillSelect($('f-level'), LEVELS);
    fillSelect($('f-state'), STATES);
    // anomalies of sales their site deleted (3507) afterwards: shown, hidden, or alone
    fillChoices($('f-voided'), [['', 'any'], ['false', 'voidedHide'], ['true', 'voidedOnly']]);
    fillStates($('bulk-state'), CHANGES);
    setLiveStatus(live.status);
    $('live-toggle').textContent = t(live.on ? 'liveStop' : 'liveStart');
  }

  function fillStates(select, values) {
    var current = select.value;
    select.textContent = '';
    values.forEach(function (v) { select.appendChild(el('option', { value: v, text: label(v) })); });
    if (values.indexOf(current) >= 0) { select.value = current; }
  }

  function fillChoices(select, choices) {
    var current = select.value;
    select.textContent = '';
    choices.forEach(function (c) { select.appendChild(el('option', { value: c[0], text: t(c[1]) })); });
    select.value = current;
  }

  function fillSelect(select, values) {
    var current = select.value;
    select.textContent = '';
    select.appendChild(el('option', { value: '', text: t('any') }));
    values.forEach(function (v) { select.appendChild(el('option', { value: v, text: label(v) })); });
    select.value = current;
  }

  // ---- API ----

  function api(path, accept) {
    return request('GET', path, null, accept);
  }

  function request(method, path, body, accept) {
    var headers = { 'Authorization': 'Bearer ' + key, 'Accept': accept || 'application/json' };
    if (body) { headers['Content-Type'] = 'application/json'; }
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) {
        if (r.status === 401) { signOut(t('badKey')); throw new Error(t('badKey')); }
        if (r.status === 403) { signOut(t('wrongRole')); throw new Error(t('wrongRole')); }
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (p) {
            var msg = p.detail || ('HTTP ' + r.status);
            if (p.errors) { msg += ': ' + p.errors.map(function (e) { return e.field + ' ' + e.message; }).join('; '); }
            var err = new Error(msg);
            err.status = r.status;
            err.problem = p;
            throw err;
          });
        }
        return accept === 'text/csv' ? r.blob() : r.json();
      });
  }

  function filterParams() {
    var q = new URLSearchParams();
    [['type', 'f-type'], ['suspicion', 'f-suspicion'], ['level', 'f-level'], ['siteId', 'f-site'],
      ['region', 'f-region'], ['product', 'f-product'], ['state', 'f-state'], ['voided', 'f-voided']].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) { q.set(p[0], v); }
    });
    ['from', 'to'].forEach(function (name) {
      var v = $('f-' + name).value;
      if (v) { q.set(name, new Date(v).toISOString()); }
    });
    return q;
  }

  function showError(e) { $('error').textContent = e ? (e.message || String(e)) : ''; }

  // ---- sign in ----

  function signIn(candidate) {
    key = candidate;
    $('signin-error').textContent = '';
    return fetch('/api/v1/anomalies?limit=1', { headers: { 'Authorization': 'Bearer ' + key } }).then(function (r) {
      if (r.status === 401) { throw new Error(t('badKey')); }
      if (r.status === 403) { throw new Error(t('wrongRole')); }
      if (!r.ok) { throw new Error('HTTP ' + r.status); }
      sessionStorage.setItem('ts.key', key);
      $('signin-panel').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
      refresh();
    }).catch(function (e) {
      key = null;
      sessionStorage.removeItem('ts.key');
      $('signin-error').textContent = e.message === 'Failed to fetch' ? t('unreachable') : e.message;
    });
  }

  function signOut(message) {
    stopLive();
    key = null;
    sessionStorage.removeItem('ts.key');
    $('app').hidden = true;
    $('timeline').hidden = true;
    $('case').hidden = true;
    $('signout').hidden = true;
    $('signin-panel').hidden = false;
    $('key').value = '';
    $('signin-error').textContent = message || '';
  }

  // ---- anomaly table ----

  function refresh() {
    cursors = [null];
    showError(null);
    loadPage();
    latest().then(function () { loadTotals(); loadRanking(); loadChart(); loadRings(); });
    if (live.on) { restartLive(); }
  }

  // The newest anomaly's time: the default range ends at the hour after it, so data from yesterday (the demo's
  // day) fills the chart instead of a sliver of a week.
  function latest() {
    return api('/api/v1/anomalies?limit=1').then(function (p) {
      dataEnd = p.items.length ? new Date((Math.floor(Date.parse(p.items[0].scannedAt) / 3600000) + 1) * 3600000) : null;
    }).catch(function () { dataEnd = null; });
  }

  function loadTotals() {
    var q = rangeParams();
    q.set('groupBy', 'type');
    var r = range();
    return api('/api/v1/anomalies/summary?' + q).then(function (s) {
      var n = 0, a = 0, w = 0;
      s.groups.forEach(function (g) { n += g.count; a += g.alerts; w += g.warnings; });
      $('totals').textContent = t('totals').replace('{from}', fmt(r.from.toISOString()))
        .replace('{to}', fmt(r.to.toISOString())).replace('{n}', count(n)).replace('{a}', count(a))
        .replace('{w}', count(w));
    }).catch(showError);
  }

  function loadPage() {
    var q = filterParams();
    q.set('limit', $('f-limit').value);
    var cursor = cursors[cursors.length - 1];
    if (cursor) { q.set('cursor', cursor); }
    $('rows').setAttribute('aria-busy', 'true');
    return api('/api/v1/anomalies?' + q).then(function (page) {
      nextCursor = page.nextCursor || null;
      renderRows(page.items);
      $('page-info').textContent = t('page').replace('{n}', cursors.length);
      $('next').disabled = !nextCursor;
      $('prev').disabled = cursors.length < 2;
      $('first').disabled = cursors.length < 2;
    }).catch(showError).then(function () { $('rows').removeAttribute('aria-busy'); });
  }

  function renderRows(items) {
    var body = $('rows');
    body.textContent = '';
    $('select-all').checked = false;
    updateSelection();
    if (!items.length) {
      body.appendChild(el('tr', {}, [el('td', { colspan: '11', class: 'hint', text: t('none') })]));
      return;
    }
    items.forEach(function (a) {
      var link = el('a', { class: 'code', href: '#', 'data-code': a.canonical, text: a.canonical });
      link.addEventListener('click', function (ev) { ev.preventDefault(); openTimeline(a.canonical); });
      var c = a.conflictsWith;
      var conflict = c ? [c.siteId || '', c.documentNo || '', fmt(c.scannedAt)].filter(Boolean).join(' · ') : '';
      var pick = el('input', { type: 'checkbox', class: 'pick', 'data-id': String(a.id), 'aria-label': String(a.id) });
      pick.addEventListener('change', updateSelection);
      var state = el('a', { href: '#', class: 'state ' + a.state, 'data-state': a.state, text: label(a.state) });
      state.addEventListener('click', function (ev) { ev.preventDefault(); openCase(a); });
      body.appendChild(el('tr', { 'data-id': String(a.id) }, [
        el('td', { class: 'time', text: fmt(a.scannedAt) }), el('td', { text: label(a.type) }),
        el('td', { text: label(a.suspicion) }), el('td', { class: a.level, text: label(a.level) }),
        el('td', { class: 'code' }, [link]), el('td', { text: a.siteId }), el('td', { text: a.region }),
        el('td', { text: detailText(a.detail) }), el('td', { text: conflict }),
        // a sale the site deleted (3507) after it was flagged: still listed, marked
        el('td', {}, a.voidedAt ? [state, el('span', { class: 'voided', title: fmt(a.voidedAt), text: ' · ' + t('voided') })] : [state]),
        el('td', {}, [pick])
      ]));
    });
  }

  // ---- ranking and chart ----

  // Totals, ranking and chart cover the filter's from/to, by default the 24 hours up to the newest anomaly (or
  // now): a summary is bounded in time (an index range scan) rather than a pass over every anomaly ever stored.
  function range() {
    var f = filterParams();
    var to = f.get('to') ? new Date(f.get('to')) : f.get('from') || !dataEnd ? new Date() : dataEnd;
    var from = f.get('from') ? new Date(f.get('from')) : new Date(to.getTime() - 86400000);
    return { from: from, to: to, explicitTo: !!f.get('to') };
  }

  function rangeParams() {
    var r = range();
    var q = new URLSearchParams();
    q.set('from', r.from.toISOString());
    if (r.explicitTo) { q.set('to', r.to.toISOString()); }
    return q;
  }

  function loadRanking() {
    var q = rangeParams();
    q.set('groupBy', 'site');
    q.set('limit', '20');
    var r = range();
    $('ranking-note').textContent = t('chartRange').replace('{from}', fmt(r.from.toISOString()))
      .replace('{to}', fmt(r.to.toISOString()));
    return api('/api/v1/anomalies/summary?' + q).then(function (s) {
      var body = $('ranking');
      body.textContent = '';
      s.groups.forEach(function (g, i) {
        var row = el('tr', { 'data-site': g.key, title: g.name || '' }, [
          el('td', { text: String(i + 1) }), el('td', {}, [el('div', { text: g.key }),
            el('div', { class: 'hint', text: g.name || '' })]),
          el('td', { text: String(g.count) }), el('td', { class: 'ALERT', text: String(g.alerts) }),
          el('td', { class: 'WARNING', text: String(g.warnings) })]);
        row.addEventListener('click', function () { $('f-site').value = g.key; refresh(); });
        body.appendChild(row);
      });
    }).catch(showError);
  }

  function loadChart() {
    var q = rangeParams();
    var r = range();
    var from = r.from, to = r.to;
    q.set('groupBy', 'hour');
    return api('/api/v1/anomalies/summary?' + q).then(function (s) {
      var xs = [], alerts = [], warnings = [];
      var byHour = {};
      s.groups.forEach(function (g) { byHour[Date.parse(g.key)] = g; });
      // The summary answers the latest 1,000 hours of a longer range: the chart drew its first 1,000, so the most
      // recent anomalies were missing from it.
      var first = Math.floor(from.getTime() / 3600000) * 3600000;
      var last = Math.floor((to.getTime() - 1) / 3600000) * 3600000;
      var start = Math.max(first, last - 999 * 3600000);
      var hours = (last - start) / 3600000 + 1;
      for (var i = 0; i < hours; i++) {
        var h = start + i * 3600000;
        var g = byHour[h];
        xs.push(h / 1000);
        alerts.push(g ? g.alerts : 0);
        warnings.push(g ? g.warnings : 0);
      }
      var charted = start > first ? new Date(start) : from;
      $('chart-note').textContent = t('chartRange').replace('{from}', fmt(charted.toISOString()))
        .replace('{to}', fmt(to.toISOString()));
      drawChart([xs, alerts, warnings]);
    }).catch(showError);
  }

  function drawChart(data) {
    var box = $('chart');
    if (typeof uPlot === 'undefined') { box.textContent = data[1].reduce(function (a, b) { return a + b; }, 0) + ''; return; }
    if (chart) { chart.destroy(); }
    var locale = lang === 'zh' ? 'zh-CN' : 'en-GB';
    function tick(v) { // midnight: the date; otherwise the hour, 24-hour clock, in the console's language
      var d = new Date(v * 1000);
      return d.getHours() === 0 && d.getMinutes() === 0
        ? d.toLocaleDateString(locale, { month: 'short', day: 'numeric' })
        : d.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit', hour12: false });
    }
    chart = new uPlot({
      width: Math.max(300, box.clientWidth || 600), height: 130,
      series: [{ label: t('chartTime'), value: function (u, v) { return v == null ? '—' : fmt(new Date(v * 1000).toISOString()); } },
        { label: t('alerts'), stroke: '#c62828', fill: 'rgba(198,40,40,.12)', width: 1.5 },
        { label: t('warnings'), stroke: '#b26a00', width: 1.5 }],
      axes: [{ values: function (u, splits) { return splits.map(tick); } }, { label: t('count') }],
      scales: { x: { time: true } }
    }, data, box);
  }

  // ---- timeline ----

  // A GS1 canonical is (01)GTIN(21)serial, the serial as it is; the code reader takes every unescaped '(' for an AI,
  // so a serial's own '(' is written \( (else "Q(10)X" would be read as serial Q with batch X: another box).
  function asWritten(canonical) {
    return /^\(01\)\d{14}\(21\)/.test(canonical)
      ? canonical.slice(0, 22) + canonical.slice(22).replace(/\(/g, '\\(') : canonical;
  }

  function openTimeline(code) {
    var panel = $('timeline');
    panel.hidden = false;
    $('timeline-code').textContent = code;
    $('timeline-state').textContent = '';
    $('timeline-events').textContent = '';
    return api('/api/v1/codes/' + encodeURIComponent(asWritten(code)) + '/events').then(function (r) {
      $('timeline-code').textContent = r.canonical + (r.productName ? ' — ' + r.productName : '');
      var st = $('timeline-state');
      var s = r.state;
      [['saleCount', s.saleCount], ['soldUnits', s.soldUnits + (s.packSize ? ' / ' + s.packSize : '')],
        ['sites', s.sites], ['lastSale', s.lastSale ? s.lastSale.siteId + ' · ' + fmt(s.lastSale.at) : '—'],
        ['destroyed', s.destroyed ? t('yes') + (s.destroyedBy ? ' · ' + s.destroyedBy.siteId + ' · '
          + fmt(s.destroyedBy.at) : '') : t('no')], ['lookups', s.lookups]].forEach(function (p) {
        st.appendChild(el('dt', { text: t(p[0]) }));
        st.appendChild(el('dd', { text: String(p[1]) }));
      });
      var list = $('timeline-events');
      r.events.forEach(function (e, i) {
        // Listed in time order, judged in arrival order: a back-dated upload was judged against scans listed after
        // it, and its place in judging order is what explains its verdict.
        var judged = e.judgedSeq !== i + 1 ? ' · ' + t('judged').replace('{n}', e.judgedSeq) : '';
        var anomalies = e.anomalies.map(function (a) {
          var c = a.conflictsWith;
          return el('div', { class: 'ev-anomaly ' + a.level }, [
            el('strong', { text: label(a.type) + ' · ' + label(a.suspicion) + ' · ' + label(a.level) }),
            el('div', { text: detailText(a.detail) }),
            c ? el('div', { class: 'ev-meta', text: '↔ ' + [c.siteId, c.documentNo, fmt(c.scannedAt)].filter(Boolean).join(' · ') }) : null
          ]);
        });
        list.appendChild(el('li', { class: e.status, 'data-status': e.status }, [
          el('div', { class: 'ev-head', text: fmt(e.scannedAt) + '  ' + label(e.type) + ' · ' + label(e.status)
            + judged }),
          el('div', { text: e.siteId + (e.siteName ? ' ' + e.siteName : '') + (e.region ? ' (' + e.region + ')' : '') }),
          el('div', { class: 'ev-meta', text: t('doc') + ' ' + e.documentNo + ' #' + e.lineNo + ' · ' + t('qty') + ' ' +
            e.quantity + (e.split ? ' · ' + t('split') : '') + (e.voidedAt ? ' · ' + t('voided') + ' ' + fmt(e.voidedAt) : '') +
            (e.error ? ' · ' + e.error : '') })
        ].concat(anomalies)));
      });
    }).catch(function (e) { $('timeline-state').appendChild(el('dd', { class: 'error', text: e.message })); });
  }

  // ---- export ----

  function exportCsv() {
    var button = $('export');
    button.disabled = true;
    button.textContent = t('exporting');
    api('/api/v1/anomalies?' + filterParams(), 'text/csv').then(function (blob) {
      // Excel reads a CSV without a byte-order mark in the machine's code page (GBK on a Chinese Windows), and the
      // Chinese in it came out garbled. The API's CSV stays without one, for the programs that read it.
      var url = URL.createObjectURL(new Blob(['\ufeff', blob], { type: 'text/csv;charset=utf-8' }));
      var a = el('a', { href: url, download: 'anomalies.csv' });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }).catch(showError).then(function () { button.disabled = false; button.textContent = t('export'); });
  }

  // ---- cases ----

  var openAnomaly = null;

  function openCase(a) {
    openAnomaly = a;
    $('case').hidden = false;
    $('case-id').textContent = '#' + a.id;
    $('case-summary').textContent = [label(a.type), label(a.suspicion), a.canonical, a.siteId, fmt(a.scannedAt)]
      .join(' · ');
    $('case-error').textContent = '';
    $('case-note').value = '';
    showCaseState(a.state);
    loadCaseHistory(a.id);
  }

  function showCaseState(state) {
    openAnomaly.state = state;
    $('case-state').textContent = label(state);
    $('case-state').setAttribute('data-state', state);
    fillStates($('case-to'), others(state));
    var cell = document.querySelector('#rows tr[data-id="' + openAnomaly.id + '"] a.state');
    if (cell) { cell.textContent = label(state); cell.className = 'state ' + state; cell.setAttribute('data-state', state); }
  }

  function loadCaseHistory(id) {
    return api('/api/v1/anomalies/' + id + '/history').then(function (h) {
      if (!openAnomaly || openAnomaly.id !== id) { return; }
      showCaseState(h.state);
      var list = $('case-history');
      list.textContent = '';
      if (!h.changes.length) { list.appendChild(el('li', { class: 'hint', text: t('noChanges') })); }
      h.changes.slice().reverse().forEach(function (c) {
        list.appendChild(el('li', {}, [
          el('div', { class: 'ev-head', text: label(c.from) + ' → ' + label(c.to) }),
          el('div', { class: 'ev-meta', text: fmt(c.at) + ' · ' + (c.keyLabel || c.keyId) }),
          el('div', { class: 'case-note', text: c.note })]));
      });
    }).catch(function (e) { $('case-error').textContent = e.message; });
  }

  function saveCase() {
    var a = openAnomaly;
    var note = $('case-note').value.trim();
    if (!a || !note) { return; }
    $('case-save').disabled = true;
    request('PATCH', '/api/v1/anomalies/' + a.id, { state: $('case-to').value, note: note, expectedState: a.state })
      .then(function (updated) {
        $('case-note').value = '';
        $('case-error').textContent = '';
        showCaseState(updated.state);
        return loadCaseHistory(a.id);
      }).catch(function (e) {
        if (e.status === 409 && e.problem && e.problem.state) {
          $('case-error').textContent = t('conflict').replace('{s}', label(e.problem.state));
          showCaseState(e.problem.state);
          return loadCaseHistory(a.id);
        }
        $('case-error').textContent = e.message;
      }).then(function () { $('case-save').disabled = false; });
  }

  function selectedIds() {
    return Array.prototype.map.call(document.querySelectorAll('#rows input.pick:checked'), function (c) {
      return Number(c.getAttribute('data-id'));
    });
  }

  function updateSelection() {
    var n = selectedIds().length;
    $('bulk-count').textContent = n ? t('selected').replace('{n}', n) : '';
  }

  function applyBulk() {
    var ids = selectedIds();
    var note = $('bulk-note').value.trim();
    if (!ids.length || !note) { $('bulk-result').textContent = t('bulkNone'); return; }
    $('bulk-apply').disabled = true;
    request('PATCH', '/api/v1/anomalies', { ids: ids, state: $('bulk-state').value, note: note })
      .then(function (r) {
        $('bulk-result').textContent = t('bulkDone').replace('{u}', r.updated.length)
          .replace('{c}', r.conflicts.length);
        $('bulk-note').value = '';
        return loadPage();
      }).catch(showError).then(function () { $('bulk-apply').disabled = false; });
  }

  // ---- live alerts (Server-Sent Events read with fetch, so the key travels in a header, never in a URL) ----

  var live = { on: false, status: 'liveOff', controller: null, lastId: null, retry: 3000, count: 0, timer: null };
  var LIVE_MAX = 100;

  function setLiveStatus(status, arg) {
    live.status = status;
    var text = t(status);
    if (arg !== undefined) { text = text.replace('{s}', arg); }
    $('live-status').textContent = text;
    $('live-status').setAttribute('data-state', status);
  }

  function startLive() {
    live.on = true;
    live.lastId = null;
    $('live-toggle').textContent = t('liveStop');
    connectLive();
  }

  function stopLive() {
    live.on = false;
    clearTimeout(live.timer);
    if (live.controller) { live.controller.abort(); live.controller = null; }
    if ($('live-toggle')) { $('live-toggle').textContent = t('liveStart'); setLiveStatus('liveOff'); }
  }

  // new filters: a new stream from the newest anomaly
  function restartLive() {
    stopLive();
    startLive();
  }

  function connectLive() {
    if (!live.on || !key) { return; }
    var headers = { 'Authorization': 'Bearer ' + key, 'Accept': 'text/event-stream' };
    if (live.lastId) { headers['Last-Event-ID'] = live.lastId; }
    var controller = new AbortController();
    live.controller = controller;
    setLiveStatus('liveConnecting');
    fetch('/api/v1/anomalies/stream?' + filterParams(), { headers: headers, signal: controller.signal, cache: 'no-store' })
      .then(function (r) {
        if (r.status === 401) { signOut(t('badKey')); return null; }
        if (r.status === 403) { signOut(t('wrongRole')); return null; }
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        setLiveStatus('liveOn');
        return readEvents(r.body.getReader(), controller);
      })
      .then(function () { if (live.controller === controller) { retryLive(); } },
        function () { if (live.controller === controller) { retryLive(); } });
  }

  function retryLive() {
    if (!live.on) { return; }
    setLiveStatus('liveRetry', Math.round(live.retry / 1000));
    live.timer = setTimeout(connectLive, live.retry);
  }

  // The EventSource rules: fields until a blank line; id: sets the last event id even without data.
  function readEvents(reader, controller) {
    var decoder = new TextDecoder();
    var buffer = '';
    var id = null, type = '', data = [];
    function line(l) {
      if (l === '') {
        if (id !== null) { live.lastId = id; }
        if (data.length) { onEvent(type || 'message', data.join('\n')); }
        id = null; type = ''; data = [];
        return;
      }
      if (l.charAt(0) === ':') { return; }
      var colon = l.indexOf(':');
      var field = colon < 0 ? l : l.substring(0, colon);
      var value = colon < 0 ? '' : l.substring(colon + 1).replace(/^ /, '');
      if (field === 'id') { id = value; }
      else if (field === 'event') { type = value; }
      else if (field === 'data') { data.push(value); }
      else if (field === 'retry' && /^[0-9]+$/.test(value)) { live.retry = Math.max(1000, Number(value)); }
    }
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done || live.controller !== controller) { return; }
        buffer += decoder.decode(chunk.value, { stream: true });
        var lines = buffer.split('\n');
        buffer = lines.pop();
        lines.forEach(function (l) { line(l.replace(/\r$/, '')); });
        return pump();
      });
    }
    return pump();
  }

  function onEvent(type, data) {
    var payload;
    try { payload = JSON.parse(data); } catch (e) { return; }
    if (type === 'resync') {
      $('live-status').textContent = t('liveResync');
      loadPage();
      return;
    }
    if (type !== 'message') { return; }
    live.count++;
    $('live-count').textContent = t('liveCount').replace('{n}', live.count);
    var list = $('live-list');
    var item = el('li', { class: 'live-item ' + payload.level, 'data-id': String(payload.id) }, [
      el('span', { class: 'live-time', text: fmt(payload.scannedAt) }),
      el('span', { class: payload.level, text: label(payload.level) }),
      el('span', { text: label(payload.type) + ' · ' + label(payload.suspicion) }),
      el('a', { href: '#', class: 'code', text: payload.canonical }),
      el('span', { text: payload.siteId + (payload.region ? ' (' + payload.region + ')' : '') }),
      el('span', { class: 'hint', text: payload.detail })
    ]);
    item.querySelector('a.code').addEventListener('click', function (ev) {
      ev.preventDefault();
      openTimeline(payload.canonical);
    });
    list.insertBefore(item, list.firstChild);
    while (list.children.length > LIVE_MAX) { list.removeChild(list.lastChild); }
  }

  // ---- rings ----

  var rings = [];
  var graph = null;
  var CITY_COLOURS = ['#1565c0', '#c62828', '#2e7d32', '#6a1b9a', '#ef6c00', '#00838f', '#5d4037', '#ad1457'];

  function siteName(s) { return s.name ? s.name : s.siteId; }

  function loadRings() {
    var q = rangeParams();
    var region = $('f-region').value.trim();
    if (region) { q.set('region', region); }
    q.set('minShared', $('ring-min').value || '3');
    q.set('limit', '20');
    var r = range();
    $('rings-note').textContent = t('chartRange').replace('{from}', fmt(r.from.toISOString()))
      .replace('{to}', fmt(r.to.toISOString()));
    return api('/api/v1/rings?' + q).then(function (answer) {
      rings = answer.rings;
      var body = $('ring-rows');
      body.textContent = '';
      if (!rings.length) {
        body.appendChild(el('tr', {}, [el('td', { colspan: '5', class: 'hint', text: t('noRings') })]));
        drawRing(null);
        return;
      }
      rings.forEach(function (ring, i) {
        var row = el('tr', { 'data-ring': ring.id }, [el('td', { text: String(i + 1) }),
          el('td', { text: String(ring.sites.length) }), el('td', { text: String(ring.sharedCodes) }),
          el('td', { text: String(ring.cities) }),
          el('td', { text: ring.sites.map(siteName).join('、') })]);
        row.addEventListener('click', function () { selectRing(i); });
        body.appendChild(row);
      });
      selectRing(0);
    }).catch(showError);
  }

  function selectRing(i) {
    Array.prototype.forEach.call(document.querySelectorAll('#ring-rows tr'), function (row, j) {
      row.classList.toggle('selected', j === i);
    });
    drawRing(rings[i]);
  }

  function drawRing(ring) {
    var box = $('ring-graph');
    var detail = $('ring-detail');
    detail.textContent = '';
    if (graph) { graph.destroy(); graph = null; }
    box.textContent = '';
    box.removeAttribute('data-ring');
    if (!ring) { return; }
    box.setAttribute('data-ring', ring.id);
    var cities = {};
    ring.sites.forEach(function (s) {
      var city = (s.region || '').substring(0, 4);
      if (!(city in cities)) { cities[city] = CITY_COLOURS[Object.keys(cities).length % CITY_COLOURS.length]; }
    });
    var byId = {};
    ring.sites.forEach(function (s) { byId[s.siteId] = s; });
    var heaviest = ring.edges.reduce(function (m, e) { return Math.max(m, e.sharedCodes); }, 1);
    if (typeof cytoscape === 'function') {
      var elements = ring.sites.map(function (s) {
        return { data: { id: s.siteId, label: siteName(s) + '\n' + s.siteId,
          colour: cities[(s.region || '').substring(0, 4)] } };
      }).concat(ring.edges.map(function (e) {
        return { data: { id: e.a + '|' + e.b, source: e.a, target: e.b, label: String(e.sharedCodes),
          width: 1 + 7 * e.sharedCodes / heaviest } };
      }));
      graph = cytoscape({
        container: box, elements: elements, userZoomingEnabled: false, boxSelectionEnabled: false,
        style: [
          { selector: 'node', style: { 'background-color': 'data(colour)', 'label': 'data(label)', 'color': '#1d2433',
            'font-size': 11, 'text-wrap': 'wrap', 'text-valign': 'bottom', 'text-margin-y': 4, 'width': 26,
            'height': 26 } },
          { selector: 'edge', style: { 'width': 'data(width)', 'line-color': '#9fb3c8', 'label': 'data(label)',
            'font-size': 11, 'color': '#c62828', 'text-background-color': '#fff', 'text-background-opacity': 1,
            'text-background-padding': 2, 'curve-style': 'straight' } },
          { selector: 'node:selected', style: { 'border-width': 3, 'border-color': '#102a43' } }
        ],
        layout: ring.sites.length <= 8 ? { name: 'circle', padding: 40 } : { name: 'cose', animate: false, padding: 30 }
      });
      graph.on('tap', 'node', function (ev) { showNeighbours(ev.target.id()); });
    } else {
      box.textContent = ring.sites.map(siteName).join(' — ');
    }
    var edges = el('table', { class: 'compact ring-edges' }, [el('thead', {}, [el('tr', {}, [
      el('th', { text: t('ringEdges') }), el('th', { text: t('sharedCodes') })])])]);
    var tbody = el('tbody');
    ring.edges.forEach(function (e) {
      tbody.appendChild(el('tr', {}, [el('td', { text: siteName(byId[e.a] || { siteId: e.a }) + ' ↔ ' +
        siteName(byId[e.b] || { siteId: e.b }) }), el('td', { text: String(e.sharedCodes) })]));
    });
    edges.appendChild(tbody);
    var samples = el('p', { class: 'ring-samples' }, [el('span', { class: 'hint', text: t('sampleCodes') + ': ' })]);
    ring.sampleCodes.forEach(function (c) {
      var a = el('a', { href: '#', class: 'code', text: c });
      a.addEventListener('click', function (ev) { ev.preventDefault(); openTimeline(c); });
      samples.appendChild(a);
      samples.appendChild(document.createTextNode(' '));
    });
    detail.appendChild(edges);
    detail.appendChild(samples);
    detail.appendChild(el('div', { id: 'ring-neighbours' }));
  }

  function showNeighbours(siteId) {
    var q = rangeParams();
    return api('/api/v1/rings/sites/' + encodeURIComponent(siteId) + '?' + q).then(function (r) {
      var box = $('ring-neighbours');
      if (!box) { return; }
      box.textContent = '';
      box.appendChild(el('h3', { text: t('neighbours').replace('{site}', siteName(r)) }));
      var list = el('ul');
      r.neighbours.forEach(function (n) {
        list.appendChild(el('li', { text: siteName(n) + ' (' + n.siteId + '): ' + n.sharedCodes }));
      });
      box.appendChild(list);
    }).catch(showError);
  }

  // ---- wiring ----

  document.addEventListener('DOMContentLoaded', function () {
    applyLanguage();
    $('lang').addEventListener('click', function () {
      lang = lang === 'zh' ? 'en' : 'zh';
      sessionStorage.setItem('ts.lang', lang);
      applyLanguage();
      if (key) { refresh(); }
    });
    $('signin-form').addEventListener('submit', function (ev) { ev.preventDefault(); signIn($('key').value.trim()); });
    $('signout').addEventListener('click', function () { signOut(''); });
    $('filters').addEventListener('submit', function (ev) { ev.preventDefault(); refresh(); });
    $('reset').addEventListener('click', function () { $('filters').reset(); refresh(); });
    $('export').addEventListener('click', exportCsv);
    $('next').addEventListener('click', function () { if (nextCursor) { cursors.push(nextCursor); loadPage(); } });
    $('prev').addEventListener('click', function () { if (cursors.length > 1) { cursors.pop(); loadPage(); } });
    $('first').addEventListener('click', function () { cursors = [null]; loadPage(); });
    $('timeline-close').addEventListener('click', function () { $('timeline').hidden = true; });
    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape') { $('timeline').hidden = true; $('case').hidden = true; }
    });
    $('case-close').addEventListener('click', function () { $('case').hidden = true; });
    $('case-form').addEventListener('submit', function (ev) { ev.preventDefault(); saveCase(); });
    $('bulk').addEventListener('submit', function (ev) { ev.preventDefault(); applyBulk(); });
    $('select-all').addEventListener('change', function () {
      var on = $('select-all').checked;
      Array.prototype.forEach.call(document.querySelectorAll('#rows input.pick'), function (c) { c.checked = on; });
      updateSelection();
    });
    $('live-toggle').addEventListener('click', function () { if (live.on) { stopLive(); } else { startLive(); } });
    $('ring-form').addEventListener('submit', function (ev) { ev.preventDefault(); loadRings(); });
    if (key) { signIn(key); }
  });
})();
