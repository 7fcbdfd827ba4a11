// The community's public board: nothing here needs a session, and nothing shows a resident's or a worker's mobile.
(() => {
  const doorplate = new URLSearchParams(location.search).get('d') || '';
  const q = 'doorplate=' + encodeURIComponent(doorplate);
  R.el('back').href = './?d=' + encodeURIComponent(doorplate);
  R.el('deliberation-link').href = 'deliberation.html?d=' + encodeURIComponent(doorplate);
  const roles = { grid_leader: '网格长', grid_worker: '网格员', building_leader: '楼栋长' };
  const rated = { satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意' };
  const day = t => new Date(t).toLocaleDateString('zh-CN', { month: 'numeric', day: 'numeric' });
  const pct = x => x == null ? '—' : Math.round(x * 100) + '%';

  // Each part loads on its own: one service not answering leaves the others showing.
  async function part(id, url, render, empty) {
    const box = R.el(id);
    try {
      const rows = await R.api('GET', url);
      box.innerHTML = rows.length ? rows.map(render).join('') : `<p class="muted">${empty}</p>`;
      box.dataset.state = 'ready';
    } catch (e) {
      box.innerHTML = `<p class="muted">${R.text(e.message)}</p>`;
      box.dataset.state = 'error';
    }
  }

  async function load() {
    try {
      const place = await R.api('GET', '/api/v1/residents/doorplates/' + encodeURIComponent(doorplate));
      R.el('place').textContent = place.fullName;
    } catch (e) { R.el('place').textContent = ''; R.el('error').textContent = e.message; document.body.dataset.state = 'ready'; return; }
    await Promise.all([
      part('contact-list', '/api/v1/residents/public/contacts?' + q, c =>
        `<div class="contact" data-role="${c.role}"><b>${R.text(c.name)}</b> <span class="muted">${roles[c.role] || ''} · ${R.text(c.nodeName)}</span>` +
        `<div>${c.officePhone ? `<a href="tel:${R.text(c.officePhone)}">${R.text(c.officePhone)}</a>` : '<span class="muted">未公示电话</span>'}</div></div>`, '暂无公示'),
      part('grid-list', '/api/v1/residents/public/grids?' + q, g =>
        `<tr data-grid="${R.text(g.gridCode)}"><td>${R.text(g.gridName)}</td><td>${g.filed}</td><td>${pct(g.resolvedRate)}</td><td>${pct(g.satisfiedRate)}</td></tr>`, '暂无数据'),
      part('result-list', '/api/v1/residents/public/results?' + q, r =>
        `<div class="notice result"><h3>${R.text(r.categoryName || '')} · ${R.text(r.building || '')}</h3>` +
        `<p>${R.text(r.text)}</p><p><b>办理结果：</b>${R.text(r.resolution || '已办结')}</p>` +
        `<p class="muted">${day(r.submittedAt)} 反映，${r.hoursToResolve} 小时办结${r.satisfaction ? ' · 居民评价：' + rated[r.satisfaction] : ''}</p></div>`, '近30天暂无办结'),
      part('honour-list', '/api/v1/residents/public/honour-board?list=red', h =>
        `<div class="notice"><h3>${R.text(h.subjectName)}</h3><p>${R.text(h.reason)}</p></div>`, '暂无上榜'),
      part('rank-list', '/api/v1/residents/public/leaderboard/person?top=10', r =>
        `<li><span>${r.rank}. ${R.text(r.name)}</span><b>${r.points} 分</b></li>`, '暂无积分'),
    ]);
    document.body.dataset.state = 'ready';
  }
  load();
})();
