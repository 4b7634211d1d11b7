/*
 * realmgate web page: shared helpers.
 *
 * Everything lives in the global object RG (no framework, no build step).
 * This file: the API client (ticket cookie + CSRF header), the session,
 * small DOM helpers, error display, the confirm and secret dialogs, and the
 * list of the 47 privileges.
 */
'use strict';

var RG = window.RG = window.RG || {};
RG.views = {};	/* name -> {load(arg)}, filled by the view files */

RG.API_BASE = '/api2/json';
RG.COOKIE = 'PVEAuthCookie';
RG.CSRF_KEY = 'realmgate.csrf';
RG.USER_KEY = 'realmgate.user';

/* The 47 privileges (spec 2.1), grouped the way the role form shows them. */
RG.PRIVILEGE_GROUPS = [
	['VM', ['VM.Allocate', 'VM.Audit', 'VM.Backup', 'VM.Clone',
		'VM.Config.CDROM', 'VM.Config.CPU', 'VM.Config.Cloudinit',
		'VM.Config.Disk', 'VM.Config.HWType', 'VM.Config.Memory',
		'VM.Config.Network', 'VM.Config.Options', 'VM.Console',
		'VM.GuestAgent.Audit', 'VM.GuestAgent.FileRead',
		'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.FileWrite',
		'VM.GuestAgent.Unrestricted', 'VM.Migrate', 'VM.PowerMgmt',
		'VM.Replicate', 'VM.Snapshot', 'VM.Snapshot.Rollback']],
	['System', ['Sys.AccessNetwork', 'Sys.Audit', 'Sys.Console',
		'Sys.Incoming', 'Sys.Modify', 'Sys.PowerMgmt', 'Sys.Syslog']],
	['Datastore', ['Datastore.Allocate', 'Datastore.AllocateSpace',
		'Datastore.AllocateTemplate', 'Datastore.Audit']],
	['SDN', ['SDN.Allocate', 'SDN.Audit', 'SDN.Use']],
	['Users, groups, realms', ['User.Modify', 'Group.Allocate',
		'Realm.Allocate', 'Realm.AllocateUser']],
	['Pools', ['Pool.Allocate', 'Pool.Audit']],
	['Mappings', ['Mapping.Audit', 'Mapping.Modify', 'Mapping.Use']],
	['Permissions', ['Permissions.Modify']]
];
RG.PRIVILEGES = RG.PRIVILEGE_GROUPS.reduce(function (all, g) {
	return all.concat(g[1]);
}, []);

/* ---- DOM helpers ---------------------------------------------------- */

RG.$ = function (sel, root) { return (root || document).querySelector(sel); };
RG.$$ = function (sel, root) {
	return Array.prototype.slice.call((root || document).querySelectorAll(sel));
};

/*
 * h('td', {class: 'x', onclick: fn}, 'text', child, ...) -- builds an
 * element; strings become text nodes (never HTML), null/false are skipped.
 */
RG.h = function (tag, attrs) {
	var el = document.createElement(tag);
	var k, i, c;
	attrs = attrs || {};
	for (k in attrs) {
		if (!Object.prototype.hasOwnProperty.call(attrs, k) ||
		    attrs[k] === null || attrs[k] === undefined || attrs[k] === false)
			continue;
		if (k.slice(0, 2) === 'on')
			el.addEventListener(k.slice(2), attrs[k]);
		else if (k === 'text')
			el.textContent = attrs[k];
		else if (attrs[k] === true)
			el.setAttribute(k, '');
		else
			el.setAttribute(k, attrs[k]);
	}
	for (i = 2; i < arguments.length; i++) {
		c = arguments[i];
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c)) {
			c.forEach(function (x) { if (x) el.appendChild(typeof x === 'string' ? document.createTextNode(x) : x); });
			continue;
		}
		el.appendChild(typeof c === 'string' || typeof c === 'number' ?
		    document.createTextNode(String(c)) : c);
	}
	return el;
};

RG.clear = function (el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
};

RG.show = function (el, on) {
	if (typeof el === 'string')
		el = RG.$(el);
	if (el)
		el.hidden = !on;
};

/* epoch seconds <-> value of an <input type="date"> (local midnight) */
RG.epochToDate = function (epoch) {
	var d, m, day;
	epoch = Number(epoch || 0);
	if (!epoch)
		return '';
	d = new Date(epoch * 1000);
	m = String(d.getMonth() + 1).padStart(2, '0');
	day = String(d.getDate()).padStart(2, '0');
	return d.getFullYear() + '-' + m + '-' + day;
};
RG.dateToEpoch = function (value) {
	if (!value)
		return 0;
	return Math.floor(new Date(value + 'T00:00:00').getTime() / 1000);
};
RG.formatEpoch = function (epoch) {
	epoch = Number(epoch || 0);
	return epoch ? RG.epochToDate(epoch) : 'never';
};

