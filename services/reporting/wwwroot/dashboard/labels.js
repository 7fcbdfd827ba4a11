// zh-CN labels for the codes the API returns; English codes stay visible where no label is known.
window.Labels = {
  channel: { hotline: '热线', wechat_group: '微信群', qr_doorplate: '数字门牌', walk_in: '窗口来访', meeting: '居民议事',
    grid_patrol: '网格巡查', external_system: '外部平台', unknown: '未知' },
  tier: { compound: '小区', community: '社区', subdistrict: '街道', county: '县' },
  department: { emergency: '应急', city_management: '城管', police: '公安', fire: '消防', housing: '住建',
    civil_affairs: '民政', water: '水务', power: '供电' },
  level: { district: '县', subdistrict: '街道', community: '社区', compound: '小区', grid: '网格' },
  grade: { good: '好', fair: '中', poor: '差', ungraded: '样本不足' },
  takerKind: { member_unit: '共建单位', party_member: '党员' },
  councilKind: { three_party: '三方联动议事', joint_meeting: '联席会议' },
  clock: { accept: '接单', arrive: '到场', resolve: '办结', plan: '出方案' },
  // One label and one definition per figure, the same words as the exports (Exports/KpiLabels.cs) and docs/metrics.md.
  // Clocks carry no minutes: each category sets its own (sla_policies); the defaults are 1 min, 30 min, 1 h and 4 h.
  kpi: {
    acceptOnTimeRate: ['接单及时率', '首次接单未超过首次承诺时限的诉求 ÷ 接单时限已到的诉求（已接单或已超时）；时限按类别设定，升级后重新计时不改变判定'],
    arriveOnTimeRate: ['到场及时率', '首次到场未超过首次承诺时限的诉求 ÷ 到场时限已到的诉求（已到场或已超时）'],
    resolveOnTimeRate: ['办结及时率', '首次办结未超过首次承诺时限的诉求 ÷ 办结时限已到的诉求（不含按方案办结的）'],
    planOnTimeRate: ['出方案及时率', '按时形成方案的诉求 ÷ 被判定为复杂且方案时限已到的诉求（已出方案，或到场判定复杂后超时）；无人处理的诉求不计入'],
    planKeptRate: ['方案按期办结率', '在方案承诺日期前办结的诉求 ÷ 方案日期已到的诉求'],
    satisfactionRate: ['满意率', '满意与基本满意 ÷ 回访接通并作答的诉求；未接通的不计入分母'],
    mediationSuccess: ['调解成功率', '调解成功 ÷ 调结（达成协议、调解失败、转办）；受理数另列'],
    serviceOrderCompletionRate: ['完成率（晒单÷点单）', '已晒单 ÷ 本期点单'],
    takerCompletionRate: ['完成率（晒单÷派单）', '已晒单 ÷ 派给该接单方的订单'],
    gridCoverage: ['网格覆盖率', '统计期内任一时刻有网格员或网格长在岗的网格 ÷ 全部网格（在岗不必发生变化，一直在岗即计入）'],
    averageDaysToHeld: ['平均召开用时', '从安排议事会到记录召开的平均用时（早于计划日期召开的按实际用时计）'],
  },
  label(key) { return this.kpi[key][0]; },
  help(key) { return this.kpi[key][1]; },
  of(kind, code) { return (this[kind] && this[kind][code]) || code; },
};

// Shared by the dashboard and the bulletin: the token, the filter and the API calls.
window.Reporting = {
  token() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
    if (fromHash) sessionStorage.setItem('govplatform.token', fromHash);
    return fromHash || sessionStorage.getItem('govplatform.token');
  },
  // China Standard Time has no daylight saving: today's date there is UTC + 8 hours.
  chinaDate(offsetDays) {
    return new Date(Date.now() + 8 * 3600e3 + (offsetDays || 0) * 86400e3).toISOString().slice(0, 10);
  },
  filter() {
    const q = new URLSearchParams(location.search);
    return {
      from: q.get('from') || this.chinaDate(-29), to: q.get('to') || this.chinaDate(0),
      under: q.get('under') || '', bucket: q.get('bucket') || 'day',
    };
  },
  query(f, extra) {
    const q = new URLSearchParams({ from: f.from, to: f.to });
    if (f.under) q.set('under', f.under);
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q.toString();
  },
  async get(path) {
    const token = this.token();
    const response = await fetch(path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    if (response.status === 401 || response.status === 403) throw new Error('需要工作人员身份 (staff token required)');
    if (!response.ok) {
      let detail = response.statusText;
      try { const p = await response.json(); detail = p.errors ? Object.entries(p.errors).map(([k, v]) => k + ': ' + v).join('; ') : (p.detail || p.title); } catch { /* not JSON */ }
      throw new Error(detail);
    }
    return response.json();
  },
  pct(rate) { return rate == null || rate.value == null ? '—' : (rate.value * 100).toFixed(1) + '%'; },
  num(n, digits) { return n == null ? '—' : Number(n).toLocaleString('zh-CN', { maximumFractionDigits: digits ?? 0 }); },
  // A duration in days that may be under one: hours then, so a council held the same day never reads "0".
  days(d) { return d == null ? '—' : d < 1 ? this.num(d * 24, 1) + ' 小时' : this.num(d, 1) + ' 天'; },
  esc(s) { return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); },
};
