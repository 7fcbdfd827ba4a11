(function () {
  const R = window.Reporting, L = window.Labels;
  const f = R.filter();
  const form = document.getElementById('filters');
  for (const name of ['from', 'to', 'under', 'bucket']) form.elements[name].value = f[name];
  document.getElementById('bulletin-link').href = 'bulletin.html?' + R.query(f) + location.hash;

  // SVG keeps every number in the page's DOM (readable, printable, testable); no animation so a
  // screenshot shows the final picture.
  function chart(id, option, values) {
    const el = document.getElementById(id);
    el.dataset.values = JSON.stringify(values);
    const c = echarts.init(el, null, { renderer: 'svg', locale: 'ZH' });
    c.setOption(Object.assign({ animation: false, textStyle: { fontFamily: 'sans-serif' } }, option));
    window.addEventListener('resize', () => c.resize());
  }

  function card(parent, key, label, value, note, help) {
    parent.insertAdjacentHTML('beforeend',
      `<div class="card" data-kpi="${key}"${help ? ` title="${R.esc(help)}"` : ''}><div class="label">${label}</div><div class="value">${value}</div>` +
      (note ? `<div class="note">${R.esc(note)}</div>` : '') + '</div>');
  }

  // Red (low) to green (high) for a rate; no colour when nothing was counted.
  function heat(rate) {
    if (rate == null || rate.value == null) return '';
    const hue = Math.round(rate.value * 120);
    return `style="background:hsl(${hue},70%,85%)"`;
  }

  async function load() {
    const [k, trend, tree, ranking] = await Promise.all([
      R.get('/api/v1/kpis?' + R.query(f)),
      R.get('/api/v1/kpis/trend?' + R.query(f, { bucket: f.bucket })),
      R.get('/api/v1/kpis/tree?' + R.query(f)),
      R.get('/api/v1/rankings?' + R.query(f, { level: 'community', metric: 'resolution' })),
    ]);
    const t = k.totals;

    const cards = document.getElementById('cards');
    card(cards, 'requests', '诉求总量', R.num(t.requests), `重复 ${t.duplicates}`);
    card(cards, 'responseRate', '响应率', R.pct(t.responseRate), `${t.responseRate.numerator}/${t.responseRate.denominator}`);
    card(cards, 'resolutionRate', '解决率', R.pct(t.resolutionRate), `${t.resolutionRate.numerator}/${t.resolutionRate.denominator}`);
    card(cards, 'satisfactionRate', L.label('satisfactionRate'), R.pct(t.satisfactionRate),
      `${t.satisfactionRate.numerator}/${t.satisfactionRate.denominator} · 接通作答 ${t.satisfactionRate.denominator} 件，未接通不计`, L.help('satisfactionRate'));
    card(cards, 'reopenRate', '重办率', R.pct(t.reopenRate));
    card(cards, 'duplicateRate', '重复率', R.pct(t.duplicateRate));
    card(cards, 'averageHandlingMinutes', '平均办理时长', R.num(t.averageHandlingMinutes, 1) + ' 分钟');
    card(cards, 'p90HandlingMinutes', '90分位办理时长', R.num(t.p90HandlingMinutes, 1) + ' 分钟');

    chart('chart-trend', {
      tooltip: { trigger: 'axis' }, legend: { data: ['诉求量', '解决率'], top: 0 }, grid: { left: 40, right: 50, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: trend.map(p => p.bucket) },
      yAxis: [{ type: 'value', name: '件' }, { type: 'value', name: '%', max: 100 }],
      series: [
        { name: '诉求量', type: 'bar', barMaxWidth: 48, data: trend.map(p => p.requests), label: { show: true, position: 'top' } },
        { name: '解决率', type: 'line', yAxisIndex: 1, data: trend.map(p => p.resolutionRate.value == null ? null : +(p.resolutionRate.value * 100).toFixed(1)) },
      ],
    }, Object.fromEntries(trend.map(p => [p.bucket, p.requests])));

    const categories = [...k.byCategory].reverse();
    chart('chart-category', {
      grid: { left: 100, right: 30, top: 10, bottom: 20 }, tooltip: {},
      xAxis: { type: 'value' }, yAxis: { type: 'category', data: categories.map(c => c.name) },
      series: [{ type: 'bar', barMaxWidth: 32, data: categories.map(c => c.requests), label: { show: true, position: 'right' } }],
    }, Object.fromEntries(k.byCategory.map(c => [c.name, c.requests])));

    chart('chart-channel', {
      tooltip: {},
      series: [{ type: 'pie', radius: ['35%', '65%'], label: { formatter: '{b}: {c}' },
        data: k.byChannel.map(c => ({ name: L.of('channel', c.key), value: c.requests })) }],
    }, Object.fromEntries(k.byChannel.map(c => [L.of('channel', c.key), c.requests])));

    const clocks = ['acceptOnTimeRate', 'arriveOnTimeRate', 'resolveOnTimeRate', 'planOnTimeRate', 'planKeptRate'].map(key => [L.label(key), t[key]]);
    document.getElementById('clocks-help').textContent =
      '时限按各类别的服务承诺；以首次承诺判定，升级或转派后重新计时不会把超时改为及时。' +
      clocks.map(c => `${c[0]} ${c[1].numerator}/${c[1].denominator}`).join('，') + '。';
    chart('chart-clocks', {
      grid: { left: 40, right: 20, top: 20, bottom: 30 }, tooltip: {},
      xAxis: { type: 'category', data: clocks.map(c => c[0]) }, yAxis: { type: 'value', max: 100, name: '%' },
      series: [{ type: 'bar', data: clocks.map(c => c[1].value == null ? null : +(c[1].value * 100).toFixed(1)),
        label: { show: true, position: 'top', formatter: '{c}%' } }],
    }, Object.fromEntries(clocks.map(c => [c[0], R.pct(c[1])])));

    document.querySelector('#clocks-by-tier tbody').innerHTML = k.clocksByTier.map(c =>
      `<tr><td>${L.of('tier', c.tier)}</td><td>${L.of('clock', c.clock)}</td><td>${c.onTime}/${c.ended}</td><td>${R.pct(c.rate)}</td></tr>`).join('');

    chart('chart-departments', {
      legend: { data: ['吹哨', '迟报或未报'], top: 0 }, grid: { left: 40, right: 20, top: 40, bottom: 30 }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: k.departments.map(d => L.of('department', d.department)) }, yAxis: { type: 'value' },
      series: [
        { name: '吹哨', type: 'bar', data: k.departments.map(d => d.whistled), label: { show: true, position: 'top' } },
        { name: '迟报或未报', type: 'bar', data: k.departments.map(d => d.lateOrMissed), label: { show: true, position: 'top' } },
      ],
    }, Object.fromEntries(k.departments.map(d => [L.of('department', d.department), { whistled: d.whistled, lateOrMissed: d.lateOrMissed }])));

    const depth0 = Math.min(...tree.map(n => n.depth));
    document.querySelector('#tree tbody').innerHTML = tree.map(n =>
      `<tr data-code="${R.esc(n.code)}"><td style="padding-left:${(n.depth - depth0) * 1.2 + 0.4}em">${R.esc(n.name)}</td>` +
      `<td>${L.of('level', n.level)}</td><td>${n.own}</td>` +
      [n.responseRate, n.resolutionRate, n.satisfactionRate, n.resolveOnTimeRate].map(r => `<td ${heat(r)}>${R.pct(r)}</td>`).join('') + '</tr>').join('');
    document.querySelectorAll('#tree tbody tr').forEach(tr => tr.addEventListener('click', () => {
      location.search = R.query(Object.assign({}, f, { under: tr.dataset.code }), { bucket: f.bucket });
    }));

    document.querySelector('#ranking tbody').innerHTML = ranking.entries.map(e =>
      `<tr class="${e.ranked ? '' : 'unranked'}"><td>${e.rank ?? '样本不足'}</td><td>${R.esc(e.name)}</td>` +
      `<td>${e.numerator}/${e.denominator}</td><td>${e.rate == null ? '—' : (e.rate * 100).toFixed(1) + '%'}</td><td>${(e.wilsonLowerBound * 100).toFixed(1)}%</td></tr>`).join('');
    document.getElementById('ranking-method').textContent = ranking.methodZh;

    document.querySelector('#companies tbody').innerHTML = k.propertyCompanies.map(c =>
      `<tr><td>${R.esc(c.company)}</td><td>${c.compounds}</td><td>${R.pct(c.resolution)}</td><td>${R.pct(c.satisfaction)}</td>` +
      `<td class="grade-${c.grade}">${L.of('grade', c.grade)}</td></tr>`).join('');

    const so = k.serviceOrders, o = document.getElementById('service-orders');
    card(o, 'serviceOrdersPlaced', '点单', R.num(so.placed));
    card(o, 'serviceOrderDispatchRate', '派单率', R.pct(so.dispatchRate), `派单 ${so.dispatched}`);
    card(o, 'serviceOrderTakeRate', '接单率', R.pct(so.takeRate), `接单 ${so.taken}`);
    card(o, 'serviceOrderCompletionRate', L.label('serviceOrderCompletionRate'), R.pct(so.completionRate), `晒单 ${so.completed} / 点单 ${so.placed}`,
      L.help('serviceOrderCompletionRate'));
    card(o, 'serviceOrderAverageCompletionHours', '平均完成时长', R.num(so.averageCompletionHours, 1) + ' 小时');
    const byCommunity = k.serviceOrdersByCommunity;
    chart('chart-service-orders', {
      legend: { data: ['点单', '派单', '接单', '晒单'], top: 0 }, grid: { left: 40, right: 20, top: 40, bottom: 30 }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: byCommunity.map(c => c.name) }, yAxis: { type: 'value' },
      series: ['placed', 'dispatched', 'taken', 'completed'].map((key, i) => ({
        name: ['点单', '派单', '接单', '晒单'][i], type: 'bar', data: byCommunity.map(c => c[key]), label: { show: true, position: 'top' } })),
    }, Object.fromEntries(byCommunity.map(c => [c.name, { placed: c.placed, dispatched: c.dispatched, taken: c.taken, completed: c.completed }])));
    document.querySelector('#takers tbody').innerHTML = k.serviceOrdersByTaker.map(t =>
      `<tr><td>${L.of('takerKind', t.takerKind)}</td><td>${R.esc((t.takerId || '—').slice(0, 8))}</td><td>${t.dispatched}</td><td>${t.taken}</td>` +
      `<td>${t.completed}</td><td>${R.pct(t.completionRate)}</td></tr>`).join('');

    document.querySelector('#councils tbody').innerHTML = k.councilsByKind.map(c =>
      `<tr><td>${L.of('councilKind', c.kind)}</td><td>${c.scheduled}</td><td>${c.held}</td><td>${c.open}</td>` +
      `<td>${R.days(c.averageDaysToHeld)}</td></tr>`).join('');

    const cn = k.communityNotifications, n = document.getElementById('notifications');
    card(n, 'communityNotified', '通知社区隐患', R.num(cn.notified), `涉及 ${cn.communities} 个社区`);
    card(n, 'communityNotifiedResolution', '通知隐患解决率', R.pct(cn.resolutionRate), `${cn.resolutionRate.numerator}/${cn.resolutionRate.denominator}`);

    const v = document.getElementById('volunteer');
    card(v, 'volunteerHours', '志愿服务时长', R.num(k.volunteer.hours, 1) + ' 小时', `${k.volunteer.volunteers} 人次`);
    card(v, 'pointsIssued', '发放积分', R.num(k.volunteer.pointsIssued));
    card(v, 'pointsRedeemed', '兑换积分', R.num(k.volunteer.pointsRedeemed));
    card(v, 'redemptionPickupRate', '兑换领取率', R.pct(k.volunteer.pickupRate),
      `预订 ${k.volunteer.redemptions} · 领取 ${k.volunteer.redemptionsPickedUp} · 退还 ${k.volunteer.redemptionsRefunded}`);
    card(v, 'mediationSuccess', L.label('mediationSuccess'), R.pct(k.mediation.success),
      `受理 ${k.mediation.opened} 件 · 调结 ${k.mediation.closed} 件 · 成功 ${k.mediation.agreements} 件`, L.help('mediationSuccess'));
    card(v, 'gridCoverage', L.label('gridCoverage'), R.pct(k.gridCoverage.rate),
      `${k.gridCoverage.covered}/${k.gridCoverage.grids} 个网格有人在岗`, L.help('gridCoverage'));
  }

  load().then(() => {
    document.getElementById('status').textContent = `统计区间 ${f.from} 至 ${f.to}` + (f.under ? ` · 区域 ${f.under}` : ' · 全县');
    document.body.dataset.state = 'ready';
  }, e => {
    document.getElementById('status').textContent = '加载失败：' + e.message;
    document.body.dataset.state = 'error';
  });
})();
