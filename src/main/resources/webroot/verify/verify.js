// The public look-up page: plain script, no library, nothing loaded from elsewhere.
(function () {
  'use strict';

  var TEXT = {
    zh: {
      pageTitle: '药品追溯码查询',
      title: '药品追溯码查询',
      intro: '查一查这盒药是否已经被卖过。追溯码印在药盒上，通常在条码或二维码旁边（20 位数字，或以 (01) 开头）。',
      codeLabel: '输入或粘贴追溯码',
      codeHint: '例如 81234567890123456789',
      check: '查询',
      or: '或者拍下药盒上的追溯码',
      takePhoto: '拍照查询',
      uploadPhoto: '从相册选择照片',
      privacy: '本页面只显示药品信息、销售日期和药店，不显示任何个人信息。',
      langButton: 'English', langLabel: 'Switch to English',
      NO_SALE_RECORD: '暂无销售记录',
      ONE_SALE: '已销售一次',
      MULTIPLE_SALES: '多次销售：请保留药盒并举报',
      INVALID_CODE: '不是有效的追溯码',
      destroyed: '已登记销毁或召回：请勿使用，请保留药盒并举报',
      reason: '原因', technical: '技术说明（英文）', report: '拨打 {p} 举报', reportLabel: '举报电话',
      genericName: '通用名', brandName: '商品名', spec: '规格', manufacturer: '生产企业', packSize: '包装数量',
      canonical: '追溯码', saleCount: '销售次数', unknownProduct: '药品目录中暂无此药品',
      sales: '最近的销售', updated: '数据更新时间：',
      checking: '正在查询…', reading: '正在识别照片中的追溯码…',
      empty: '请先输入追溯码。',
      errorTitle: '暂时无法查询',
      tooMany: '查询太频繁，请在 {s} 秒后再试。',
      tooManyOne: '查询太频繁，请在 1 秒后再试。',
      noCode: '照片中没有找到追溯码。请靠近一些、对准追溯码重新拍照，或者直接输入追溯码。',
      unavailable: '服务暂时繁忙，请稍后再试。',
      network: '网络连接失败，请检查网络后再试。',
      badPhoto: '无法读取这张照片，请换一张照片或直接输入追溯码。'
    },
    en: {
      pageTitle: 'Drug trace code check',
      title: 'Drug trace code check',
      intro: 'Check whether this box of medicine has already been sold. The trace code is printed on the box, usually next to a barcode or QR code (20 digits, or starting with (01)).',
      codeLabel: 'Type or paste the trace code',
      codeHint: 'For example 81234567890123456789',
      check: 'Check',
      or: 'Or take a photo of the trace code on the box',
      takePhoto: 'Take a photo',
      uploadPhoto: 'Choose a photo',
      privacy: 'This page shows only the medicine, sale dates and pharmacies, never anyone\'s personal details.',
      langButton: '中文', langLabel: '切换到中文',
      NO_SALE_RECORD: 'No sale on record',
      ONE_SALE: 'Sold once',
      MULTIPLE_SALES: 'Sold more than once: keep the box and report it',
      INVALID_CODE: 'Not a valid trace code',
      destroyed: 'Registered as destroyed or recalled: do not use it; keep the box and report it',
      reason: 'Why', technical: 'Technical detail', report: 'Call {p} to report it', reportLabel: 'To report',
      genericName: 'Generic name', brandName: 'Brand', spec: 'Strength / pack', manufacturer: 'Manufacturer',
      packSize: 'Units per box', canonical: 'Trace code', saleCount: 'Sales', unknownProduct: 'This medicine is not in the catalogue yet',
      sales: 'Latest sales', updated: 'Data as of ',
      checking: 'Checking…', reading: 'Reading the code in the photo…',
      empty: 'Please enter a trace code first.',
      errorTitle: 'Cannot check just now',
      tooMany: 'Too many look-ups: please try again in {s} seconds.',
      tooManyOne: 'Too many look-ups: please try again in a second.',
      noCode: 'No trace code was found in the photo. Move closer, aim at the code and try again, or type the code.',
      unavailable: 'The service is busy: please try again later.',
      network: 'No connection: check your network and try again.',
      badPhoto: 'This photo cannot be read: try another photo or type the code.'
    }
  };

  // Why a code is not valid, in words for the public (the API's reason); an unlisted reason shows the API's detail.
  var STRUCTURE = ['结构不对：可能少输或多输了字符。', 'Its structure is broken: a character may be missing or extra.'];
  var LINK = ['网址形式的追溯码不完整或格式不对。', 'The web-address form of the code is incomplete or malformed.'];
  var MA = ['MA 码的结构不对。', 'The MA code\'s structure is broken.'];
  var REASONS = {
    EMPTY: ['没有输入内容。', 'Nothing was entered.'],
    TOO_LONG: ['太长：追溯码最多 100 个字符。', 'Too long: a trace code has at most 100 characters.'],
    UNRECOGNISED_FORMAT: ['格式不对：追溯码是 20 位数字，或以 (01) 开头。', 'Not a trace code: it is 20 digits, or starts with (01).'],
    PRODUCT_BARCODE: ['这是商品条码，不是追溯码。追溯码通常印在它旁边。', 'This is the product barcode, not the trace code; the trace code is usually printed next to it.'],
    CN20_LENGTH: ['位数不对：这种追溯码正好 20 位数字。', 'Wrong length: this kind of trace code has exactly 20 digits.'],
    UNKNOWN_PREFIX: ['前 7 位不是已登记药品的编码：请核对输入；如无误，这盒药可能有问题，请举报。', 'The first 7 digits name no registered medicine: check what you typed; if it is right, this box may not be genuine: report it.'],
    NOT_NUMERIC: ['应该是数字的地方出现了其他字符。', 'A character other than a digit where digits belong.'],
    INVALID_CHARACTER: ['含有追溯码不使用的字符。', 'It contains a character trace codes do not use.'],
    UNKNOWN_AI: STRUCTURE, MALFORMED_BRACKETS: STRUCTURE, INVALID_VALUE: STRUCTURE, INVALID_PAIRING: STRUCTURE,
    REPEATED_FIELD: STRUCTURE,
    VALUE_TOO_SHORT: ['有一段太短：可能少输了字符。', 'A part is too short: a character may be missing.'],
    VALUE_TOO_LONG: ['有一段太长：可能多输了字符。', 'A part is too long: a character may be extra.'],
    CHECK_DIGIT: ['校验位不符：可能有一位输错了。', 'The check digit does not match: a digit was probably mistyped.'],
    INVALID_DATE: ['其中的日期不存在。', 'A date in it does not exist.'],
    MISSING_GTIN: ['缺少 (01) 商品编码。', 'The (01) product number is missing.'],
    MISSING_SERIAL: ['缺少 (21) 序列号：这只标识一种药品，不是某一盒。', 'The (21) serial number is missing: this names a product, not one box.'],
    DL_MALFORMED: LINK, DL_PERCENT_ENCODING: LINK, DL_PATH_QUALIFIER: LINK, DL_QUERY_ATTRIBUTE: LINK,
    MA_HEADER: MA, MA_EMPTY_UNIT: MA, MA_UNIT_LETTER: MA
  };

  var lang = 'zh';
  try { if (localStorage.getItem('verify.lang') === 'en') { lang = 'en'; } } catch (e) { /* private mode */ }
  var asked = new URLSearchParams(window.location.search).get('lang'); // a link may choose: ?lang=en or ?lang=zh
  if (asked === 'en' || asked === 'zh') { lang = asked; }
  var last = null; // the last answer or error, redrawn when the language changes

  function $(id) { return document.getElementById(id); }
  function t(key) { return TEXT[lang][key]; }

  function applyLanguage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('pageTitle');
    var nodes = document.querySelectorAll('[data-i18n]');
    for (var i = 0; i < nodes.length; i++) { nodes[i].textContent = t(nodes[i].getAttribute('data-i18n')); }
    var b = $('lang');
    b.textContent = t('langButton');
    b.setAttribute('aria-label', t('langLabel'));
    b.setAttribute('lang', lang === 'zh' ? 'en' : 'zh-CN');
    if (last) { last(); }
  }

  function setBusy(key) {
    var busy = $('busy');
    if (key) { busy.textContent = t(key); busy.hidden = false; } else { busy.hidden = true; busy.textContent = ''; }
    $('check').disabled = !!key;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function localTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return iso; }
    try {
      return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
    } catch (e) { return d.toLocaleString(); }
  }

  // A code on one line where it can, broken only between its parts: before a GS1 "(", after an MA ".".
  function codeNode(code) {
    var span = document.createElement('span');
    span.className = 'code';
    var text = String(code);
    var start = 0;
    for (var i = 1; i <= text.length; i++) {
      if (i === text.length || text.charAt(i) === '(' || text.charAt(i - 1) === '.') {
        if (start > 0) { span.appendChild(document.createElement('wbr')); }
        span.appendChild(document.createTextNode(text.substring(start, i)));
        start = i;
      }
    }
    return span;
  }

  function show(answer) {
    var box = $('result');
    // A destroyed or recalled box is an alarm whatever its sales: headed by its outcome alone, a box sold after its
    // recall read "sold once" in the reassuring green, the recall only in the text below.
    box.className = 'result ' + answer.outcome + (answer.destroyed ? ' destroyed' : '');
    box.setAttribute('data-outcome', answer.outcome);
    $('outcome').textContent = t(answer.destroyed ? 'destroyed' : answer.outcome);
    $('message').textContent = (lang === 'zh' ? answer.message : answer.messageEn) || answer.message || '';
    var dl = $('details');
    clear(dl);
    function row(key, value) {
      if (value === null || value === undefined || value === '') { return; }
      var dt = document.createElement('dt'); dt.textContent = t(key);
      var dd = document.createElement('dd');
      if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = String(value); }
      dl.appendChild(dt); dl.appendChild(dd);
    }
    if (answer.outcome === 'INVALID_CODE') {
      var words = REASONS[answer.reason];
      row('reason', words ? words[lang === 'zh' ? 0 : 1] : answer.detail);
      if (words && answer.detail) { row('technical', answer.detail); }
    } else {
      var p = answer.product;
      if (p) {
        row('genericName', p.genericName); row('brandName', p.brandName); row('spec', p.spec);
        row('manufacturer', p.manufacturer); row('packSize', p.packSize);
      } else {
        row('genericName', t('unknownProduct'));
      }
      row('canonical', answer.canonical ? codeNode(answer.canonical) : null);
      row('saleCount', answer.saleCount);
    }
    var list = $('sales');
    clear(list);
    var sales = answer.recentSales || [];
    for (var i = 0; i < sales.length; i++) {
      var li = document.createElement('li');
      var parts = [sales[i].date, sales[i].siteName, sales[i].region].filter(function (x) { return !!x; });
      li.textContent = parts.join(' · ');
      list.appendChild(li);
    }
    $('salesTitle').textContent = t('sales');
    $('salesTitle').hidden = sales.length === 0;
    var report = $('report');
    var alarming = answer.reportPhone && (answer.outcome === 'MULTIPLE_SALES' || answer.destroyed);
    report.hidden = !alarming;
    if (alarming) {
      report.href = 'tel:' + answer.reportPhone.replace(/[^0-9+]/g, '');
      report.textContent = t('report').replace('{p}', answer.reportPhone);
    }
    // An invalid code was never looked up: no "data as of" time for it.
    $('updated').textContent = answer.updatedAt && answer.outcome !== 'INVALID_CODE'
      ? t('updated') + localTime(answer.updatedAt) : '';
    box.hidden = false;
  }

  function showError(key, seconds) {
    var box = $('result');
    box.className = 'result error';
    box.setAttribute('data-outcome', 'ERROR');
    $('outcome').textContent = t('errorTitle');
    $('message').textContent = t(key === 'tooMany' && seconds === '1' ? 'tooManyOne' : key)
      .replace('{s}', seconds || '60');
    clear($('details')); clear($('sales'));
    $('salesTitle').hidden = true;
    $('report').hidden = true;
    $('updated').textContent = '';
    box.hidden = false;
  }

  function handle(response) {
    if (response.ok) {
      return response.json().then(function (answer) {
        last = function () { show(answer); };
        last();
      });
    }
    var key = response.status === 429 ? 'tooMany' : response.status === 422 ? 'noCode'
      : response.status === 413 || response.status === 415 || response.status === 400 ? 'badPhoto' : 'unavailable';
    var seconds = response.headers.get('Retry-After');
    last = function () { showError(key, seconds); };
    last();
  }

  function request(url, options, busyKey) {
    setBusy(busyKey);
    return fetch(url, options).then(handle, function () {
      last = function () { showError('network'); };
      last();
    }).then(function () {
      setBusy(null);
      $('outcome').focus({ preventScroll: true });
      $('result').scrollIntoView({ block: 'start' });
    });
  }

  function check(event) {
    event.preventDefault();
    // NFKC: a code typed with a Chinese input method in full-width mode (８１…, （０１）) is the same code.
    var code = $('code').value.normalize('NFKC').trim();
    if (!code) {
      last = function () { showError('empty'); };
      last();
      $('code').focus();
      return;
    }
    request('/api/v1/verify?code=' + encodeURIComponent(code), { headers: { Accept: 'application/json' } }, 'checking');
  }

  // Phone photos can exceed the service's limits (8 MiB; 40 megapixels, 16,384 px a side): those are re-encoded
  // smaller in the browser first. A 48-megapixel photo can weigh well under 8 MiB, so its pixels count too.
  var MAX_BYTES = 7.5 * 1024 * 1024;
  var MAX_PIXELS = 40000000;
  var MAX_SIDE = 16384;

  // An <img> reads the photo's size from its header; its pixels are decoded only if it is drawn.
  function tooManyPixels(file) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        URL.revokeObjectURL(url);
        var w = img.naturalWidth, h = img.naturalHeight;
        resolve(w * h > MAX_PIXELS || Math.max(w, h) > MAX_SIDE);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(false); };
      img.src = url;
    });
  }

  function shrink(file) {
    if (!window.createImageBitmap) { return Promise.resolve(file); }
    var large = file.size > MAX_BYTES ? Promise.resolve(true) : tooManyPixels(file);
    return large.then(function (tooLarge) { return tooLarge ? smaller(file) : file; });
  }

  function smaller(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 4000 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, 'image/jpeg', 0.92);
      });
    }, function () { return file; });
  }

  function photo(event) {
    var input = event.target;
    var file = input.files && input.files[0];
    if (!file) { return; }
    setBusy('reading');
    shrink(file).then(function (blob) {
      var type = blob.type && blob.type.indexOf('image/') === 0 ? blob.type : 'image/jpeg';
      return request('/api/v1/verify/image',
        { method: 'POST', headers: { 'Content-Type': type, Accept: 'application/json' }, body: blob }, 'reading');
    }).then(function () { input.value = ''; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('form').addEventListener('submit', check);
    $('camera').addEventListener('change', photo);
    $('upload').addEventListener('change', photo);
    $('lang').addEventListener('click', function () {
      lang = lang === 'zh' ? 'en' : 'zh';
      try { localStorage.setItem('verify.lang', lang); } catch (e) { /* private mode */ }
      applyLanguage();
    });
    var query = new URLSearchParams(window.location.search).get('code');
    applyLanguage();
    if (query) { $('code').value = query; $('form').requestSubmit ? $('form').requestSubmit() : check({ preventDefault: function () {} }); }
  });
})();
