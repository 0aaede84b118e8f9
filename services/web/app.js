// The member page: a member's (or, for a coordinator, any member's) give and
// get, chart, pending exchanges, a form to log one, and the statement, also
// on paper. People are named by their display names throughout; a member
// finds the other person by searching their name. It
// talks only to this server's JSON gateway (/v1/...), sending the sign-in
// code as a bearer token. The code is kept in sessionStorage, so closing the
// tab signs out.
'use strict';

(function () {
  const TOKEN_KEY = 'timebank-token';
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
    'Sep', 'Oct', 'Nov', 'Dec'];
  const STATEMENT_SHOWN = 30;
  const STATEMENT_PAGES_MAX = 5;
  const PAPER_PAGES_MAX = 50;
  const MATCHES_SHOWN = 8;
  const CATEGORIES = ['gardening', 'befriending', 'shopping', 'lifts',
    'cooking', 'it-help', 'repairs', 'childcare', 'admin', 'teaching'];

  const state = {
    token: null,
    me: null,            // TokenInfo from /v1/whoami.
    isMember: true,
    timebankId: '',
    accountId: '',
    names: new Map(),    // account id -> display name, where we may know it.
    exchanges: [],
    showAll: false,
    requestId: null,     // Of the exchange being logged; kept for retries.
    refreshes: 0,        // Counts refreshes begun; only the newest draws.
    formFor: null,       // The member the giver/receiver defaults were set for.
    partner: null,       // {id, name} a member chose in "Who with?".
    searches: 0,         // Counts name searches begun; only the newest shows.
    maxExchange: 1440,   // The timebank's largest exchange, in minutes.
  };

  const $ = (id) => document.getElementById(id);

  // ------------------------------------------------------------ formatting

  // 750 -> "12 h 30 m", 540 -> "9 h", 45 -> "45 m", 0 -> "0 h".
  function formatMinutes(total) {
    const minutes = Math.abs(total);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    if (h === 0 && m === 0) return '0 h';
    if (h === 0) return m + ' m';
    if (m === 0) return h + ' h';
    return h + ' h ' + m + ' m';
  }

  // 1440 -> "24 hours", 90 -> "1 hour 30 minutes": limits in words.
  function hoursInWords(total) {
    const h = Math.floor(total / 60);
    const m = total % 60;
    const part = (n, one) => n + ' ' + one + (n === 1 ? '' : 's');
    if (m === 0) return part(h, 'hour');
    if (h === 0) return part(m, 'minute');
    return part(h, 'hour') + ' ' + part(m, 'minute');
  }

  // "2024-05-03" -> "3 May 2024".
  function formatDate(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return d + ' ' + MONTHS[m - 1] + ' ' + y;
  }

  function todayIso() {
    // The server checks dates against its UTC clock; a date ahead of UTC
    // would be "in the future", so never default past it.
    const now = new Date();
    const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000)
      .toISOString().slice(0, 10);
    const utc = now.toISOString().slice(0, 10);
    return local < utc ? local : utc;
  }

  function nameOf(accountId) {
    return state.names.get(accountId) || accountId;
  }

  // Exchanges name both parties; members learn other members' names so.
  function rememberNames(exchanges) {
    for (const e of exchanges) {
      if (e.giver_name) state.names.set(e.giver_id, e.giver_name);
      if (e.receiver_name) state.names.set(e.receiver_id, e.receiver_name);
    }
  }

  function isSelf() {
    return state.isMember;
  }

  // "You" on a member's own page, the member's name on a coordinator's.
  function subject() {
    return isSelf() ? 'You' : nameOf(state.accountId);
  }

  function newRequestId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return 'page-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ------------------------------------------------------------ the gateway

  async function api(method, path, body) {
    const headers = { Authorization: 'Bearer ' + state.token };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = {};
    try {
      data = text ? JSON.parse(text) : {};
    } catch (e) {
      data = {};
    }
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) ||
        'The server answered ' + response.status + '.');
      error.status = response.status;
      error.field = data.error && data.error.field;
      throw error;
    }
    return data;
  }

  const seg = encodeURIComponent;
  const tbPath = () => '/v1/timebanks/' + seg(state.timebankId);
  const accountPath = () => tbPath() + '/accounts/' + seg(state.accountId);

  // ------------------------------------------------------------ messages

  function say(text) {
    $('problem').hidden = true;
    $('status').textContent = text;
  }

  function complain(error) {
    $('status').textContent = '';
    const box = $('problem');
    box.textContent = plainProblem(error);
    box.hidden = false;
  }

  function plainProblem(error) {
    if (error.status === 401) return 'That sign-in code does not work. Ask your coordinator for a new one.';
    if (error.status === 403) return 'You are not allowed to do that.';
    if (error.status === 503 || error.status === undefined) {
      return 'The timebank cannot be reached just now. Try again in a moment.';
    }
    return error.message;
  }

  // ------------------------------------------------------------ sign in

  function readTokenFromLink() {
    // A sign-in link ends in #token=<code>. The fragment never reaches the
    // server; take it and clean the address bar.
    const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
    if (!match) return null;
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return decodeURIComponent(match[1]);
  }

  async function signIn(token) {
    state.token = token.trim();
    try {
      state.me = await api('GET', '/v1/whoami');
    } catch (error) {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn();
      complain(error);
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, state.token);
    const role = state.me.role;
    if (role === 'ROLE_AUDITOR') {
      state.token = null;
      sessionStorage.removeItem(TOKEN_KEY);
      showSignIn();
      complain({ message: 'This page is for members and coordinators. Councils see the reports with the timebank command.' });
      return;
    }
    state.isMember = role === 'ROLE_MEMBER';
    $('sign-in').hidden = true;
    $('page').hidden = false;
    $('sign-out').hidden = false;
    document.body.classList.toggle('as-member', state.isMember);
    document.body.classList.toggle('as-coordinator', !state.isMember);
    if (state.isMember) {
      state.timebankId = state.me.timebank_ids[0];
      state.accountId = state.me.account_id;
      $('choose').hidden = true;
    } else {
      await loadTimebanks();
    }
    await refresh();
    $('main').focus();
  }

  function showSignIn() {
    $('sign-in').hidden = false;
    $('page').hidden = true;
    $('sign-out').hidden = true;
    $('who').textContent = '';
    $('timebank-name').textContent = 'Timebank';
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.me = null;
    state.names.clear();
    state.formFor = null;
    $('token').value = '';
    showSignIn();
    say('You have signed out.');
    $('token').focus();
  }

  // ------------------------------------------------------------ coordinators

  async function loadTimebanks() {
    const list = await api('GET', '/v1/timebanks');
    const select = $('timebank-choice');
    select.replaceChildren(...list.timebanks.map((tb) => option(tb.timebank_id, tb.name)));
    if (list.timebanks.length === 0) {
      throw new Error('This sign-in code covers no timebank yet.');
    }
    state.timebankId = state.timebankId || list.timebanks[0].timebank_id;
    select.value = state.timebankId;
    $('choose').hidden = false;
    await loadAccounts();
  }

  async function loadAccounts() {
    state.names.clear();
    const accounts = [];
    let pageToken = '';
    do {
      const page = await api('GET', tbPath() + '/accounts?page_size=1000' +
        (pageToken ? '&page_token=' + seg(pageToken) : ''));
      accounts.push(...page.accounts);
      pageToken = page.next_page_token;
    } while (pageToken);
    for (const account of accounts) state.names.set(account.account_id, account.display_name);
    const people = accounts.filter((a) => a.kind === 'ACCOUNT_KIND_PERSON');
    const choices = people.length > 0 ? people : accounts;
    if (!choices.some((a) => a.account_id === state.accountId)) {
      state.accountId = choices.length > 0 ? choices[0].account_id : '';
    }
    const label = (a) => a.display_name + ' (' + a.account_id + ')';
    $('member-choice').replaceChildren(...choices.map((a) => option(a.account_id, label(a))));
    $('member-choice').value = state.accountId;
    const everyone = accounts.filter((a) => a.status === 'ACCOUNT_STATUS_ACTIVE');
    $('giver').replaceChildren(...everyone.map((a) => option(a.account_id, label(a))));
    $('receiver').replaceChildren(...everyone.map((a) => option(a.account_id, label(a))));
    state.formFor = null;
  }

  function option(value, text) {
    const element = document.createElement('option');
    element.value = value;
    element.textContent = text;
    return element;
  }

  // ------------------------------------------------------------ loading

  async function refresh() {
    if (!state.accountId) {
      say('This timebank has no members yet.');
      return;
    }
    const generation = ++state.refreshes;
    $('main').setAttribute('aria-busy', 'true');
    let answers;
    try {
      answers = await Promise.all([
        api('GET', tbPath()),
        api('GET', accountPath()),
        api('GET', accountPath() + '/balance'),
        loadStatement(),
      ]);
    } finally {
      if (generation === state.refreshes) $('main').setAttribute('aria-busy', 'false');
    }
    // A newer refresh began while this one waited (another member was
    // chosen, say): its answers are the ones to show.
    if (generation !== state.refreshes) return;
    const [timebank, account, balance, exchanges] = answers;
    rememberNames(exchanges);
    state.names.set(account.account_id, account.display_name);
    if (timebank.settings && Number(timebank.settings.max_exchange_minutes) > 0) {
      state.maxExchange = Number(timebank.settings.max_exchange_minutes);
    }
    state.exchanges = exchanges;
    $('timebank-name').textContent = timebank.name;
    $('who').textContent = isSelf()
      ? 'Signed in as ' + account.display_name
      : 'Coordinator, looking at ' + account.display_name;
    $('page-title').textContent = isSelf() ? 'My hours' : account.display_name + '’s hours';
    document.title = (isSelf() ? 'My hours' : account.display_name) + ' · ' + timebank.name;
    showBalance(balance);
    drawChart(exchanges);
    showPending(exchanges);
    showStatement(exchanges);
    prepareForm(timebank, exchanges);
    preparePaper();
  }

  async function loadStatement() {
    const all = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await api('GET', accountPath() + '/exchanges?page_size=1000' +
        (pageToken ? '&page_token=' + seg(pageToken) : ''));
      all.push(...page.exchanges);
      pageToken = page.next_page_token;
      pages += 1;
    } while (pageToken && pages < STATEMENT_PAGES_MAX);
    return all;
  }

  // ------------------------------------------------------------ balance

  function showBalance(balance) {
    const given = Number(balance.minutes_given);
    const received = Number(balance.minutes_received);
    const net = Number(balance.balance_minutes);
    const who = subject();
    $('given-label').textContent = who + ' gave';
    $('received-label').textContent = who + ' received';
    $('given').textContent = formatMinutes(given);
    $('received').textContent = formatMinutes(received);
    let words;
    if (net > 0) {
      words = (isSelf() ? 'You have' : who + ' has') + ' given ' + formatMinutes(net) + ' more than ' +
        (isSelf() ? 'you' : 'they') + ' received.';
    } else if (net < 0) {
      words = (isSelf() ? 'You have' : who + ' has') + ' received ' + formatMinutes(net) + ' more than ' +
        (isSelf() ? 'you' : 'they') + ' gave.';
    } else {
      words = isSelf() ? 'You have given as much as you received.'
        : who + ' has given as much as they received.';
    }
    // The net first, in a sentence; the two totals follow once, below it.
    $('balance-net').textContent = words;
  }

  // ------------------------------------------------------------ chart

  // The last twelve calendar months, oldest first: [{key: "2024-05", ...}].
  function lastTwelveMonths() {
    const months = [];
    const now = new Date();
    let y = now.getUTCFullYear();
    let m = now.getUTCMonth();
    for (let i = 0; i < 12; i++) {
      months.unshift({ key: y + '-' + String(m + 1).padStart(2, '0'), label: MONTHS[m], year: y,
        given: 0, received: 0 });
      m -= 1;
      if (m < 0) { m = 11; y -= 1; }
    }
    return months;
  }

  function drawChart(exchanges) {
    const months = lastTwelveMonths();
    const byKey = new Map(months.map((month) => [month.key, month]));
    for (const exchange of exchanges) {
      if (exchange.status !== 'EXCHANGE_STATUS_CONFIRMED') continue;
      const month = byKey.get(exchange.occurred_on.slice(0, 7));
      if (!month) continue;
      if (exchange.giver_id === state.accountId) month.given += Number(exchange.minutes);
      if (exchange.receiver_id === state.accountId) month.received += Number(exchange.minutes);
    }
    const ns = 'http://www.w3.org/2000/svg';
    const width = 360;
    const height = 190;
    const top = 20;
    const bottom = 36;
    const left = 8;
    const plot = height - top - bottom;
    const slot = (width - left * 2) / months.length;
    const most = Math.max(60, ...months.map((mo) => Math.max(mo.given, mo.received)));
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('role', 'img');
    const busiest = months.reduce((a, b) => (b.given + b.received > a.given + a.received ? b : a));
    const summary = busiest.given + busiest.received === 0
      ? 'No confirmed exchanges in the last twelve months.'
      : 'Hours given and received per month over the last twelve months. The busiest month was ' +
        busiest.label + ' ' + busiest.year + ': ' + formatMinutes(busiest.given) + ' given, ' +
        formatMinutes(busiest.received) + ' received.';
    svg.setAttribute('aria-label', summary);
    const add = (name, attributes, text) => {
      const element = document.createElementNS(ns, name);
      for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
      if (text !== undefined) element.textContent = text;
      svg.appendChild(element);
      return element;
    };
    add('line', { x1: left, x2: width - left, y1: top + plot, y2: top + plot, class: 'axis' });
    add('text', { x: left, y: 13 }, 'up to ' + formatMinutes(most));
    months.forEach((month, i) => {
      const x = left + i * slot;
      const barWidth = slot * 0.36;
      const given = (month.given / most) * plot;
      const received = (month.received / most) * plot;
      add('rect', { x: x + slot * 0.12, y: top + plot - given, width: barWidth, height: given,
        class: 'bar-given' });
      add('rect', { x: x + slot * 0.12 + barWidth, y: top + plot - received, width: barWidth,
        height: received, class: 'bar-received' });
      // Each month carries its year, short, on a line of its own.
      add('text', { x: x + slot / 2, y: height - 18, 'text-anchor': 'middle' }, month.label);
      add('text', { x: x + slot / 2, y: height - 5, 'text-anchor': 'middle', class: 'year' },
        '’' + String(month.year).slice(2));
    });
    $('chart').replaceChildren(svg);
    const rows = months.map((month) => {
      const row = document.createElement('tr');
      for (const text of [month.label + ' ' + month.year, formatMinutes(month.given),
        formatMinutes(month.received)]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.appendChild(cell);
      }
      return row;
    });
    $('chart-table').tBodies[0].replaceChildren(...rows);
  }

  // ------------------------------------------------------------ pending

  // "Vera gave you 1 h 30 m of gardening on 3 May 2024".
  function describe(exchange) {
    const me = state.accountId;
    const minutes = formatMinutes(Number(exchange.minutes));
    const what = exchange.category ? ' of ' + exchange.category : '';
    const when = ' on ' + formatDate(exchange.occurred_on);
    const person = (id) => (id === me ? (isSelf() ? 'you' : nameOf(id)) : nameOf(id));
    const giver = exchange.giver_id === me && isSelf() ? 'You' : nameOf(exchange.giver_id);
    return giver + ' gave ' + person(exchange.receiver_id) + ' ' + minutes + what + when;
  }

  function showPending(exchanges) {
    const pending = exchanges.filter((e) => e.status === 'EXCHANGE_STATUS_PENDING');
    const loggedByMe = (e) => e.logged_by_account_id === state.accountId;
    // A coordinator may confirm any pending exchange; a member only those
    // the other party logged.
    const forUs = isSelf() ? pending.filter((e) => !loggedByMe(e)) : pending;
    const theirs = isSelf() ? pending.filter(loggedByMe) : [];
    $('waiting-title').textContent = isSelf() ? 'Waiting for you' : 'Waiting for confirmation';
    $('waiting').replaceChildren(...forUs.map((e) => pendingItem(e, true)));
    $('waiting-none').hidden = forUs.length > 0;
    $('waiting-none').textContent = isSelf() ? 'Nothing is waiting for you.' : 'Nothing is waiting.';
    $('logged-block').hidden = !isSelf();
    $('logged').replaceChildren(...theirs.map((e) => pendingItem(e, false)));
    $('logged-none').hidden = theirs.length > 0;
  }

  function pendingItem(exchange, mayConfirm) {
    const item = document.createElement('li');
    const text = document.createElement('p');
    text.className = 'what';
    text.id = 'pending-' + exchange.seq;
    const logger = exchange.logged_by_account_id;
    let line = describe(exchange) + '.';
    if (exchange.description) line += ' “' + exchange.description + '”';
    if (logger && logger !== state.accountId) line += ' Logged by ' + nameOf(logger) + '.';
    if (!mayConfirm) {
      const other = exchange.giver_id === state.accountId ? exchange.receiver_id : exchange.giver_id;
      line += ' Waiting for ' + nameOf(other) + ' to confirm.';
    }
    text.textContent = line;
    item.appendChild(text);
    const actions = document.createElement('div');
    actions.className = 'actions';
    if (mayConfirm) {
      actions.appendChild(actionButton('Yes, confirm', text.id, () => decide(exchange, 'confirm')));
      actions.appendChild(actionButton('No, reject', text.id, () => decide(exchange, 'reject'), true));
    } else {
      actions.appendChild(actionButton('Withdraw', text.id, () => decide(exchange, 'reject'), true));
    }
    item.appendChild(actions);
    return item;
  }

  function actionButton(label, describedBy, onClick, secondary) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    if (secondary) button.className = 'secondary';
    button.setAttribute('aria-describedby', describedBy);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await onClick();
      } catch (error) {
        complain(error);
        button.disabled = false;
      }
    });
    return button;
  }

  async function decide(exchange, verb) {
    const body = { request_id: newRequestId() };
    await api('POST', tbPath() + '/exchanges/' + exchange.seq + ':' + verb, body);
    await refresh();
    say(verb === 'confirm'
      ? 'Confirmed: ' + describe(exchange) + '. It now counts.'
      : 'Rejected: ' + describe(exchange) + '. It will not count.');
  }

  // ------------------------------------------------------------ statement

  const STATUS_WORDS = {
    EXCHANGE_STATUS_PENDING: 'Waiting to be confirmed',
    EXCHANGE_STATUS_CONFIRMED: 'Confirmed',
    EXCHANGE_STATUS_REJECTED: 'Rejected',
    EXCHANGE_STATUS_REVERSED: 'Reversed (a correction)',
  };

  function showStatement(exchanges) {
    // The server lists them by the date of the work, newest first.
    const newest = exchanges;
    const shown = state.showAll ? newest : newest.slice(0, STATEMENT_SHOWN);
    const items = shown.map((exchange) => {
      const item = document.createElement('li');
      const gave = exchange.giver_id === state.accountId;
      const what = document.createElement('p');
      what.className = 'what';
      const amount = document.createElement('span');
      amount.className = gave ? 'amount-given' : 'amount-received';
      amount.textContent = (gave ? 'Gave ' : 'Received ') + formatMinutes(Number(exchange.minutes));
      what.append(amount, ' ' + (gave ? 'to ' : 'from ') +
        nameOf(gave ? exchange.receiver_id : exchange.giver_id) +
        (exchange.category ? ', ' + exchange.category : ''));
      const meta = document.createElement('p');
      meta.className = 'meta';
      meta.textContent = formatDate(exchange.occurred_on) + ' · ' +
        (STATUS_WORDS[exchange.status] || exchange.status) +
        (exchange.description ? ' · ' + exchange.description : '');
      item.append(what, meta);
      return item;
    });
    $('statement').replaceChildren(...items);
    $('statement-none').hidden = exchanges.length > 0;
    $('statement-more').hidden = state.showAll || newest.length <= STATEMENT_SHOWN;
  }

  // ------------------------------------------------------------ logging

  function prepareForm(timebank, exchanges) {
    const date = $('occurred-on');
    date.max = todayIso();
    if (!date.value) date.value = todayIso();
    const categories = new Set(CATEGORIES);
    for (const e of exchanges) {
      if (e.category) categories.add(e.category);
    }
    $('categories').replaceChildren(...[...categories].sort().map((c) => option(c, c)));
    const membersMayLog = timebank.settings ? timebank.settings.members_may_log : true;
    $('log-title').textContent = isSelf() ? 'Log an exchange' : 'Record an exchange';
    $('log-help').textContent = isSelf()
      ? (membersMayLog
        ? 'Log time you gave or received. The other person confirms it, then it counts.'
        : 'In this timebank your coordinator logs exchanges.')
      : 'Recorded by a coordinator, an exchange counts at once.';
    $('log-form').hidden = isSelf() && !membersMayLog;
    // Defaults for the member now looked at, set once: a refresh never
    // undoes what the coordinator chose in the form.
    if (!isSelf() && state.formFor !== state.timebankId + '/' + state.accountId) {
      state.formFor = state.timebankId + '/' + state.accountId;
      $('giver').value = state.accountId;
      if ($('receiver').value === state.accountId) {
        const other = [...$('receiver').options].find((o) => o.value !== state.accountId);
        if (other) $('receiver').value = other.value;
      }
    }
  }

  // Error fields of RecordExchange, and the control that holds each.
  function controlFor(field) {
    const member = isSelf();
    switch (field) {
      case 'giver_id': return member ? 'partner-search' : 'giver';
      case 'receiver_id': return member ? 'partner-search' : 'receiver';
      case 'minutes': return 'hours';
      case 'category': return 'category';
      case 'occurred_on': return 'occurred-on';
      case 'description': return 'description';
      default: return null;
    }
  }

  function clearFormProblems() {
    $('log-problem').hidden = true;
    for (const element of $('log-form').querySelectorAll('[aria-invalid]')) {
      element.removeAttribute('aria-invalid');
      element.removeAttribute('aria-describedby');
    }
  }

  // What went wrong, in words for people: what to do, never a field name.
  function forPeople(error) {
    const message = String(error.message || '');
    const field = error.field;
    const member = isSelf();
    const status = error.status;
    if (status === 401 || status === 503 || status === undefined) return plainProblem(error);
    if (field === 'receiver_id' && message.includes('must differ')) {
      return member ? 'You can’t log time with yourself.'
        : 'Who gave and who received must be two different people.';
    }
    if (field === 'minutes' && message.includes('at most')) {
      return 'One exchange can be at most ' + hoursInWords(state.maxExchange) + '.';
    }
    if (field === 'occurred_on') {
      return message.includes('future') ? 'The date can’t be later than today.'
        : 'When: choose the day the work was done.';
    }
    if (field === 'giver_id' || field === 'receiver_id') {
      if (status === 404) {
        return member ? 'We can’t find that member. Type their name and choose them from the list.'
          : 'We can’t find that member.';
      }
      if (status === 412 && message.includes('balance floor')) {
        return 'That would take a balance below the lowest this timebank allows.';
      }
      if (status === 412) return 'That member’s account is not active just now, so no time can be logged with them.';
      if (status === 403) return 'You can only log time you gave or received yourself.';
    }
    if (field === 'timebank_id' && status === 403) return 'In this timebank your coordinator logs exchanges.';
    if (field === 'timebank_id' && status === 412) {
      return 'This timebank is not taking new exchanges just now. Your coordinator knows why.';
    }
    if (field === 'category') return 'Kind of work: use a word or two, such as gardening.';
    if (field === 'description') return 'What was done: please make it shorter.';
    if (status === 403) return 'You are not allowed to do that.';
    return 'That did not work. Check the form and try again.';
  }

  function formProblem(message, field) {
    const box = $('log-problem');
    box.textContent = message;
    box.hidden = false;
    const id = controlFor(field);
    if (id) {
      $(id).setAttribute('aria-invalid', 'true');
      $(id).setAttribute('aria-describedby', 'log-problem');
      $(id).focus();
    }
  }

  async function submitLog(event) {
    event.preventDefault();
    clearFormProblems();
    const hours = Number($('hours').value || 0);
    const mins = Number($('minutes').value || 0);
    const minutes = Math.round(hours * 60 + mins);
    if (!(minutes > 0)) {
      formProblem('How long: enter the hours or minutes.', 'minutes');
      return;
    }
    let giver;
    let receiver;
    if (isSelf()) {
      const typed = $('partner-search').value.trim();
      const partner = state.partner || exactMatch(typed);
      if (!partner) {
        formProblem(typed ? 'Who with: choose the person from the names under the box.'
          : 'Who with: type the other person’s name and choose them.', 'giver_id');
        return;
      }
      const gave = document.querySelector('input[name="direction"]:checked').value === 'gave';
      giver = gave ? state.accountId : partner.id;
      receiver = gave ? partner.id : state.accountId;
    } else {
      giver = $('giver').value;
      receiver = $('receiver').value;
    }
    const category = $('category').value.trim();
    if (!category) {
      formProblem('Kind of work: enter a word such as gardening.', 'category');
      return;
    }
    state.requestId = state.requestId || newRequestId();
    const body = {
      request_id: state.requestId,
      giver_id: giver,
      receiver_id: receiver,
      minutes: String(minutes),
      category,
      description: $('description').value.trim(),
      occurred_on: $('occurred-on').value,
    };
    const button = $('log-submit');
    button.disabled = true;
    try {
      const exchange = await api('POST', tbPath() + '/exchanges', body);
      state.requestId = null;
      for (const id of ['partner-search', 'hours', 'minutes', 'category', 'description']) $(id).value = '';
      choosePartner(null);
      $('partner-matches').replaceChildren();
      await refresh();
      say(exchange.status === 'EXCHANGE_STATUS_PENDING'
        ? 'Logged: ' + describe(exchange) + '. It counts once the other person confirms it.'
        : 'Recorded: ' + describe(exchange) + '. It counts now.');
      $('status').scrollIntoView({ block: 'nearest' });
    } catch (error) {
      if (error.status === 400 || error.status === 404 || error.status === 412 || error.status === 403) {
        // The same content will fail again; a changed form gets a new id.
        state.requestId = null;
      }
      formProblem(forPeople(error), error.field);
    } finally {
      button.disabled = false;
    }
  }

  // ------------------------------------------------------------ who with

  // A member finds the other person by name, through the server's name
  // search over the timebank's accounts; with nothing typed, the people
  // they have exchanged with.
  async function searchPartners() {
    const text = $('partner-search').value.trim();
    const search = ++state.searches;
    if (state.partner && text !== state.partner.name) choosePartner(null);
    if (!text) {
      showMatches(recentPartners(), '');
      return;
    }
    const page = await api('GET', tbPath() + '/accounts?page_size=' + (MATCHES_SHOWN + 1) +
      '&query=' + seg(text));
    if (search !== state.searches) return;  // A newer search is on its way.
    const found = page.accounts.filter((a) => a.account_id !== state.accountId)
      .map((a) => ({ id: a.account_id, name: a.display_name }));
    showMatches(found.slice(0, MATCHES_SHOWN), text);
  }

  function recentPartners() {
    const seen = new Map();
    for (const e of state.exchanges) {
      const other = e.giver_id === state.accountId ? e.receiver_id : e.giver_id;
      if (!seen.has(other)) seen.set(other, { id: other, name: nameOf(other) });
    }
    return [...seen.values()].slice(0, MATCHES_SHOWN);
  }

  function showMatches(people, text) {
    state.matches = people;
    const same = (a, b) => a.name.toLowerCase() === b.name.toLowerCase();
    const items = people.map((person) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      // Two people of one name are told apart by their ids.
      const twin = people.some((other) => other !== person && same(other, person));
      button.textContent = twin ? person.name + ' (' + person.id + ')' : person.name;
      button.addEventListener('click', () => {
        choosePartner(person);
        $('hours').focus();
      });
      item.appendChild(button);
      return item;
    });
    $('partner-matches').replaceChildren(...items);
    if (!state.partner) {
      $('partner-chosen').textContent = text && people.length === 0
        ? 'No member of this timebank is called “' + text + '”.' : '';
    }
  }

  // The one person whose name is exactly what was typed, if there is one.
  function exactMatch(text) {
    const found = (state.matches || []).filter((p) => p.name.toLowerCase() === text.toLowerCase());
    return found.length === 1 ? found[0] : null;
  }

  function choosePartner(person) {
    state.partner = person;
    $('partner-chosen').textContent = person ? 'With ' + person.name + '.' : '';
    if (person) {
      $('partner-search').value = person.name;
      $('partner-matches').replaceChildren();
    }
  }

  // ------------------------------------------------------------ on paper

  function preparePaper() {
    $('print-to').max = todayIso();
    $('print-from').max = todayIso();
    if (!$('print-to').value) $('print-to').value = todayIso();
    $('print-statement').textContent = isSelf() ? 'Print my statement'
      : 'Print ' + nameOf(state.accountId) + '’s statement';
  }

  // Every exchange of the account up to `to`, oldest first.
  async function exchangesUpTo(to) {
    const all = [];
    let pageToken = '';
    let pages = 0;
    do {
      const page = await api('GET', accountPath() + '/exchanges?page_size=1000&oldest_first=true' +
        '&to_date=' + seg(to) + (pageToken ? '&page_token=' + seg(pageToken) : ''));
      all.push(...page.exchanges);
      pageToken = page.next_page_token;
      pages += 1;
    } while (pageToken && pages < PAPER_PAGES_MAX);
    if (pageToken) throw new Error('This statement is too long for the page; ask your coordinator for it.');
    return all;
  }

  // The statement `timebank statement` prints: confirmed exchanges only,
  // an opening balance from everything before `from`, a running balance.
  function buildStatement(exchanges, from) {
    const statement = { opening: 0, closing: 0, given: 0, received: 0, lines: [],
      pending: 0, pendingMinutes: 0 };
    let balance = 0;
    for (const e of exchanges) {
      const minutes = Number(e.minutes);
      const inPeriod = !from || e.occurred_on >= from;
      if (e.status === 'EXCHANGE_STATUS_PENDING') {
        if (inPeriod) {
          statement.pending += 1;
          statement.pendingMinutes += minutes;
        }
        continue;
      }
      if (e.status !== 'EXCHANGE_STATUS_CONFIRMED') continue;
      const gave = e.giver_id === state.accountId;
      balance += gave ? minutes : -minutes;
      if (!inPeriod) {
        statement.opening = balance;
        continue;
      }
      if (gave) statement.given += minutes; else statement.received += minutes;
      statement.lines.push({ exchange: e, gave, minutes, balance });
    }
    statement.closing = balance;
    return statement;
  }

  function signed(minutes) {
    return (minutes > 0 ? '+' : minutes < 0 ? '-' : '') + formatMinutes(minutes);
  }

  function drawPaper(statement, from, to) {
    const name = nameOf(state.accountId);
    $('paper-title').textContent = 'Statement for ' + name;
    $('paper-period').textContent = (from ? formatDate(from) + ' to ' + formatDate(to)
      : 'every exchange up to ' + formatDate(to)) + ' · account ' + state.accountId + ' of ' +
      $('timebank-name').textContent;
    const net = statement.closing;
    $('paper-net').textContent = net === 0 ? 'Given and received are level.'
      : 'Balance ' + signed(net) + ': ' + (net > 0 ? 'gave ' : 'received ') + formatMinutes(net) +
        ' more than ' + (net > 0 ? 'received.' : 'gave.');
    const row = (cells) => {
      const tr = document.createElement('tr');
      cells.forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (i >= 4) td.className = 'amount';
        tr.appendChild(td);
      });
      return tr;
    };
    const rows = [row([from ? formatDate(from) : '', 'Opening balance', '', '', '', '',
      signed(statement.opening)])];
    for (const line of statement.lines) {
      const e = line.exchange;
      const amount = formatMinutes(line.minutes);
      rows.push(row([formatDate(e.occurred_on), nameOf(line.gave ? e.receiver_id : e.giver_id),
        e.category || '', e.description || '', line.gave ? amount : '', line.gave ? '' : amount,
        signed(line.balance)]));
    }
    rows.push(row([formatDate(to), 'Closing balance', '', '', formatMinutes(statement.given),
      formatMinutes(statement.received), signed(statement.closing)]));
    $('paper-table').tBodies[0].replaceChildren(...rows);
    $('paper-pending').textContent = statement.pending === 0 ? ''
      : statement.pending + (statement.pending === 1 ? ' exchange' : ' exchanges') + ' (' +
        formatMinutes(statement.pendingMinutes) + ') waiting for confirmation, not counted yet.';
    $('paper-made').textContent = 'Made on ' + formatDate(todayIso()) + '.';
  }

  async function printStatement() {
    const from = $('print-from').value;
    const to = $('print-to').value || todayIso();
    if (from && from > to) {
      complain({ message: 'The first day of the statement must not be after its last day.' });
      return;
    }
    const exchanges = await exchangesUpTo(to);
    rememberNames(exchanges);
    drawPaper(buildStatement(exchanges, from), from, to);
    document.body.classList.add('printing-statement');
    window.print();
  }

  // ------------------------------------------------------------ start

  function start() {
    $('sign-in-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const token = $('token').value;
      if (!token.trim()) {
        complain({ message: 'Enter your sign-in code.' });
        $('token').focus();
        return;
      }
      say('Signing in…');
      signIn(token).then(() => { if (state.me) say(''); }).catch(complain);
    });
    $('sign-out').addEventListener('click', signOut);
    $('log-form').addEventListener('submit', (event) => { submitLog(event).catch(complain); });
    $('log-form').addEventListener('input', () => { state.requestId = null; });
    $('partner-search').addEventListener('input', () => { searchPartners().catch(complain); });
    $('partner-search').addEventListener('focus', () => {
      if (!$('partner-search').value.trim()) searchPartners().catch(complain);
    });
    $('print-statement').addEventListener('click', () => { printStatement().catch(complain); });
    window.addEventListener('afterprint', () => document.body.classList.remove('printing-statement'));
    $('statement-more').addEventListener('click', () => {
      state.showAll = true;
      showStatement(state.exchanges);
    });
    $('timebank-choice').addEventListener('change', async (event) => {
      state.timebankId = event.target.value;
      state.accountId = '';
      try {
        await loadAccounts();
        await refresh();
      } catch (error) {
        complain(error);
      }
    });
    $('member-choice').addEventListener('change', (event) => {
      state.accountId = event.target.value;
      state.showAll = false;
      refresh().catch(complain);
    });
    const token = readTokenFromLink() || sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      signIn(token).catch(complain);
    } else {
      showSignIn();
    }
  }

  start();
}());
