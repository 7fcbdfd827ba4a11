// 居民议事公示: the community's proposals and meetings as dispatch publishes them, without anyone's name or phone.
(() => {
  const doorplate = new URLSearchParams(location.search).get('d') || '';
  R.el('back').href = './?d=' + encodeURIComponent(doorplate);
  R.el('board-link').href = 'board.html?d=' + encodeURIComponent(doorplate);
  const states = { proposed: '已提议，待议事', discussed: '已议事，表决中', adopted: '已通过，办理中', rejected: '未通过', carried_out: '已办结' };
  const kinds = { residents_council: '居民议事会', night_talk: '岭上夜话', pavilion: '议事亭', other: '议事' };
  const parties = { cadre: '干部', police: '民警', mediator: '调解员', resident: '居民', party_member: '党员', other: '其他' };
  const day = t => new Date(t).toLocaleDateString('zh-CN', { month: 'numeric', day: 'numeric' });

  const proposal = p =>
    `<div class="notice proposal" data-proposal="${p.id}" data-state="${p.state}"><h3>${R.text(p.title)}</h3>` +
    `<p>${R.text(p.description)}</p><p class="muted">${R.text(p.proposedBy)} 提议 · <b>${states[p.state] || ''}</b></p>` +
    (p.state === 'proposed' ? '' : `<p class="tally">赞成 ${p.votesFor} 户 · 反对 ${p.votesAgainst} 户 · 弃权 ${p.votesAbstain} 户</p>`) +
    (p.decision ? `<p><b>决定：</b>${R.text(p.decision)}</p>` : '') +
    p.tasks.map(t => `<div class="task" data-progress="${t.progress}"><span>${R.text(t.title)}（${R.text(t.takenBy)}）</span>` +
      `<progress max="100" value="${t.progress}"></progress> ${t.progress}%</div>`).join('') + '</div>';

  const meeting = m =>
    `<div class="notice meeting" data-meeting="${m.id}"><h3>${kinds[m.kind] || ''} · ${R.text(m.title)}</h3>` +
    `<p class="muted">${day(m.heldAt)} · ${R.text(m.place)}</p>` +
    `<p>参加：${Object.entries(m.attendance).map(([k, n]) => `${parties[k] || k} ${n} 人`).join('，')}</p>` +
    `<p>收集问题 ${m.needs} 条（已转诉求办理），建议 ${m.suggestions} 条，化解纠纷 ${m.disputesResolved} 起</p></div>`;

  async function load() {
    try {
      const place = await R.api('GET', '/api/v1/residents/doorplates/' + encodeURIComponent(doorplate));
      R.el('place').textContent = place.fullName;
      const shown = await R.api('GET', '/api/v1/residents/public/deliberation?doorplate=' + encodeURIComponent(doorplate));
      R.el('proposal-list').innerHTML = shown.proposals.length ? shown.proposals.map(proposal).join('') : '<p class="muted">暂无提议</p>';
      R.el('meeting-list').innerHTML = shown.meetings.length ? shown.meetings.map(meeting).join('') : '<p class="muted">暂无议事记录</p>';
      R.el('proposal-list').dataset.state = 'ready';
      R.el('meeting-list').dataset.state = 'ready';
    } catch (e) { R.el('error').textContent = e.message; }
    document.body.dataset.state = 'ready';
  }
  load();
})();
