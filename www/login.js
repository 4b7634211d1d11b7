/*
 * realmgate web page: the login view (password realms and OpenID Connect);
 * the second factor is tfa-login.js's.
 */
'use strict';

(function () {
	var RG = window.RG;
	var realms = [];	/* answer of GET /access/domains */

	function form() { return RG.$('#login-form'); }

	function realmInfo(id) {
		return realms.find(function (r) { return r.realm === id; }) || null;
	}

	function setError(text) {
		var box = RG.$('#login-error');
		box.textContent = text || '';
		box.hidden = !text;
	}

	function setBusy(on) {
		var b = RG.$('#login-submit');
		b.disabled = on;
		b.classList.toggle('busy', on);
	}

	/* Show password or OpenID mode according to the chosen realm. */
	function realmChanged() {
		var r = realmInfo(form().elements.realm.value);
		var openid = !!(r && r.type === 'openid');
		RG.show('#login-username-field', !openid);
		RG.show('#login-password-field', !openid);
		RG.show('#login-openid-hint', openid);
		form().elements.username.required = !openid;
		form().elements.password.required = !openid;
		RG.$('#login-submit .label').textContent =
		    openid ? 'Log in with OpenID Connect' : 'Log in';
	}

	function loadRealms() {
		var sel = form().elements.realm;
		return RG.api('GET', '/access/domains', null, {noAuthRedirect: true})
		    .then(function (list) {
			realms = (list || []).slice().sort(function (a, b) {
				return a.realm < b.realm ? -1 : a.realm > b.realm ? 1 : 0;
			});
			RG.clear(sel);
			realms.forEach(function (r) {
				var label = r.comment ? r.comment + ' (' + r.realm + ')' : r.realm;
				sel.appendChild(RG.h('option', {value: r.realm,
				    selected: Number(r['default']) === 1}, label));
			});
			if (!realms.some(function (r) { return Number(r['default']) === 1; })) {
				var pam = realms.find(function (r) { return r.realm === 'pam'; });
				if (pam)
					sel.value = 'pam';
			}
			realmChanged();
		}, function (err) {
			RG.clear(sel).appendChild(RG.h('option', {value: ''}, '(realms unavailable)'));
			setError('Cannot load the realms: ' + err.message);
		});
	}

	/* Logged in: remember the ticket and open the application. */
	function loggedIn(answer) {
		if (!answer || !answer.ticket) {
			setError('Login failed');
			return;
		}
		if (Number(answer.NeedTFA) === 1) {
			form().elements.password.value = '';
			RG.tfaLogin.ask(answer, loggedIn, function (message) {
				RG.show('#login-form', true);
				setError(message);
			});
			RG.show('#login-form', false);
			return;
		}
		RG.setSession(answer);
		RG.show('#login-form', true);
		form().reset();
		setError('');
		RG.app.start();
	}

	function submit(ev) {
		var f = form();
		var realm = f.elements.realm.value;
		var r = realmInfo(realm);
		var username = f.elements.username.value.trim();

		ev.preventDefault();
		setError('');
		if (!realm) {
			setError('Choose a realm.');
			return;
		}
		setBusy(true);
		if (r && r.type === 'openid') {
			RG.api('POST', '/access/openid/auth-url', {
				realm: realm, 'redirect-url': location.origin + '/'
			}, {noAuthRedirect: true}).then(function (url) {
				location.href = url;
			}, function (err) {
				setBusy(false);
				setError('Login failed' + (err.status && err.status !== 401 ? ': ' + err.message : ''));
			});
			return;
		}
		if (!username || !f.elements.password.value) {
			setBusy(false);
			setError('Enter user name and password.');
			return;
		}
		/* "alice@pve" typed while realm pve is chosen: send just "alice". */
		if (username.slice(-(realm.length + 1)) === '@' + realm)
			username = username.slice(0, -(realm.length + 1));
		RG.api('POST', '/access/ticket', {
			username: username, password: f.elements.password.value, realm: realm
		}, {noAuthRedirect: true}).then(function (answer) {
			setBusy(false);
			loggedIn(answer);
		}, function (err) {
			setBusy(false);
			f.elements.password.value = '';
			setError(err.status === 0 ? 'Login failed: ' + err.message : 'Login failed');
		});
	}

	/* Back from the OpenID provider: ?state=...&code=... */
	function openidCallback() {
		var q = new URLSearchParams(location.search);
		var state = q.get('state'), code = q.get('code');
		var provErr = q.get('error');

		if (!provErr && !(state && code))
			return false;
		history.replaceState(null, '', location.pathname + location.hash);
		RG.loginView.show();
		if (provErr) {
			setError('Login failed: ' + (q.get('error_description') || provErr));
			return true;
		}
		setBusy(true);
		RG.$('#login-submit .label').textContent = 'Completing sign-in…';
		RG.api('POST', '/access/openid/login', {
			state: state, code: code, 'redirect-url': location.origin + '/'
		}, {noAuthRedirect: true}).then(function (answer) {
			setBusy(false);
			realmChanged();
			loggedIn(answer);
		}, function () {
			setBusy(false);
			realmChanged();
			setError('Login failed');
		});
		return true;
	}

	RG.loginView = {
		/* Show the login view, optionally with a message. */
		show: function (message) {
			RG.show('#app-view', false);
			RG.show('#login-view', true);
			document.title = 'realmgate — login';
			setError(message || '');
			if (!realms.length)
				loadRealms();
			var u = form().elements.username;
			if (!u.closest('[hidden]'))
				u.focus();
		},
		/* Returns true when the page was opened by the OpenID redirect. */
		init: function () {
			form().addEventListener('submit', submit);
			form().elements.realm.addEventListener('change', realmChanged);
			return openidCallback();
		}
	};
})();
