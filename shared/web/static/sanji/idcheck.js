/* Live check of ID numbers (GB 11643) and USCCs (GB 32100 + GB 11714) while typing.
 *
 * The same rules and Chinese messages as shared/ids (the server checks again on submit;
 * this only saves a villager's trip when a digit was mistyped). No dependencies.
 * Usage: <input data-idcheck data-idtype-from="select[name=id_type]"
 * aria-describedby="X"> and <span id="X" class="idcheck-msg"> for the message. SanjiIdCheck.check(type, value, today) is used by tests.
 */
(function (root) {
  "use strict";
  var ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var ID_CHECK = "10X98765432";
  var USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  var ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
  var ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var FORBIDDEN = "IOZSV";

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function iso(d) { return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()); }
  function isDigit(c) { return c >= "0" && c <= "9"; }

  function checkId(raw, today) {
    var n = raw.trim();
    if (n.charAt(n.length - 1) === "x") { n = n.slice(0, -1) + "X"; }
    if (n.length !== 18) { return "应为 18 位，实际为 " + n.length + " 位"; }
    for (var i = 0; i < 17; i++) {
      if (!isDigit(n.charAt(i))) { return "第 " + (i + 1) + " 位应为数字，实际为“" + n.charAt(i) + "”"; }
    }
    var last = n.charAt(17);
    if (!isDigit(last) && last !== "X") { return "第 18 位（校验码）应为数字或 X，实际为“" + last + "”"; }
    var y = +n.slice(6, 10), m = +n.slice(10, 12), d = +n.slice(12, 14);
    var shown = n.slice(6, 10) + "-" + n.slice(10, 12) + "-" + n.slice(12, 14);
    var born = new Date(y, m - 1, d);
    if (m < 1 || m > 12 || d < 1 || born.getFullYear() !== y || born.getMonth() !== m - 1 || born.getDate() !== d) {
      return "出生日期 " + shown + "（第 7–14 位）不存在";
    }
    if (y < 1900) { return "出生日期 " + shown + " 早于 1900 年"; }
    if (iso(born) > iso(today)) { return "出生日期 " + shown + " 晚于今天（" + iso(today) + "）"; }
    var sum = 0;
    for (var j = 0; j < 17; j++) { sum += (+n.charAt(j)) * ID_WEIGHTS[j]; }
    var expected = ID_CHECK.charAt(sum % 11);
    if (last !== expected) { return "校验码错误：第 18 位应为“" + expected + "”，实际为“" + last + "”"; }
    return "";
  }

  function checkUscc(raw) {
    var c = raw.trim().replace(/[a-z]/g, function (ch) { return ch.toUpperCase(); });
    if (c.length !== 18) { return "应为 18 位，实际为 " + c.length + " 位"; }
    for (var i = 0; i < 18; i++) {
      var ch = c.charAt(i);
      if (USCC_ALPHABET.indexOf(ch) < 0) {
        return FORBIDDEN.indexOf(ch) >= 0
          ? "第 " + (i + 1) + " 位为“" + ch + "”，统一社会信用代码不使用字母 I、O、Z、S、V"
          : "第 " + (i + 1) + " 位“" + ch + "”不是统一社会信用代码允许的字符（数字或除 I、O、Z、S、V 外的大写字母）";
      }
    }
    for (var p = 2; p < 8; p++) {
      if (!isDigit(c.charAt(p))) { return "第 3–8 位是行政区划码，应为数字，第 " + (p + 1) + " 位实际为“" + c.charAt(p) + "”"; }
    }
    var sum = 0;
    for (var j = 0; j < 17; j++) { sum += USCC_ALPHABET.indexOf(c.charAt(j)) * USCC_WEIGHTS[j]; }
    var expected = USCC_ALPHABET.charAt((31 - sum % 31) % 31);
    if (c.charAt(17) !== expected) { return "校验码错误：第 18 位应为“" + expected + "”，实际为“" + c.charAt(17) + "”"; }
    var org = 0;
    for (var k = 0; k < 8; k++) { org += ORG_ALPHABET.indexOf(c.charAt(8 + k)) * ORG_WEIGHTS[k]; }
    var r = 11 - org % 11;
    var orgExpected = r === 10 ? "X" : r === 11 ? "0" : String(r);
    if (c.charAt(16) !== orgExpected) {
      return "第 9–17 位组织机构代码的校验码错误：第 17 位应为“" + orgExpected + "”，实际为“" + c.charAt(16) + "”";
    }
    return "";
  }

  /* "" when valid, else the Chinese reason. type: "111" ID card, "001" USCC. */
  function check(type, value, today) {
    return type === "001" ? checkUscc(value) : checkId(value, today || new Date());
  }

  function wire(input) {
    var typeSel = document.querySelector(input.getAttribute("data-idtype-from") || "select[name=id_type]");
    var msg = document.getElementById(input.getAttribute("aria-describedby"));
    if (!msg) { return; }
    function run(final) {
      var value = input.value.trim();
      var type = typeSel ? typeSel.value : "111";
      if (!value || (!final && value.length < 18)) { msg.textContent = ""; msg.className = "idcheck-msg"; return; }
      var reason = check(type, value);
      msg.textContent = reason ? (type === "001" ? "统一社会信用代码无效：" : "身份证号码无效：") + reason : "✓ 号码校验通过";
      msg.className = "idcheck-msg " + (reason ? "field-error" : "field-ok");
      input.setAttribute("aria-invalid", reason ? "true" : "false");
    }
    input.addEventListener("input", function () { run(false); });
    input.addEventListener("blur", function () { run(true); });
    if (typeSel) { typeSel.addEventListener("change", function () { run(true); }); }
  }

  root.SanjiIdCheck = { check: check };
  if (root.document) {
    var start = function () { Array.prototype.forEach.call(document.querySelectorAll("input[data-idcheck]"), wire); };
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
  }
})(this);
