// The county dashboard's charts, drawn with the vendored ECharts from the JSON the page
// carries (#dashboard-data): a file, not an inline script, so the CSP stays strict.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);

  const font = {fontFamily: '"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'};
  function bars(id, title, rows, unit, horizontal) {
    const chart = echarts.init(document.getElementById(id));
    const names = rows.map(r => r.name), values = rows.map(r => r.value);
    chart.setOption({
      animation: false,  // slow office PCs: draw once, at once
      textStyle: font, title: {text: title},
      tooltip: {}, grid: {left: horizontal ? 200 : 40, right: 40, bottom: 30},
      xAxis: horizontal ? {type: 'value'} : {type: 'category', data: names},
      yAxis: horizontal ? {type: 'category', data: names, inverse: true, axisLabel: {interval: 0}} : {type: 'value', axisLabel: {formatter: '{value}' + unit}},
      series: [{type: 'bar', data: values, label: {show: true, position: horizontal ? 'right' : 'top', formatter: '{c}' + unit}}]
    });
  }
  bars('rates', '事项目录指标', data.rates, '%', false);
  bars('cases', '办件状态', data.cases, '', false);
  bars('departments', '各部门已发布事项数', data.departments, '', true);
  if (data.figures) {
    const chart = echarts.init(document.getElementById('figures-chart'));
    const rows = data.figures;
    chart.setOption({
      animation: false, textStyle: font, title: {text: '各部门办结率与按时办结率（%）及超期件'},
      tooltip: {trigger: 'axis'}, legend: {top: 28, data: ['办结率', '按时办结率', '超期件']},
      grid: {left: 50, right: 50, top: 70, bottom: 110},
      xAxis: {type: 'category', data: rows.map(r => r.name), axisLabel: {rotate: 40, interval: 0}},
      yAxis: [{type: 'value', name: '%', min: 0}, {type: 'value', name: '件', min: 0}],
      series: [
        {name: '办结率', type: 'bar', data: rows.map(r => r.completion)},
        {name: '按时办结率', type: 'bar', data: rows.map(r => r.on_time)},
        {name: '超期件', type: 'line', yAxisIndex: 1, data: rows.map(r => r.overdue)}
      ]
    });
  }
})();
