// TraceSentinel investigators' console: plain JS, no build step. Talks only to this service's /api/v1.
(function () {
  'use strict';

  var TYPES = ['DOUBLE_SCAN', 'REPEAT_SALE', 'RECEIVED_AFTER_SALE', 'PRODUCT_MISMATCH', 'SPLIT_OVERSOLD',
    'SPLIT_ACROSS_SITES', 'SOLD_AFTER_DESTROY', 'EXPIRED', 'UNKNOWN_PRODUCT', 'RETURN_MISMATCH'];
  var SUSPICIONS = ['OPERATOR_ERROR', 'SUBSTITUTED', 'DIVERTED', 'COUNTERFEIT', 'QUALITY', 'IRREGULAR'];
  var LEVELS = ['ALERT', 'WARNING'];

  var TEXT = {
    zh: {
      title: '药品追溯码异常调查台', signOut: '退出', signInTitle: '使用调查员密钥登录', apiKey: 'API 密钥',
      signIn: '登录', keyHint: '密钥只保存在本标签页（sessionStorage），关闭即清除。', type: '类型', suspicion: '疑点',
      level: '级别', site: '机构', region: '区划（前缀）', product: '产品', from: '开始时间', to: '结束时间',
      pageSize: '每页', apply: '查询', reset: '重置', export: '导出 CSV', overTime: '异常趋势（按小时）',
      ranking: '机构排名', count: '数量', alerts: '警报', warnings: '提示', anomalies: '异常列表', time: '扫码时间',
      code: '追溯码', detail: '说明', conflictsWith: '冲突记录', firstPage: '首页', prevPage: '上一页',
      nextPage: '下一页', timeline: '追溯码时间线', any: '（全部）', badKey: '密钥无效或已吊销。',
      wrongRole: '此密钥没有调查员权限。', unreachable: '无法连接服务。', page: '第 {n} 页', none: '没有符合条件的异常。',
      soldUnits: '已售数量', packSize: '包装规格', saleCount: '销售次数', sites: '销售机构数', lastSale: '最近销售',
      destroyed: '已销毁', lookups: '公众查询次数', yes: '是', no: '否', noState: '账本中无此码状态',
      chartRange: '{from} 至 {to}', exporting: '正在导出…', doc: '单据', qty: '数量', split: '拆零', unknown: '未知',
      ACCEPTED: '已接收', FLAGGED: '已标记', REJECTED: '已拒绝', SALE: '销售', RETURN: '退货', RECEIVE: '入库',
      DESTROY: '销毁', DOUBLE_SCAN: '重复扫码', REPEAT_SALE: '重复销售', RECEIVED_AFTER_SALE: '售后入库',
      PRODUCT_MISMATCH: '药品不符', SPLIT_OVERSOLD: '拆零超量', SPLIT_ACROSS_SITES: '跨机构拆零',
      SOLD_AFTER_DESTROY: '销毁后销售', EXPIRED: '过期', UNKNOWN_PRODUCT: '未知产品', RETURN_MISMATCH: '退货不符',
      OPERATOR_ERROR: '操作失误', SUBSTITUTED: '串换', DIVERTED: '回流', COUNTERFEIT: '假冒', QUALITY: '质量',
      IRREGULAR: '不规范', ALERT: '警报', WARNING: '提示',
      totals: '{from} 至 {to}：异常 {n} 条（警报 {a} · 提示 {w}）', timeZone: '时间均为本地时间：{tz}', chartTime: '时间'
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
      timeline: "Code's timeline", any: '(any)', badKey: 'Unknown or revoked key.',
      wrongRole: 'This key is not an investigator key.', unreachable: 'Cannot reach the service.', page: 'page {n}',
      none: 'No anomaly matches.', soldUnits: 'Units sold', packSize: 'Pack size', saleCount: 'Sales',
      sites: 'Sale sites', lastSale: 'Last sale', destroyed: 'Destroyed', lookups: 'Public look-ups', yes: 'yes',
      no: 'no', noState: 'No ledger state for this code', chartRange: '{from} to {to}', exporting: 'Exporting…',
      doc: 'doc', qty: 'qty', split: 'split', unknown: 'unknown',
      totals: '{from} to {to}: {n} anomalies ({a} alerts · {w} warnings)', timeZone: 'All times are local: {tz}',
      chartTime: 'Time'
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
    return fetch(path, { headers: { 'Authorization': 'Bearer ' + key, 'Accept': accept || 'application/json' } })
      .then(function (r) {
        if (r.status === 401) { signOut(t('badKey')); throw new Error(t('badKey')); }
        if (r.status === 403) { signOut(t('wrongRole')); throw new Error(t('wrongRole')); }
        if (!r.ok) {
          return r.json().catch(function () { return {}; }).then(function (p) {
            var msg = p.detail || ('HTTP ' + r.status);
            if (p.errors) { msg += ': ' + p.errors.map(function (e) { return e.field + ' ' + e.message; }).join('; '); }
            throw new Error(msg);
          });
        }
        return accept === 'text/csv' ? r.blob() : r.json();
      });
  }

  function filterParams() {
    var q = new URLSearchParams();
    [['type', 'f-type'], ['suspicion', 'f-suspicion'], ['level', 'f-level'], ['siteId', 'f-site'],
      ['region', 'f-region'], ['product', 'f-product']].forEach(function (p) {
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
    key = null;
    sessionStorage.removeItem('ts.key');
    $('app').hidden = true;
    $('timeline').hidden = true;
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
    latest().then(function () { loadTotals(); loadRanking(); loadChart(); });
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
    if (!items.length) {
      body.appendChild(el('tr', {}, [el('td', { colspan: '9', class: 'hint', text: t('none') })]));
      return;
    }
    items.forEach(function (a) {
      var link = el('a', { class: 'code', href: '#', 'data-code': a.canonical, text: a.canonical });
      link.addEventListener('click', function (ev) { ev.preventDefault(); openTimeline(a.canonical); });
      var c = a.conflictsWith;
      var conflict = c ? [c.siteId || '', c.documentNo || '', fmt(c.scannedAt)].filter(Boolean).join(' · ') : '';
      body.appendChild(el('tr', { 'data-id': String(a.id) }, [
        el('td', { class: 'time', text: fmt(a.scannedAt) }), el('td', { text: label(a.type) }),
        el('td', { text: label(a.suspicion) }), el('td', { class: a.level, text: label(a.level) }),
        el('td', { class: 'code' }, [link]), el('td', { text: a.siteId }), el('td', { text: a.region }),
        el('td', { text: detailText(a.detail) }), el('td', { text: conflict })
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
      var start = Math.floor(from.getTime() / 3600000) * 3600000;
      var hours = Math.min(1000, Math.ceil((to.getTime() - start) / 3600000));
      for (var i = 0; i < hours; i++) {
        var h = start + i * 3600000;
        var g = byHour[h];
        xs.push(h / 1000);
        alerts.push(g ? g.alerts : 0);
        warnings.push(g ? g.warnings : 0);
      }
      $('chart-note').textContent = t('chartRange').replace('{from}', fmt(from.toISOString()))
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

  function openTimeline(code) {
    var panel = $('timeline');
    panel.hidden = false;
    $('timeline-code').textContent = code;
    $('timeline-state').textContent = '';
    $('timeline-events').textContent = '';
    return api('/api/v1/codes/' + encodeURIComponent(code) + '/events').then(function (r) {
      $('timeline-code').textContent = r.canonical + (r.productName ? ' — ' + r.productName : '');
      var st = $('timeline-state');
      if (r.state) {
        var s = r.state;
        [['saleCount', s.saleCount], ['soldUnits', s.soldUnits + (s.packSize ? ' / ' + s.packSize : '')],
          ['sites', s.sites], ['lastSale', s.lastSale ? s.lastSale.siteId + ' · ' + fmt(s.lastSale.at) : '—'],
          ['destroyed', s.destroyed ? t('yes') : t('no')], ['lookups', s.lookups]].forEach(function (p) {
          st.appendChild(el('dt', { text: t(p[0]) }));
          st.appendChild(el('dd', { text: String(p[1]) }));
        });
      } else {
        st.appendChild(el('dd', { class: 'hint', text: t('noState') }));
      }
      var list = $('timeline-events');
      r.events.forEach(function (e) {
        var anomalies = e.anomalies.map(function (a) {
          var c = a.conflictsWith;
          return el('div', { class: 'ev-anomaly ' + a.level }, [
            el('strong', { text: label(a.type) + ' · ' + label(a.suspicion) + ' · ' + label(a.level) }),
            el('div', { text: detailText(a.detail) }),
            c ? el('div', { class: 'ev-meta', text: '↔ ' + [c.siteId, c.documentNo, fmt(c.scannedAt)].filter(Boolean).join(' · ') }) : null
          ]);
        });
        list.appendChild(el('li', { class: e.status, 'data-status': e.status }, [
          el('div', { class: 'ev-head', text: fmt(e.scannedAt) + '  ' + label(e.type) + ' · ' + label(e.status) }),
          el('div', { text: e.siteId + (e.siteName ? ' ' + e.siteName : '') + (e.region ? ' (' + e.region + ')' : '') }),
          el('div', { class: 'ev-meta', text: t('doc') + ' ' + e.documentNo + ' #' + e.lineNo + ' · ' + t('qty') + ' ' +
            e.quantity + (e.split ? ' · ' + t('split') : '') + (e.error ? ' · ' + e.error : '') })
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
      var url = URL.createObjectURL(blob);
      var a = el('a', { href: url, download: 'anomalies.csv' });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }).catch(showError).then(function () { button.disabled = false; button.textContent = t('export'); });
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
    document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') { $('timeline').hidden = true; } });
    if (key) { signIn(key); }
  });
})();
