/*
 * realmgate web page: start-up, session, navigation and the
 * "My permissions" view.  The admin views are in users.js, admin.js and
 * realms.js; they register themselves in RG.views.
 */
'use strict';

(function () {
	var RG = window.RG;
	var RENEW_MS = 15 * 60 * 1000;
	var renewTimer = null;

	/* ---- lists used as input suggestions (datalists) ------------------ */

	function fillDatalist(id, values) {
		var dl = RG.$('#' + id);
		if (!dl)
			return;
		RG.clear(dl);
		values.forEach(function (v) { dl.appendChild(RG.h('option', {value: v})); });
	}

	RG.data = {
		users: [], groups: [], roles: [],
		/* Reload users, groups and roles for the suggestion lists. */
		refresh: function () {
			var d = RG.data;
			return Promise.all([
				RG.api('GET', '/access/users', {full: 1}).then(function (l) { d.users = l || []; }, function () {}),
				RG.api('GET', '/access/groups').then(function (l) { d.groups = l || []; }, function () {}),
				RG.api('GET', '/access/roles').then(function (l) { d.roles = l || []; }, function () {})
			]).then(function () {
				var tokens = [];
				d.users.forEach(function (u) {
					(u.tokens || []).forEach(function (t) {
						tokens.push(u.userid + '!' + t.tokenid);
					});
				});
				fillDatalist('user-list', d.users.map(function (u) { return u.userid; }));
				fillDatalist('userid-list', d.users.map(function (u) { return u.userid; }).concat(tokens));
				fillDatalist('token-list', tokens);
				fillDatalist('group-list', d.groups.map(function (g) { return g.groupid; }));
				fillDatalist('role-list', d.roles.map(function (r) { return r.roleid; }));
			});
		}
	};

	/* ---- navigation ------------------------------------------------------ */

	function route() {
		var hash = decodeURIComponent(location.hash.replace(/^#/, '')) || 'permissions';
		var slash = hash.indexOf('/');
		var name = slash < 0 ? hash : hash.slice(0, slash);
		var arg = slash < 0 ? null : hash.slice(slash + 1);
		/* a user's tokens and an admin's view of a user's factors */
		var navName = name === 'tokens' || (name === 'tfa' && arg) ? 'users' : name;

		if (!RG.views[name]) {
			name = navName = 'permissions';
			arg = null;
		}
		RG.$$('.view').forEach(function (v) { v.hidden = v.id !== 'view-' + name; });
		RG.$$('.sidebar a').forEach(function (a) {
			if (a.id === 'nav-' + navName)
				a.setAttribute('aria-current', 'page');
			else
				a.removeAttribute('aria-current');
		});
		document.title = 'realmgate — ' + RG.$('#nav-' + navName).textContent;
		RG.views[name].load(arg);
	}

	/* ---- session --------------------------------------------------------- */

	/* Get a fresh ticket and CSRF token with the current ticket. */
	function renew(userid) {
		var ticket = RG.getCookie(RG.COOKIE);
		if (!ticket)
			return Promise.reject(new RG.ApiError(401, 'no ticket'));
		return RG.api('POST', '/access/ticket', {username: userid, password: ticket},
		    {noAuthRedirect: true}).then(function (answer) {
			if (!answer || !answer.ticket || answer.NeedTFA)
				throw new RG.ApiError(401, 'renewal refused');
			RG.setSession(answer);
			return answer;
		});
	}

	function logout(message) {
		if (renewTimer)
			clearInterval(renewTimer);
		renewTimer = null;
		RG.clearSession();
		/* the next user starts on their own page, not on this one's view */
		if (location.hash)
			history.replaceState(null, '', location.pathname + location.search);
		RG.loginView.show(message);
	}

	RG.app = {
		/* Called once logged in (ticket cookie and CSRF token stored). */
		start: function () {
			var user = RG.currentUser();
			RG.show('#login-view', false);
			RG.show('#app-view', true);
			RG.$('#whoami').textContent = user;
			RG.$('#permissions-userid').value = '';
			if (renewTimer)
				clearInterval(renewTimer);
			renewTimer = setInterval(function () {
				renew(RG.currentUser()).catch(function () {});
			}, RENEW_MS);
			RG.data.refresh();
			if (!location.hash)
				history.replaceState(null, '', '#permissions');
			route();
		},
		logout: logout
	};

	/* ---- My permissions ---------------------------------------------------- */

	function permUser() {
		return RG.$('#permissions-userid').value.trim();
	}

	function privChip(name, propagate) {
		return RG.h('span', {class: 'chip' + (propagate ? ' prop' : ''),
		    title: propagate ? name + ': propagates to sub-paths' : name + ': this path only'},
		    name, propagate ? RG.h('span', {class: 'prop-marker', 'aria-label': ' (propagates)'}, '↓') : null);
	}

	function loadPermissions() {
		var tbody = RG.$('#permissions-table tbody');
		var params = {};
		if (permUser())
			params.userid = permUser();
		RG.status('#permissions-status', 'Loading…');
		return RG.api('GET', '/access/permissions', params).then(function (map) {
			var paths = Object.keys(map || {}).sort();
			RG.clear(tbody);
			RG.status('#permissions-status', paths.length ? '' :
			    'No privileges anywhere.', paths.length ? '' : 'ok');
			paths.forEach(function (path) {
				var privs = Object.keys(map[path]).sort();
				tbody.appendChild(RG.h('tr', {'data-path': path},
				    RG.h('td', {class: 'mono'}, path),
				    RG.h('td', null, privs.length ? privs.map(function (p) {
					return privChip(p, Number(map[path][p]) === 1);
				    }) : RG.h('span', {class: 'muted'}, 'none')),
				    RG.h('td', {class: 'row-actions'},
					RG.h('button', {type: 'button', class: 'small',
					    onclick: function () { explain(path); }}, 'Why?'))));
			});
		}, function (err) {
			RG.clear(tbody);
			RG.status('#permissions-status', 'Cannot load permissions: ' + err.message, 'error');
		});
	}

	function describeGrant(g) {
		var li = RG.h('li');
		if (!g.role) {
			li.appendChild(document.createTextNode(g.description || g.message ||
			    'granted without an ACL entry (root@pam has every privilege)'));
			return li;
		}
		var who = g.kind === 'group' ? 'group ' : g.kind === 'token' ? 'API token ' : 'user ';
		li.appendChild(RG.h('span', null, 'role ', RG.h('strong', null, g.role),
		    ' on ', RG.h('code', null, g.path || '/'),
		    ' given to ', who, RG.h('strong', null, g.subject || '?')));
		if (g.kind === 'group')
			li.appendChild(RG.h('span', {class: 'muted'}, ' (a member)'));
		if (g.pool)
			li.appendChild(RG.h('span', null, ' through pool ', RG.h('strong', null, g.pool)));
		li.appendChild(RG.h('span', {class: 'tag' + (Number(g.propagate) ? ' prop' : '')},
		    Number(g.propagate) ? 'propagates' : 'this path only'));
		return li;
	}

	function explain(path) {
		var out = RG.$('#why-result');
		var params = {path: path};
		RG.$('#why-path').value = path;
		RG.$$('#permissions-table tbody tr').forEach(function (tr) {
			tr.classList.toggle('selected', tr.getAttribute('data-path') === path);
		});
		if (permUser())
			params.userid = permUser();
		RG.clear(out);
		RG.status('#why-status', 'Loading…');
		return RG.api('GET', '/access/permissions/why', params).then(function (data) {
			var privs = Object.keys(data || {}).sort();
			RG.status('#why-status', '');
			out.appendChild(RG.h('p', {class: 'muted'}, (params.userid || RG.currentUser()) +
			    ' on ', RG.h('code', null, path), ':'));
			if (!privs.length) {
				out.appendChild(RG.h('p', null, 'No privileges on this path.'));
				return;
			}
			privs.forEach(function (p) {
				var grants = Array.isArray(data[p]) ? data[p] : [];
				out.appendChild(RG.h('div', {class: 'why-priv'},
				    RG.h('h4', null, p),
				    RG.h('ul', null, grants.length ? grants.map(describeGrant) :
					RG.h('li', {class: 'muted'}, 'no ACL entry recorded'))));
			});
		}, function (err) {
			RG.status('#why-status', err.status === 404 || err.status === 501 ?
			    'The server does not explain permissions (GET /access/permissions/why).' :
			    'Cannot explain: ' + err.message, 'error');
		});
	}

	RG.views.permissions = {
		load: function () {
			loadPermissions();
		}
	};

	/* ---- start-up -------------------------------------------------------- */

	document.addEventListener('DOMContentLoaded', function () {
		var ticket, user;

		RG.onUnauthorized = function () {
			if (!RG.$('#app-view').hidden)
				logout('Your session has expired. Please log in again.');
		};
		RG.$('#logout').addEventListener('click', function () { logout(); });
		RG.$('#permissions-form').addEventListener('submit', function (ev) {
			ev.preventDefault();
			RG.clear(RG.$('#why-result'));
			RG.status('#why-status', '');
			RG.busy(RG.$('#permissions-submit'), loadPermissions());
		});
		RG.$('#why-form').addEventListener('submit', function (ev) {
			var p = RG.$('#why-path').value.trim();
			ev.preventDefault();
			if (p)
				RG.busy(RG.$('#why-submit'), explain(p));
		});
		window.addEventListener('hashchange', function () {
			if (!RG.$('#app-view').hidden)
				route();
		});

		RG.tfaLogin.init();
		if (RG.loginView.init())
			return;	/* OpenID redirect: login.js finishes it */

		ticket = RG.getCookie(RG.COOKIE);
		user = RG.currentUser();
		if (ticket && user && sessionStorage.getItem(RG.CSRF_KEY)) {
			RG.app.start();
		} else if (ticket && RG.ticketUser(ticket)) {
			/* e.g. a new tab: the cookie is there, the CSRF token is not */
			renew(RG.ticketUser(ticket)).then(RG.app.start, function () {
				RG.clearSession();
				RG.loginView.show();
			});
		} else {
			RG.loginView.show();
		}
	});
})();
