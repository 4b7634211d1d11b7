/*
 * realmgate web page: users and their API tokens.
 */
'use strict';

(function () {
	var RG = window.RG;
	var h = RG.h;
	var users = [];
	var factors = {};	/* userid -> GET /access/tfa's entry */
	var editing = null;	/* userid being edited, or null: adding */

	function splitList(s) {
		return String(s || '').split(/[\s,;]+/).filter(Boolean);
	}
	RG.splitList = splitList;

	/* ---- users ---------------------------------------------------------- */

	function form() { return RG.$('#user-form'); }

	function fullName(u) {
		return [u.firstname, u.lastname].filter(Boolean).join(' ');
	}

	function renderUsers() {
		var tbody = RG.clear(RG.$('#users-table tbody'));
		users.forEach(function (u) {
			var enabled = Number(u.enable) === 1;
			tbody.appendChild(h('tr', {'data-userid': u.userid},
			    h('td', {class: 'mono'}, u.userid),
			    h('td', null, fullName(u)),
			    h('td', null, u.email || ''),
			    h('td', null, h('span', {class: 'tag ' + (enabled ? 'yes' : 'no')}, enabled ? 'yes' : 'no')),
			    h('td', {class: 'nowrap'}, RG.formatEpoch(u.expire)),
			    h('td', null, splitList(u.groups).join(', ')),
			    h('td', {class: 'tfa-cell'}, tfaSummary(u)),
			    h('td', null, u.comment || ''),
			    h('td', {class: 'row-actions'},
				h('button', {type: 'button', class: 'small', onclick: function () { editUser(u); }}, 'Edit'),
				h('a', {class: 'button small', href: '#tokens/' + encodeURIComponent(u.userid)}, 'Tokens'),
				h('a', {class: 'button small', href: '#tfa/' + encodeURIComponent(u.userid)}, 'Two-factor'),
				tfaLocked(u) ? h('button', {type: 'button', class: 'small',
				    onclick: function () { RG.unlockTfa(u.userid).then(function (done) { if (done) loadUsers(true); }); }},
				    'Unlock TFA') : null,
				u.userid === 'root@pam' ? null :
				h('button', {type: 'button', class: 'small danger', onclick: function () { deleteUser(u.userid); }}, 'Delete'))));
		});
		if (!users.length)
			tbody.appendChild(h('tr', null, h('td', {colspan: 9, class: 'muted'}, 'No users.')));
	}

	/* the TFA lock flags of a user listing (only while in force) */
	function tfaLocked(u) {
		var until = Number(u['tfa-locked-until'] || 0);
		return u['totp-locked'] === true || Number(u['totp-locked']) === 1 ||
		    until * 1000 > Date.now();
	}

	/* the user's factor types and locks, for the Two-factor column */
	function tfaSummary(u) {
		var f = factors[u.userid], counts = {}, out = [];
		var until = Number(u['tfa-locked-until'] || 0);

		((f && f.entries) || []).forEach(function (e) {
			counts[e.type] = (counts[e.type] || 0) + 1;
		});
		Object.keys(counts).sort().forEach(function (t) {
			out.push(h('span', {class: 'tag'}, counts[t] > 1 ? t + ' ×' + counts[t] : t));
		});
		if (u['totp-locked'] === true || Number(u['totp-locked']) === 1)
			out.push(h('span', {class: 'tag no'}, 'TOTP locked'));
		if (until * 1000 > Date.now())
			out.push(h('span', {class: 'tag no', title: 'every second factor is refused until then'},
			    'locked until ' + RG.formatTime(until)));
		if (!out.length)
			out.push(h('span', {class: 'muted'}, '—'));
		return out;
	}

	function renderGroupPicker() {
		var box = RG.clear(RG.$('#user-group-picker'));
		var chosen = splitList(form().elements.groups.value);
		RG.data.groups.forEach(function (g) {
			var on = chosen.indexOf(g.groupid) >= 0;
			box.appendChild(h('button', {type: 'button', class: 'chip toggle' + (on ? ' on' : ''),
			    'aria-pressed': on ? 'true' : 'false',
			    title: g.comment || g.groupid,
			    onclick: function () { toggleGroup(g.groupid); }}, g.groupid));
		});
		if (!RG.data.groups.length)
			box.appendChild(h('span', {class: 'hint'}, 'No groups yet (add them under Groups).'));
	}

	function toggleGroup(id) {
		var input = form().elements.groups;
		var list = splitList(input.value);
		var i = list.indexOf(id);
		if (i >= 0)
			list.splice(i, 1);
		else
			list.push(id);
		input.value = list.join(', ');
		renderGroupPicker();
	}

	/* keepStatus: leave the status line's message (after an action) */
	function loadUsers(keepStatus) {
		if (!keepStatus)
			RG.status('#users-status', 'Loading…');
		return Promise.all([
			RG.api('GET', '/access/users', {full: 1}),
			RG.data.refresh(),
			RG.api('GET', '/access/tfa').catch(function () { return []; })
		]).then(function (r) {
			users = r[0] || [];
			factors = {};
			(r[2] || []).forEach(function (f) { factors[f.userid] = f; });
			if (!keepStatus)
				RG.status('#users-status', '');
			renderUsers();
			renderGroupPicker();
		}, function (err) {
			RG.status('#users-status', 'Cannot load users: ' + err.message, 'error');
		});
	}

	function resetUserForm() {
		var f = form();
		editing = null;
		f.reset();
		RG.clearErrors(f);
		f.elements.userid.readOnly = false;
		RG.show('#user-password-field', true);
		RG.show('#user-cancel', false);
		RG.$('#user-form-title').textContent = 'Add user';
		RG.$('#user-submit .label').textContent = 'Add user';
		renderGroupPicker();
	}

	function editUser(u) {
		var f = form();
		resetUserForm();
		editing = u.userid;
		f.elements.userid.value = u.userid;
		f.elements.userid.readOnly = true;
		f.elements.firstname.value = u.firstname || '';
		f.elements.lastname.value = u.lastname || '';
		f.elements.email.value = u.email || '';
		f.elements.comment.value = u.comment || '';
		f.elements.expire.value = RG.epochToDate(u.expire);
		f.elements.groups.value = splitList(u.groups).join(', ');
		f.elements.enable.checked = Number(u.enable) === 1;
		RG.show('#user-password-field', false);
		RG.show('#user-cancel', true);
		RG.$('#user-form-title').textContent = 'Edit user ' + u.userid;
		RG.$('#user-submit .label').textContent = 'Save';
		renderGroupPicker();
		f.scrollIntoView({behavior: 'smooth', block: 'start'});
		f.elements.firstname.focus();
	}

	function submitUser(ev) {
		var f = form();
		var e = f.elements;
		var p = {
			enable: e.enable.checked ? 1 : 0,
			expire: RG.dateToEpoch(e.expire.value),
			firstname: e.firstname.value.trim(),
			lastname: e.lastname.value.trim(),
			email: e.email.value.trim(),
			comment: e.comment.value.trim(),
			groups: splitList(e.groups.value).join(',')
		};
		var call, done;

		ev.preventDefault();
		RG.clearErrors(f);
		if (editing) {
			call = RG.api('PUT', '/access/users/' + RG.seg(editing), p);
			done = 'User ' + editing + ' saved.';
		} else {
			p.userid = e.userid.value.trim();
			if (!p.userid) {
				RG.showErrors(f, {message: 'Enter a user id.', errors: {userid: 'required (name@realm)'}});
				return;
			}
			/* on create, leave out what is empty */
			['firstname', 'lastname', 'email', 'comment', 'groups'].forEach(function (k) {
				if (!p[k])
					delete p[k];
			});
			if (!p.expire)
				delete p.expire;
			if (e.password.value)
				p.password = e.password.value;
			call = RG.api('POST', '/access/users', p);
			done = 'User ' + p.userid + ' added.';
		}
		RG.busy(RG.$('#user-submit'), call).then(function () {
			resetUserForm();
			RG.status('#users-status', done, 'ok');
			return loadUsers().then(function () { RG.status('#users-status', done, 'ok'); });
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	function deleteUser(userid) {
		RG.confirm('Delete user ' + userid + '? Its group memberships and ACL entries are removed too.')
		    .then(function (yes) {
			if (!yes)
				return;
			RG.api('DELETE', '/access/users/' + RG.seg(userid)).then(function () {
				if (editing === userid)
					resetUserForm();
				return loadUsers().then(function () {
					RG.status('#users-status', 'User ' + userid + ' deleted.', 'ok');
				});
			}, function (err) {
				RG.status('#users-status', 'Cannot delete ' + userid + ': ' + err.message, 'error');
			});
		});
	}

	RG.views.users = {load: function () { resetUserForm(); loadUsers(); }};

	/* ---- tokens of one user -------------------------------------------- */

	var tokenUser = null;

	function tokenPath(tokenid) {
		return '/access/users/' + RG.seg(tokenUser) + '/token' +
		    (tokenid ? '/' + RG.seg(tokenid) : '');
	}

	function loadTokens() {
		var tbody = RG.$('#tokens-table tbody');
		RG.status('#tokens-status', 'Loading…');
		return RG.api('GET', tokenPath()).then(function (list) {
			list = (list || []).slice().sort(function (a, b) {
				return a.tokenid < b.tokenid ? -1 : 1;
			});
			RG.clear(tbody);
			RG.status('#tokens-status', '');
			list.forEach(function (t) {
				tbody.appendChild(h('tr', {'data-tokenid': t.tokenid},
				    h('td', {class: 'mono'}, tokenUser + '!' + t.tokenid),
				    h('td', null, Number(t.privsep) === 1 ? 'yes' : 'no (full user privileges)'),
				    h('td', null, RG.formatEpoch(t.expire)),
				    h('td', null, t.comment || ''),
				    h('td', {class: 'row-actions'},
					h('button', {type: 'button', class: 'small', onclick: function () { regenerate(t.tokenid); }}, 'Regenerate secret'),
					h('button', {type: 'button', class: 'small danger', onclick: function () { deleteToken(t.tokenid); }}, 'Delete'))));
			});
			if (!list.length)
				tbody.appendChild(h('tr', null, h('td', {colspan: 5, class: 'muted'}, 'No API tokens.')));
		}, function (err) {
			RG.clear(tbody);
			RG.status('#tokens-status', 'Cannot load tokens: ' + err.message, 'error');
		});
	}

	function submitToken(ev) {
		var f = RG.$('#token-form');
		var e = f.elements;
		var tokenid = e.tokenid.value.trim();
		var p = {privsep: e.privsep.checked ? 1 : 0};

		ev.preventDefault();
		RG.clearErrors(f);
		if (!tokenid) {
			RG.showErrors(f, {message: 'Enter a token name.', errors: {tokenid: 'required'}});
			return;
		}
		if (e.expire.value)
			p.expire = RG.dateToEpoch(e.expire.value);
		if (e.comment.value.trim())
			p.comment = e.comment.value.trim();
		RG.busy(RG.$('#token-submit'), RG.api('POST', tokenPath(tokenid), p)).then(function (data) {
			f.reset();
			RG.showSecret((data && data['full-tokenid']) || tokenUser + '!' + tokenid,
			    data && data.value);
			loadTokens();
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	function regenerate(tokenid) {
		RG.confirm('Regenerate the secret of ' + tokenUser + '!' + tokenid +
		    '? Programs using the old secret stop working.', 'Regenerate').then(function (yes) {
			if (!yes)
				return;
			RG.api('PUT', tokenPath(tokenid), {regenerate: 1}).then(function (data) {
				RG.showSecret((data && data['full-tokenid']) || tokenUser + '!' + tokenid,
				    data && data.value);
			}, function (err) {
				RG.status('#tokens-status', 'Cannot regenerate: ' + err.message, 'error');
			});
		});
	}

	function deleteToken(tokenid) {
		RG.confirm('Delete API token ' + tokenUser + '!' + tokenid + '?').then(function (yes) {
			if (!yes)
				return;
			RG.api('DELETE', tokenPath(tokenid)).then(function () {
				return loadTokens().then(function () {
					RG.status('#tokens-status', 'Token ' + tokenid + ' deleted.', 'ok');
				});
			}, function (err) {
				RG.status('#tokens-status', 'Cannot delete: ' + err.message, 'error');
			});
		});
	}

	RG.views.tokens = {
		load: function (userid) {
			tokenUser = userid || RG.currentUser();
			RG.$('#tokens-user').textContent = tokenUser;
			RG.$('#token-form').reset();
			RG.clearErrors(RG.$('#token-form'));
			loadTokens();
		}
	};

	document.addEventListener('DOMContentLoaded', function () {
		form().addEventListener('submit', submitUser);
		form().elements.groups.addEventListener('input', renderGroupPicker);
		RG.$('#user-cancel').addEventListener('click', resetUserForm);
		RG.$('#token-form').addEventListener('submit', submitToken);
	});
})();
