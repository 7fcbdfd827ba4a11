(() => {
  const ticket = new URLSearchParams(location.search).get('t') || '';
  R.el('ticket-line').textContent = '单号 ' + ticket;
  const phone = R.phone();
  let last4 = phone ? phone.slice(-4) : null;

  function describe(e) {
    const d = e.detail || {};
    if (e.event === 'assigned' && d.assigneeName) return '处理人：' + d.assigneeName;
    if (e.event === 'resolved' && d.resolution) return d.resolution;
    if (e.event === 'plan_formed' && d.plan) return d.plan;
    if (e.event === 'mediation') return d.state === 'closed'
      ? '调解结果：' + (({ agreement: '已达成调解协议', failed: '调解未达成一致', referred: '已转交其他机构处理' })[d.outcome] || d.outcome)
      : '调解已受理，由' + (d.mediatorName || '社区') + '组织调解';
    if (e.event === 'callback' && d.satisfaction) return ({ satisfied: '满意', basically_satisfied: '基本满意', dissatisfied: '不满意' })[d.satisfaction] || '';
    return '';
  }

  async function load() {
    R.el('error').textContent = '';
    if (!last4) { R.show('ask', true); document.body.dataset.state = 'ready'; return; }
    let view;
    try { view = await R.api('GET', `/api/v1/requests/lookup?ticket=${encodeURIComponent(ticket)}&phoneLast4=${last4}`); }
    catch (e) { R.el('error').textContent = e.message; R.show('ask', true); document.body.dataset.state = 'ready'; return; }
    R.show('ask', false);
    R.el('status').textContent = R.steps[view.status] || view.status;
    R.el('status').dataset.status = view.status;
    R.el('what').textContent = (view.categoryName ? view.categoryName + ' · ' : '') + view.description;
    const resolved = [...view.timeline].reverse().find(e => e.event === 'resolved' || e.event === 'plan_formed' || (e.event === 'mediation' && e.detail && e.detail.state === 'closed'));
    R.show('result', !!resolved);
    if (resolved) R.el('result-text').textContent = describe(resolved);
    R.el('timeline').innerHTML = view.timeline.map(e =>
      `<li data-event="${e.event}"><b>${R.steps[e.event] || e.event}</b> <span class="when">${R.when(e.at)}</span><div>${R.text(describe(e))}</div></li>`).join('');
    R.show('steps', true); R.show('summary', true);
    R.show('rate', view.status === 'resolved' && !!R.session() && !view.linkedTo);
    if (R.session()) {
      try {
        const texts = await R.api('GET', `/api/v1/residents/requests/${encodeURIComponent(ticket)}/notifications`);
        R.el('text-list').innerHTML = texts.filter(t => t.state === 'sent').map(t => `<p data-step="${t.step}">${R.text(t.text)}<br><span class="muted">${R.when(t.sentAt)}</span></p>`).join('') || '<p class="muted">暂无</p>';
        R.show('texts', true);
      } catch { /* someone else's ticket opened with its last four digits: the texts stay theirs */ }
      await photos();
    }
    document.body.dataset.state = 'ready';
  }

  // The photos need the session header, so an <img> cannot fetch them itself: each is fetched and shown from memory.
  let shownPhotos = '';
  async function photos() {
    let list;
    try { list = await R.api('GET', `/api/v1/residents/requests/${encodeURIComponent(ticket)}/photos`); } catch { return; }
    const key = list.map(p => p.id).join(',');
    if (key === shownPhotos) return;
    const box = R.el('photo-list'); box.innerHTML = '';
    for (const p of list) {
      const res = await fetch(p.thumbnailUrl, { headers: { 'X-Resident-Session': R.session() } });
      if (!res.ok) continue;
      const img = document.createElement('img');
      img.src = URL.createObjectURL(await res.blob()); img.alt = p.source === 'resident' ? '您上传的照片' : '处理照片';
      img.dataset.photo = p.id; img.dataset.source = p.source; img.className = 'thumb';
      box.appendChild(img);
    }
    shownPhotos = key;
    R.show('photos', list.length > 0);
  }

  R.el('look').addEventListener('click', () => { last4 = R.el('last4').value.trim(); load(); });
  R.el('submit-rating').addEventListener('click', async ev => {
    ev.target.disabled = true; R.el('rate-error').textContent = '';
    try {
      await R.api('POST', `/api/v1/residents/requests/${encodeURIComponent(ticket)}/rating`, {
        satisfaction: document.querySelector('input[name=satisfaction]:checked').value, comment: R.el('comment').value || null });
      R.show('rate', false); R.show('rated', true); await load(); R.show('rate', false);
    } catch (e) { R.el('rate-error').textContent = e.message; }
    ev.target.disabled = false;
  });
  R.el('opt-out').addEventListener('click', async ev => {
    try { await R.api('POST', `/api/v1/residents/requests/${encodeURIComponent(ticket)}/opt-out`); ev.target.textContent = '已退订此单短信'; ev.target.disabled = true; }
    catch (e) { R.el('error').textContent = e.message; }
  });
  // Progress arrives by text; while the page is open it also refreshes itself.
  setInterval(() => { if (document.visibilityState === 'visible' && last4 && R.el('rate').classList.contains('hidden')) load(); }, 15000);
  load();
})();
