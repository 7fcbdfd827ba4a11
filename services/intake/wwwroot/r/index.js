(() => {
  const doorplate = new URLSearchParams(location.search).get('d');
  const panels = ['verify', 'menu', 'report', 'mediation', 'done', 'notices', 'mine', 'nearby'];
  let point = null, smsEnabled = true;

  function go(panel) {
    if (!R.session() && panel !== 'verify') panel = 'verify';
    panels.forEach(p => R.show(p, p === panel));
    if (panel === 'notices') loadNotices();
    if (panel === 'mine') loadMine();
    if (panel === 'nearby') loadNearby();
    window.scrollTo(0, 0);
  }
  document.querySelectorAll('[data-go]').forEach(b => b.addEventListener('click', () => go(b.dataset.go)));
  R.el('board').addEventListener('click', () => { location.href = 'board.html?d=' + encodeURIComponent(doorplate || ''); });
  // The community's proposals and meetings are public: reachable from the menu and, before verifying, from the footer.
  R.el('deliberation').addEventListener('click', () => { location.href = 'deliberation.html?d=' + encodeURIComponent(doorplate || ''); });
  R.el('deliberation-link').href = 'deliberation.html?d=' + encodeURIComponent(doorplate || '');

  async function start() {
    if (doorplate) {
      try {
        const place = await R.api('GET', '/api/v1/residents/doorplates/' + encodeURIComponent(doorplate));
        R.el('place').textContent = place.fullName + (place.label && place.label !== place.name ? ' · ' + place.label : '');
      } catch (e) {
        R.el('place').textContent = e.message + '（可改用当前位置）';
      }
    } else R.el('place').textContent = '未扫门牌：提交时使用您的当前位置';
    const topics = await R.api('GET', '/api/v1/residents/topics');
    R.el('topics').innerHTML = topics.map((t, i) =>
      `<label><input type="radio" name="topic" value="${t.key}" ${i === 0 ? 'checked' : ''}>${R.text(t.words)}</label>`).join('');
    const ch = await R.api('GET', '/api/v1/residents/challenge');
    smsEnabled = ch.smsEnabled;
    R.show('sms-step', smsEnabled); R.show('pow-step', !smsEnabled);
    document.body.dataset.state = 'ready';
    go(R.session() ? 'menu' : 'verify');
  }

  R.el('send-code').addEventListener('click', async (ev) => {
    R.el('verify-error').textContent = '';
    ev.target.disabled = true;
    try {
      await R.api('POST', '/api/v1/residents/codes', { phone: R.el('phone').value.trim() });
      R.el('verify-error').innerHTML = '<span class="ok">验证码已发送</span>';
    } catch (e) { R.el('verify-error').textContent = e.message; }
    setTimeout(() => ev.target.disabled = false, 3000);
  });
  R.el('verify-code').addEventListener('click', async () => {
    R.el('verify-error').textContent = '';
    const phone = R.el('phone').value.trim();
    try {
      const s = await R.api('POST', '/api/v1/residents/sessions', { phone, code: R.el('code').value.trim() });
      R.save(s.session, phone); go('menu');
    } catch (e) { R.el('verify-error').textContent = e.message; }
  });
  R.el('prove').addEventListener('click', async (ev) => {
    ev.target.disabled = true;
    const phone = R.el('phone').value.trim();
    try {
      const ch = await R.api('GET', '/api/v1/residents/challenge');
      const nonce = await R.work(ch.challenge, ch.difficulty);
      const s = await R.api('POST', '/api/v1/residents/sessions/work', { phone, challenge: ch.challenge, nonce });
      R.save(s.session, phone); go('menu');
    } catch (e) { R.el('verify-error').textContent = e.message; }
    ev.target.disabled = false;
  });

  // Without a doorplate the place is the phone's position (the browser asks the resident first).
  async function where() {
    if (doorplate) return { doorplate };
    if (!point) point = await new Promise((ok, fail) => navigator.geolocation.getCurrentPosition(
      p => ok({ latitude: p.coords.latitude, longitude: p.coords.longitude }), () => fail(new Error('无法获取位置：请扫描楼栋门牌上的二维码')), { timeout: 10000 }));
    return point;
  }

  function done(filed, title) {
    R.el('done-title').textContent = title;
    R.el('done-ticket').textContent = filed.ticketNo;
    R.el('done-link').href = filed.statusUrl;
    go('done');
  }

  async function submit(button, errorId, url, body, title) {
    R.el(errorId).textContent = '';
    button.disabled = true;
    try { done(await R.api('POST', url, Object.assign(body, await where())), title); }
    catch (e) { R.el(errorId).textContent = e.message; if (e.status === 401) go('verify'); }
    button.disabled = false;
  }
  // Photos go up first (the store strips EXIF and GPS and returns ids); the report then names them.
  async function uploadPhotos() {
    const files = [...R.el('photos').files];
    if (!files.length) return [];
    if (files.length > 3) throw new Error('最多3张照片');
    const form = new FormData(); files.forEach(f => form.append('files', f));
    const res = await fetch('/api/v1/residents/photos', { method: 'POST', headers: { 'X-Resident-Session': R.session() }, body: form });
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new Error(res.status === 429 ? '上传太频繁，请稍后再试' : ((data && data.title) || '照片上传失败'));
    return data.items.map(i => i.id);
  }
  R.el('submit-report').addEventListener('click', async ev => {
    R.el('report-error').textContent = '';
    let photos;
    try { photos = await uploadPhotos(); } catch (e) { R.el('report-error').textContent = e.message; return; }
    submit(ev.target, 'report-error', '/api/v1/residents/reports', {
      topic: document.querySelector('input[name=topic]:checked').value,
      description: R.el('description').value, name: R.el('name').value || null, photos,
    }, '已提交');
  });
  R.el('submit-mediation').addEventListener('click', ev => submit(ev.target, 'mediation-error', '/api/v1/residents/mediation', {
    kind: R.el('kind').value, otherParty: R.el('other-party').value || null, description: R.el('mediation-description').value,
  }, '调解申请已提交'));

  // Two taps within five seconds: a pocket or a child's finger does not raise an alarm.
  let armed = null;
  R.el('alarm').addEventListener('click', ev => {
    const b = ev.target;
    if (!armed) {
      b.classList.add('armed'); b.textContent = '再按一次确认报警';
      armed = setTimeout(() => { armed = null; b.classList.remove('armed'); b.textContent = '一键报警'; }, 5000);
      return;
    }
    clearTimeout(armed); armed = null; b.classList.remove('armed'); b.textContent = '一键报警';
    submit(b, 'alarm-error', '/api/v1/residents/alarm', {}, '已报警，网格员和网格长正在赶来');
  });

  async function loadNotices() {
    const list = R.el('notice-list');
    if (!doorplate) { list.innerHTML = '<p class="muted">扫描楼栋门牌后可看本社区发布的法律政策。</p>'; return; }
    try {
      const notices = await R.api('GET', '/api/v1/residents/notices?doorplate=' + encodeURIComponent(doorplate));
      const kinds = { legal: '法律', policy: '政策', notice: '通知' };
      list.innerHTML = notices.length ? notices.map(n => `<div class="notice"><h3>【${kinds[n.kind]}】${R.text(n.title)}</h3><div class="muted">${R.when(n.publishedAt)}</div><p>${R.text(n.body)}</p></div><hr>`).join('')
        : '<p class="muted">社区暂未发布。</p>';
    } catch (e) { list.textContent = e.message; }
  }
  async function loadNearby() {
    const list = R.el('nearby-list');
    if (!doorplate) { list.innerHTML = '<p class="muted">扫描楼栋门牌后可看本社区的问题。</p>'; return; }
    try {
      const rows = await R.api('GET', '/api/v1/residents/public/requests?doorplate=' + encodeURIComponent(doorplate));
      list.innerHTML = rows.length ? rows.map(r => `<p>${R.text(r.categoryName || '')} · <b>${R.steps[r.status] || r.status}</b> ${R.text(r.building || '')}<br>${R.text(r.text)}<br><span class="muted">${R.when(r.submittedAt)}</span></p>`).join('')
        : '<p class="muted">近30天没有。</p>';
    } catch (e) { list.textContent = e.message; }
  }
  async function loadMine() {
    const list = R.el('mine-list');
    try {
      const mine = await R.api('GET', '/api/v1/residents/requests');
      list.innerHTML = mine.length ? mine.map(r => `<p><a href="status.html?t=${r.ticketNo}">${r.ticketNo}</a> ${R.text(r.categoryName || '')} · <b>${R.steps[r.status] || r.status}</b><br><span class="muted">${R.when(r.submittedAt)}</span></p>`).join('')
        : '<p class="muted">还没有提交过。</p>';
    } catch (e) { list.textContent = e.message; }
  }

  start().catch(e => { R.el('place').textContent = e.message; document.body.dataset.state = 'error'; });
})();
