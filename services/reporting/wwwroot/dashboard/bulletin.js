(function () {
  const R = window.Reporting, L = window.Labels;
  // A bulletin covers a month: the one asked for, or by default the last complete month.
  const q = new URLSearchParams(location.search);
  const f = R.filter();
  if (!q.get('from')) {
    const today = R.chinaDate(0);
    const first = new Date(today.slice(0, 8) + '01T00:00:00Z');
    const prevLast = new Date(first.getTime() - 86400e3);
    f.from = prevLast.toISOString().slice(0, 8) + '01';
    f.to = prevLast.toISOString().slice(0, 10);
  }
  const rows = (id, items, cells) => {
    document.querySelector(`#${id} tbody`).innerHTML = items.length
      ? items.map(i => '<tr>' + cells(i).map(c => `<td>${c}</td>`).join('') + '</tr>').join('')
      : `<tr><td colspan="9">无</td></tr>`;
  };

  async function load() {
    const [k, ranking] = await Promise.all([
      R.get('/api/v1/kpis?' + R.query(f)),
      R.get('/api/v1/rankings?' + R.query(f, { level: 'community', metric: 'resolution' })),
    ]);
    const t = k.totals;
    const month = f.from.slice(0, 7) === f.to.slice(0, 7) ? `${f.from.slice(0, 4)}年${+f.from.slice(5, 7)}月` : `${f.from}至${f.to}`;
    document.getElementById('title').textContent = `民声总台${month}工作通报`;
    document.getElementById('period').textContent = `统计区间：${f.from} 至 ${f.to}` + (f.under ? `（区域 ${f.under}）` : '（全县）');
    document.getElementById('summary').innerHTML =
      `本期共受理群众诉求 <b data-kpi="requests">${t.requests}</b> 件，其中重复诉求 ${t.duplicates} 件；` +
      `响应率 <b data-kpi="responseRate">${R.pct(t.responseRate)}</b>，解决率 <b data-kpi="resolutionRate">${R.pct(t.resolutionRate)}</b>，` +
      `满意率 <b data-kpi="satisfactionRate">${R.pct(t.satisfactionRate)}</b>（回访接通并作答 ${t.satisfactionRate.denominator} 件，未接通的不计入），重办率 ${R.pct(t.reopenRate)}；` +
      `平均办理时长 ${R.num(t.averageHandlingMinutes, 1)} 分钟，90%的诉求在 ${R.num(t.p90HandlingMinutes, 1)} 分钟内解决。` +
      `本期吹哨 ${t.whistles} 次，召开议事会 ${t.councils} 次。`;
    rows('categories', k.byCategory, c => [R.esc(c.name), c.requests, c.resolved]);
    rows('clocks', ['acceptOnTimeRate', 'arriveOnTimeRate', 'resolveOnTimeRate', 'planOnTimeRate', 'planKeptRate'].map(key => [L.label(key), t[key]]),
      ([name, r]) => [name, `${r.numerator}/${r.denominator}`, R.pct(r)]);
    rows('ranking', ranking.entries, e => [e.rank ?? '样本不足', R.esc(e.name), `${e.numerator}/${e.denominator}`, e.rate == null ? '—' : (e.rate * 100).toFixed(1) + '%']);
    document.getElementById('method').textContent = ranking.methodZh;
    rows('councils', k.councilsByKind, c => [L.of('councilKind', c.kind), c.scheduled, c.held, c.open, R.days(c.averageDaysToHeld)]);
    rows('departments', k.departments, d => [L.of('department', d.department), d.whistled, d.reported, d.reportedLate, d.missed]);
    rows('companies', k.propertyCompanies, c => [R.esc(c.company), c.compounds, R.pct(c.resolution), R.pct(c.satisfaction), L.of('grade', c.grade)]);
    document.getElementById('volunteer').innerHTML =
      `志愿服务 ${R.num(k.volunteer.hours, 1)} 小时、${k.volunteer.volunteers} 人次；发放积分 ${k.volunteer.pointsIssued}，兑换积分 ${k.volunteer.pointsRedeemed}。` +
      `受理矛盾纠纷 ${k.mediation.opened} 件，调结 ${k.mediation.closed} 件，其中调解成功 ${k.mediation.agreements} 件，` +
      `调解成功率（成功÷调结）<b data-kpi="mediationSuccess">${R.pct(k.mediation.success)}</b>。` +
      `网格覆盖率 <b data-kpi="gridCoverage">${R.pct(k.gridCoverage.rate)}</b>（${k.gridCoverage.covered}/${k.gridCoverage.grids} 个网格在统计期内有网格员或网格长在岗）。` +
      `积分超市预订兑换 ${k.volunteer.redemptions} 笔，已领取 ${k.volunteer.redemptionsPickedUp} 笔，领取率 ${R.pct(k.volunteer.pickupRate)}。`;
    const so = k.serviceOrders, cn = k.communityNotifications;
    document.getElementById('service-orders').innerHTML =
      `本期群众点单 <b data-kpi="serviceOrdersPlaced">${so.placed}</b> 件，派单 ${so.dispatched} 件，接单 ${so.taken} 件，` +
      `完成晒单 ${so.completed} 件，完成率（晒单÷点单）<b data-kpi="serviceOrderCompletionRate">${R.pct(so.completionRate)}</b>，` +
      `平均完成时长 ${R.num(so.averageCompletionHours, 1)} 小时。` +
      `安全隐患即时通知社区 <b data-kpi="communityNotified">${cn.notified}</b> 件，已解决 ${cn.resolved} 件。`;
  }

  document.getElementById('definitions').innerHTML = Object.values(L.kpi)
    .map(([label, help]) => `<dt>${R.esc(label)}</dt><dd>${R.esc(help)}</dd>`).join('');

  load().then(() => { document.getElementById('status').textContent = ''; document.body.dataset.state = 'ready'; },
    e => { document.getElementById('status').textContent = '加载失败：' + e.message; document.body.dataset.state = 'error'; });
})();
