// Shared by the residents' pages: the session kept on this phone, and calls to intake's API.
const R = {
  session() { return localStorage.getItem('resident.session'); },
  phone() { return localStorage.getItem('resident.phone'); },
  save(s, phone) { localStorage.setItem('resident.session', s); localStorage.setItem('resident.phone', phone); },
  async api(method, url, body) {
    const headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const s = R.session(); if (s) headers['X-Resident-Session'] = s;
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null; try { data = await res.json(); } catch { }
    if (!res.ok) {
      if (res.status === 401) localStorage.removeItem('resident.session');
      const fields = data && data.errors ? Object.values(data.errors).flat().join('；') : '';
      const msg = res.status === 429 ? '操作太频繁，请稍后再试' : ((data && (data.title + (fields ? '：' + fields : ''))) || ('出错了（' + res.status + '）'));
      throw Object.assign(new Error(msg), { status: res.status, data });
    }
    return data;
  },
  el(id) { return document.getElementById(id); },
  show(id, on) { R.el(id).classList.toggle('hidden', !on); },
  text(s) { const d = document.createElement('div'); d.textContent = s ?? ''; return d.innerHTML; },
  when(iso) { return new Date(iso).toLocaleString('zh-CN', { hour12: false }); },
  // Where texts are off: find a nonce whose SHA-256 with the challenge starts with enough zero bits.
  async work(challenge, bits) {
    const enc = new TextEncoder();
    for (let n = 0; ; n++) {
      const h = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(challenge + ':' + n)));
      let z = 0; for (const b of h) { if (b === 0) { z += 8; continue; } z += Math.clz32(b) - 24; break; }
      if (z >= bits) return String(n);
    }
  },
  steps: { submitted: '已受理', linked: '已并入同一问题', assigned: '已派单', accepted: '网格员已接单', on_site: '已到现场', escalated: '已上报上级',
    whistled: '已吹哨部门', mediation: '矛盾调解', resolved: '已办结', plan_formed: '已形成办理方案', callback: '回访评价', reopened: '重新办理', closed: '已结案', triage: '分类中' },
};
