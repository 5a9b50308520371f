// An anomaly's detail as the service stores it (English, times in UTC: "sold at P44030500002 on
// 2026-11-30T23:30:00Z; another city, 1 h 30 min apart") in the console's language, every time in the browser's
// own time zone. The sentences are the ladder's (rules.Ladder); one it does not know keeps its words, and its
// times are still shown local.
window.TsDetail = (function () {
  'use strict';

  var ISO = /(\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z)/g;
  var UNITS = { d: '天', h: '小时', min: '分', s: '秒' };

  function duration(text) { // "1 d 2 h 30 min" -> "1 天 2 小时 30 分"
    return text.replace(/(\d+) (d|h|min|s)\b/g, function (m, n, u) { return n + ' ' + UNITS[u]; });
  }

  var ZH = [
    [/^no open sale to return$/, function () { return '没有可退货的未结销售'; }],
    [/^nothing to return: destroyed (.+)$/, function (m, w) { return '无可退货：已销毁（' + where(w) + '）'; }],
    [/^the open sale is at another site: sold (.+)$/, function (m, w) { return '未结销售在另一机构：' + where(w) + '售出'; }],
    [/^return dated (.+) before the sale: sold (.+)$/, function (m, d, w) {
      return '退货时间早于销售 ' + duration(d) + '：' + where(w) + '售出'; }],
    [/^returned (.+) after the sale, past the (.+) window: sold (.+)$/, function (m, d, win, w) {
      return '售出 ' + duration(d) + ' 后退货，超过 ' + duration(win) + ' 的退货期：' + where(w) + '售出'; }],
    [/^split sales reach (\d+) of (\d+) units$/, function (m, a, b) { return '拆零销售累计 ' + a + '，超过包装 ' + b + ' 个单位'; }],
    [/^split-sold (.+)$/, function (m, w) { return '已在 ' + where(w) + '拆零销售'; }],
    [/^destroyed (.+)$/, function (m, w) { return '已于 ' + where(w) + '销毁'; }],
    [/^billed as (.+), catalogue says (.+)$/, function (m, a, b) { return '按 ' + a + ' 结算，目录中为 ' + b; }],
    [/^expired (.+)$/, function (m, d) { return '已过期（有效期至 ' + d + '）'; }],
    [/^product (.+) not in the catalogue$/, function (m, p) { return '产品 ' + p + ' 不在药品目录中'; }],
    // Ladder.openSalesUnknown (a return undid one of several open sales) and Judge's LATE_DELETION: these stayed
    // English in the Chinese console until 2026-12-04
    [/^which open sale this returns is not known: (.+)$/, function (m, rest) {
      return '无法确定此退货对应哪一笔未结销售：' + zh(rest); }],
    [/^(\d+) sales? not returned, the latest not known since a return undid another \(see the code's history\)(?:; (.+))?$/,
      function (m, n, more) {
        return n + ' 笔销售未退货，因一次退货撤销了其中一笔，最近一笔不明（见该码的历史）' + (more ? '；' + extra(more) : ''); }],
    [/^sale of (.+) deleted (\d+) days? later, after the (\d+)-day return window$/, function (m, at, n, w) {
      return at + ' 的销售在 ' + n + ' 天后被删除，超过 ' + w + ' 天的退货期'; }],
    // a return window that is not whole days (TRACESENTINEL_RETURN_WINDOW_SECONDS), written as the ladder's durations
    [/^sale of (.+) deleted (.+) later, after the (.+) return window$/, function (m, at, d, w) {
      return at + ' 的销售在 ' + duration(d) + ' 后被删除，超过 ' + duration(w) + ' 的退货期'; }],
    [/^sold (.+?)(?:; (.+))?$/, function (m, w, more) { return '已于 ' + where(w) + '售出' + (more ? '；' + extra(more) : ''); }]
  ];

  function zh(text) { // the first sentence pattern that matches, in Chinese; else the text as it is
    for (var i = 0; i < ZH.length; i++) {
      var m = ZH[i][0].exec(text);
      if (m) { return ZH[i][1].apply(null, m); }
    }
    return text;
  }

  function where(w) { // "at P44030500002 on <time>" -> "P44030500002（<time>）"
    var m = /^at (.+) on (.+)$/.exec(w);
    if (m) { return m[1].replace(/^site #/, '机构 #') + '（' + m[2] + '）'; }
    return w === 'at an unknown site' ? '未知机构' : w;
  }

  function extra(more) {
    var m = /^now sold at (\d+) or more sites$/.exec(more);
    if (m) { return '已在 ' + m[1] + ' 家或更多机构售出'; }
    m = /^another city, (.+) apart$/.exec(more);
    if (m) { return '另一城市，相隔 ' + duration(m[1]); }
    return more;
  }

  return function (detail, lang, fmt) {
    if (!detail) { return ''; }
    var text = String(detail).replace(ISO, function (iso) { return fmt(iso); });
    return lang === 'zh' ? zh(text) : text;
  };
})();
