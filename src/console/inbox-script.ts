/**
 * The inbox page's only script (served at `/console/inbox.js`, no build step): every few seconds it asks
 * `poll.json` for news, adds the pushes to "Tin mới", redraws the queue, and reloads the page when the request the
 * volunteer holds changed (claimed, transferred to them, closed). Text is only ever set with `textContent` (a
 * `<script>` someone typed stays text); `**bold**` becomes <b> elements. The buttons are ordinary forms.
 */
export const INBOX_SCRIPT = String.raw`(() => {
  const root = document.getElementById('inbox');
  if (!root) return;
  let cursor = Number(root.dataset.cursor || 0);
  const held = root.dataset.held || '';
  const every = Number(root.dataset.poll || 4000);
  const csrf = root.dataset.csrf;
  const feed = document.getElementById('feed');
  const waiting = document.getElementById('waiting');
  let fresh = true;
  const text = (el, s) => {
    s.split(/\*\*([\s\S]+?)\*\*/).forEach((part, i) => {
      if (i % 2) {
        const b = document.createElement('b');
        b.textContent = part;
        el.appendChild(b);
      } else el.appendChild(document.createTextNode(part));
    });
  };
  const cell = (tr, s) => {
    const td = document.createElement('td');
    td.textContent = s;
    tr.appendChild(td);
    return td;
  };
  const claimForm = (ticket, label) => {
    const f = document.createElement('form');
    f.method = 'post';
    f.action = '/console/inbox/act';
    f.className = 'inline';
    for (const [k, v] of Object.entries({ _csrf: csrf, action: 'claim', ticket: String(ticket) })) {
      const i = document.createElement('input');
      i.type = 'hidden';
      i.name = k;
      i.value = v;
      f.appendChild(i);
    }
    const b = document.createElement('button');
    b.type = 'submit';
    b.textContent = label;
    f.appendChild(b);
    return f;
  };
  const drawQueue = (list) => {
    waiting.replaceChildren();
    for (const t of list) {
      const tr = document.createElement('tr');
      const first = cell(tr, '#' + t.id + ' ');
      const tag = document.createElement('span');
      tag.className = 'tag';
      tag.textContent = t.channel;
      first.appendChild(tag);
      cell(tr, t.who);
      cell(tr, t.problem);
      cell(tr, String(t.minutes)).className = 'n';
      cell(tr, '').appendChild(claimForm(t.id, '🙋 Nhận #' + t.id));
      waiting.appendChild(tr);
    }
    document.getElementById('waiting-count').textContent = String(list.length);
    document.getElementById('waiting-empty').hidden = list.length > 0;
  };
  const show = (n) => {
    if (fresh) feed.replaceChildren();
    fresh = false;
    const li = document.createElement('li');
    text(li, n.text);
    for (const c of n.choices) {
      const m = /^claim:(\d+)$/.exec(c.id);
      if (m) li.appendChild(claimForm(m[1], c.label));
    }
    feed.appendChild(li);
  };
  const poll = async () => {
    try {
      const url = '/console/inbox/poll.json?after=' + cursor;
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.status === 401) return location.assign('/console/login?expired=1&next=%2Fconsole%2Finbox');
      if (res.ok) {
        const data = await res.json();
        cursor = data.cursor;
        data.notices.forEach(show);
        if (String(data.held ?? '') !== held) return location.assign('/console/inbox');
        drawQueue(data.waiting);
      }
    } catch (err) {
      // offline for a moment: the next poll catches up (nothing is acknowledged until it is shown)
    }
    setTimeout(poll, every);
  };
  setTimeout(poll, every);
})();
`;