/* "YYYY-MM-DD HH:MM" of epoch seconds, local time ('' for none) */
RG.formatTime = function (epoch) {
	var d;
	epoch = Number(epoch || 0);
	if (!epoch)
		return '';
	d = new Date(epoch * 1000);
	return RG.epochToDate(epoch) + ' ' + String(d.getHours()).padStart(2, '0') +
	    ':' + String(d.getMinutes()).padStart(2, '0');
};

/* base64url (WebAuthn's encoding of binary fields) <-> bytes */
RG.b64uToBytes = function (s) {
	var b = atob(String(s).replace(/-/g, '+').replace(/_/g, '/') +
	    '==='.slice((String(s).length + 3) % 4));
	var out = new Uint8Array(b.length), i;
	for (i = 0; i < b.length; i++)
		out[i] = b.charCodeAt(i);
	return out;
};
RG.bytesToB64u = function (buf) {
	var bytes = new Uint8Array(buf), s = '', i;
	for (i = 0; i < bytes.length; i++)
		s += String.fromCharCode(bytes[i]);
	return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/* ---- session: cookie + CSRF token ----------------------------------- */

RG.getCookie = function (name) {
	var parts = document.cookie ? document.cookie.split('; ') : [];
	var i, eq;
	for (i = 0; i < parts.length; i++) {
		eq = parts[i].indexOf('=');
		if (parts[i].slice(0, eq) === name)
			return decodeURIComponent(parts[i].slice(eq + 1));
	}
	return null;
};

RG.setSession = function (answer) {
	var cookie = RG.COOKIE + '=' + encodeURIComponent(answer.ticket) +
	    '; path=/; SameSite=Strict';
	if (location.protocol === 'https:')
		cookie += '; Secure';
	document.cookie = cookie;
	sessionStorage.setItem(RG.CSRF_KEY, answer.CSRFPreventionToken);
	sessionStorage.setItem(RG.USER_KEY, answer.username);
};

RG.clearSession = function () {
	var cookie = RG.COOKIE + '=; path=/; SameSite=Strict; expires=Thu, 01 Jan 1970 00:00:00 GMT';
	if (location.protocol === 'https:')
		cookie += '; Secure';
	document.cookie = cookie;
	sessionStorage.removeItem(RG.CSRF_KEY);
	sessionStorage.removeItem(RG.USER_KEY);
};

RG.currentUser = function () {
	return sessionStorage.getItem(RG.USER_KEY);
};

/* The user id inside a ticket "PVE:<userid>:<TS>::<sig>", or null. */
RG.ticketUser = function (ticket) {
	var m = /^PVE:(.+):[0-9A-F]{8}::/.exec(ticket || '');
	if (!m || m[1].charAt(0) === '!')
		return null;
	return m[1].replace(/%3A/gi, ':');
};

/* ---- API client ------------------------------------------------------ */

/* An API failure: status, message, errors ({param: message}) */
RG.ApiError = function (status, message, errors) {
	this.status = status;
	this.message = message || ('HTTP ' + status);
	this.errors = errors || null;
};
RG.ApiError.prototype.toString = function () { return this.message; };

/* Encode one path segment, keeping '@' and '!' readable (user/token ids). */
RG.seg = function (s) {
	return encodeURIComponent(s).replace(/%40/g, '@');
};

function encodeParams(params) {
	var q = new URLSearchParams();
	Object.keys(params || {}).forEach(function (k) {
		var v = params[k];
		if (v === undefined || v === null)
			return;
		if (typeof v === 'boolean')
			v = v ? 1 : 0;
		q.append(k, String(v));
	});
	return q;
}

/* Called when an authenticated call answers 401 (set by app.js). */
RG.onUnauthorized = null;

/*
 * RG.api('GET', '/access/users', {full: 1}) -> Promise of the answer's
 * "data".  opts.noAuthRedirect: a 401 is just an error (login calls).
 */
RG.api = function (method, path, params, opts) {
	var url = RG.API_BASE + path;
	var init = {method: method, headers: {}, credentials: 'same-origin'};
	var body = encodeParams(params);
	var csrf = sessionStorage.getItem(RG.CSRF_KEY);
	opts = opts || {};

	if (method === 'GET') {
		if (body.toString())
			url += '?' + body.toString();
	} else {
		init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
		init.body = body.toString();
		if (csrf)
			init.headers.CSRFPreventionToken = csrf;
	}
	return fetch(url, init).then(function (resp) {
		return resp.text().then(function (text) {
			var json = null;
			try {
				json = text ? JSON.parse(text) : null;
			} catch (e) {
				json = null;
			}
			if (resp.ok)
				return json ? json.data : null;
			if (resp.status === 401 && !opts.noAuthRedirect && RG.onUnauthorized)
				RG.onUnauthorized();
			throw new RG.ApiError(resp.status,
			    (json && json.message) || resp.statusText || ('HTTP ' + resp.status),
			    json && json.errors);
		});
	}, function (err) {
		throw new RG.ApiError(0, 'Cannot reach the server: ' + err.message);
	});
};

/* ---- forms ------------------------------------------------------------ */

/* Remove the error display of a form. */
RG.clearErrors = function (form) {
	RG.$$('.field-error', form).forEach(function (e) { e.remove(); });
	RG.$$('[aria-invalid]', form).forEach(function (e) {
		e.removeAttribute('aria-invalid');
	});
	var box = RG.$('.form-error', form);
	if (box) {
		box.textContent = '';
		box.hidden = true;
	}
};

/*
 * Show an API error at a form: the message in the form's .form-error box,
 * and each {param: message} next to the field of that name (or in the box
 * when the form has no such field).
 */
RG.showErrors = function (form, err) {
	var box = RG.$('.form-error', form);
	var extra = [];
	RG.clearErrors(form);
	if (err && err.errors) {
		Object.keys(err.errors).forEach(function (param) {
			var field = form.elements.namedItem(param);
			var msg = String(err.errors[param]).trim();
			if (field && field.length !== undefined && !field.tagName)
				field = field[0];
			if (field && field.closest && !field.closest('[hidden]')) {
				field.setAttribute('aria-invalid', 'true');
				(field.closest('.field') || field.parentNode).appendChild(
				    RG.h('div', {class: 'field-error', role: 'alert'}, msg));
			} else {
				extra.push(param + ': ' + msg);
			}
		});
	}
	if (box) {
		box.textContent = (err ? err.message || String(err) : 'Error') +
		    (extra.length ? ' (' + extra.join('; ') + ')' : '');
		box.hidden = false;
		if (box.scrollIntoView)
			box.scrollIntoView({block: 'nearest'});
	}
};

/* Show a message in a view's status line (kind: 'error' or 'ok'). */
RG.status = function (el, text, kind) {
	if (typeof el === 'string')
		el = RG.$(el);
	if (!el)
		return;
	el.textContent = text || '';
	el.className = 'status' + (kind ? ' ' + kind : '');
	el.hidden = !text;
};

/* Mark a button busy (disabled + spinner) while a promise runs. */
RG.busy = function (button, promise) {
	button.disabled = true;
	button.classList.add('busy');
	return promise.then(function (v) {
		button.disabled = false;
		button.classList.remove('busy');
		return v;
	}, function (e) {
		button.disabled = false;
		button.classList.remove('busy');
		throw e;
	});
};

/* ---- dialogs ------------------------------------------------------------ */

/* A yes/no question in #confirm-dialog; resolves to true or false. */
RG.confirm = function (text, okLabel) {
	var dlg = RG.$('#confirm-dialog');
	RG.$('#confirm-text').textContent = text;
	RG.$('#confirm-ok').textContent = okLabel || 'Delete';
	return new Promise(function (resolve) {
		function done() {
			dlg.removeEventListener('close', done);
			resolve(dlg.returnValue === 'ok');
		}
		dlg.returnValue = '';
		dlg.addEventListener('close', done);
		dlg.showModal();
	});
};

/* Show a new token secret once, in #secret-dialog. */
RG.showSecret = function (tokenid, secret) {
	var dlg = RG.$('#secret-dialog');
	RG.$('#secret-tokenid').textContent = tokenid;
	RG.$('#secret-value').value = secret;
	RG.$('#secret-copied').hidden = true;
	dlg.showModal();
	RG.$('#secret-value').select();
};

document.addEventListener('DOMContentLoaded', function () {
	var copy = RG.$('#secret-copy');
	if (copy)
		copy.addEventListener('click', function () {
			var input = RG.$('#secret-value');
			input.select();
			var shown = function () { RG.$('#secret-copied').hidden = false; };
			if (navigator.clipboard && window.isSecureContext)
				navigator.clipboard.writeText(input.value).then(shown, function () {});
			else if (document.execCommand('copy'))
				shown();
		});
});
