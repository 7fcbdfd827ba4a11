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
  esc(s) { return String(s ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); },
};
