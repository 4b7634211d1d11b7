/*
 * realmgate web page: the Two-factor view (#tfa, or #tfa/<userid> for an
 * administrator looking at another user).  Lists the user's factors and
 * adds a TOTP (secret made here, QR code drawn here by qr.js), recovery
 * codes (shown once) and WebAuthn keys or passkeys; enables, disables and
 * removes entries.  Every change sends the caller's password, as
 * Proxmox's own page does (root@pam is not asked), and uses the requests
 * of Proxmox's API (spec 8.5, 10.7).
 */
'use strict';

(function () {
	var RG = window.RG;
	var h = RG.h;
	var userid = null;	/* whose factors the view shows */
	var entries = [];

	var TYPE_LABELS = {
		totp: 'TOTP (authenticator app)',
		recovery: 'Recovery codes',
		webauthn: 'WebAuthn (key or passkey)',
		u2f: 'U2F (legacy key)',
		yubico: 'Yubico OTP'
	};

	function isSelf() { return userid === RG.currentUser(); }
	function callerIsRoot() { return RG.currentUser() === 'root@pam'; }

	function tfaPath(id) {
		return '/access/tfa/' + RG.seg(userid) + (id ? '/' + RG.seg(id) : '');
	}

	/* the caller's password for a change; undefined for root@pam */
	function passwordOf(form) {
		var v = form.elements.password.value;
		if (callerIsRoot())
			return undefined;
		if (!v) {
			RG.showErrors(form, {message: 'Enter your password to confirm.',
			    errors: {password: 'required'}});
			return null;
		}
		return v;
	}

	/* ---- the list ---------------------------------------------------- */

	function enabled(e) {
		return e.enable === undefined || e.enable === null || Number(e.enable) === 1;
	}

	function renderLocks(info) {
		var box = RG.$('#tfa-locks'), parts = [];
		var until = info && Number(info['tfa-locked-until'] || 0);

		RG.clear(box);
		if (info && (info['totp-locked'] === true || Number(info['totp-locked']) === 1))
			parts.push('TOTP is locked after too many wrong codes: ' +
			    (isSelf() ? 'log in with a recovery code, or ask an administrator to unlock it.' :
			    'the user can log in with a recovery code, or you unlock it.'));
		if (until && until * 1000 > Date.now())
			parts.push('Every second factor is locked until ' + RG.formatTime(until) +
			    ' after too many failed attempts.');
		parts.forEach(function (p) { box.appendChild(h('p', null, p)); });
		if (parts.length && !isSelf())
			box.appendChild(h('button', {type: 'button', class: 'small', id: 'tfa-unlock',
			    onclick: function () { RG.unlockTfa(userid).then(load); }}, 'Unlock TFA'));
		box.hidden = !parts.length;
	}

	function render() {
		var tbody = RG.clear(RG.$('#tfa-table tbody'));
		var hasRecovery = entries.some(function (e) { return e.type === 'recovery'; });

		entries.forEach(function (e) {
			var on = enabled(e);
			tbody.appendChild(h('tr', {'data-id': e.id, 'data-type': e.type},
			    h('td', null, TYPE_LABELS[e.type] || e.type),
			    h('td', null, e.description || ''),
			    h('td', {class: 'nowrap'}, RG.formatTime(e.created) || 'N/A'),
			    h('td', null, h('span', {class: 'tag ' + (on ? 'yes' : 'no')}, on ? 'yes' : 'no')),
			    h('td', {class: 'row-actions'},
				e.type === 'recovery' ? null :
				h('button', {type: 'button', class: 'small', onclick: function () { toggle(e); }},
				    on ? 'Disable' : 'Enable'),
				h('button', {type: 'button', class: 'small danger', onclick: function () { remove(e); }},
				    'Remove'))));
		});
		if (!entries.length)
			tbody.appendChild(h('tr', null, h('td', {colspan: 5, class: 'muted'},
			    isSelf() ? 'No second factor yet: your password alone logs you in.' :
			    'No second factor.')));
		RG.show('#recovery-exists', hasRecovery);
		RG.$('#recovery-submit').disabled = hasRecovery;
	}

	function load() {
		RG.status('#tfa-status', 'Loading…');
		return Promise.all([
			RG.api('GET', tfaPath()),
			RG.api('GET', '/access/tfa').catch(function () { return []; })
		]).then(function (r) {
			entries = r[0] || [];
			RG.status('#tfa-status', '');
			render();
			renderLocks((r[1] || []).find(function (u) { return u.userid === userid; }));
		}, function (err) {
			entries = [];
			render();
			RG.status('#tfa-status', 'Cannot load the second factors: ' + err.message, 'error');
		});
	}

	/* ---- change and remove (the caller's password in a dialog) ------- */

	function askPassword(text, okLabel) {
		var dlg = RG.$('#tfa-password-dialog'), input = RG.$('#tfa-password-input');
		RG.$('#tfa-password-text').textContent = text;
		RG.$('#tfa-password-ok').textContent = okLabel;
		RG.$('#tfa-password-who').textContent = '(' + RG.currentUser() + ')';
		input.value = '';
		RG.show(RG.$('.tfa-password-field', dlg), !callerIsRoot());
		return new Promise(function (resolve) {
			function done() {
				var pw = input.value;
				dlg.removeEventListener('close', done);
				input.value = '';
				if (dlg.returnValue !== 'ok')
					resolve(null);
				else
					resolve(callerIsRoot() ? undefined : pw);
			}
			dlg.returnValue = '';
			dlg.addEventListener('close', done);
			dlg.showModal();
			if (!callerIsRoot())
				input.focus();
		});
	}

	function describe(e) {
		return (TYPE_LABELS[e.type] || e.type) + (e.description ? ' "' + e.description + '"' : '');
	}

	function toggle(e) {
		var on = !enabled(e);
		askPassword((on ? 'Enable ' : 'Disable ') + describe(e) + ' of ' + userid + '?',
		    on ? 'Enable' : 'Disable').then(function (pw) {
			if (pw === null)
				return;
			RG.api('PUT', tfaPath(e.id), {enable: on ? 1 : 0, password: pw}).then(function () {
				return load().then(function () {
					RG.status('#tfa-status', describe(e) + (on ? ' enabled.' : ' disabled.'), 'ok');
				});
			}, function (err) {
				RG.status('#tfa-status', 'Cannot change ' + describe(e) + ': ' + err.message, 'error');
			});
		});
	}

	function remove(e) {
		askPassword('Remove ' + describe(e) + ' of ' + userid + '?', 'Remove').then(function (pw) {
			if (pw === null)
				return;
			RG.api('DELETE', tfaPath(e.id), {password: pw}).then(function () {
				return load().then(function () {
					RG.status('#tfa-status', describe(e) + ' removed.', 'ok');
				});
			}, function (err) {
				RG.status('#tfa-status', 'Cannot remove ' + describe(e) + ': ' + err.message, 'error');
			});
		});
	}

	/* ---- TOTP ---------------------------------------------------------- */

	var BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

	/* 160 random bits (RFC 4226's recommended length) as 32 base32 letters */
	function newSecret() {
		var bytes = new Uint8Array(20), out = '', bits = 0, value = 0;
		window.crypto.getRandomValues(bytes);
		bytes.forEach(function (b) {
			value = (value << 8) | b;
			bits += 8;
			while (bits >= 5) {
				out += BASE32[(value >>> (bits - 5)) & 31];
				bits -= 5;
			}
		});
		return out;
	}

	/* the URI Proxmox's page builds (issuer:user, SHA1, 6 digits, 30 s) */
	function totpUri() {
		var f = RG.$('#totp-form').elements;
		var issuer = f.issuer.value.trim() || 'realmgate';
		return 'otpauth://totp/' + encodeURIComponent(issuer) + ':' +
		    encodeURIComponent(userid) + '?secret=' + f.secret.value +
		    '&period=30&digits=6&algorithm=SHA1&issuer=' + encodeURIComponent(issuer);
	}

	function drawQr() {
		var box = RG.clear(RG.$('#totp-qr')), uri = totpUri();
		try {
			box.appendChild(RG.qr.svg(uri, 232));
			box.setAttribute('data-uri-length', String(uri.length));
		} catch (e) {
			box.appendChild(h('p', {class: 'form-error'}, 'No QR code: ' + e.message));
		}
	}

	function randomize() {
		RG.$('#totp-secret').value = newSecret();
		drawQr();
	}

	function resetTotp() {
		var f = RG.$('#totp-form');
		f.reset();
		RG.clearErrors(f);
		randomize();
	}

	function submitTotp(ev) {
		var f = RG.$('#totp-form'), e = f.elements, pw, p;

		ev.preventDefault();
		RG.clearErrors(f);
		if (!e.description.value.trim()) {
			RG.showErrors(f, {message: 'Describe the app or device, to tell factors apart.',
			    errors: {description: 'required'}});
			return;
		}
		if (!/^[0-9]{6}$/.test(e.value.value.trim())) {
			RG.showErrors(f, {message: 'Enter the six-digit code the app shows now.',
			    errors: {value: 'six digits'}});
			return;
		}
		if ((pw = passwordOf(f)) === null)
			return;
		p = {type: 'totp', description: e.description.value.trim(), totp: totpUri(),
		    value: e.value.value.trim(), password: pw};
		RG.busy(RG.$('#totp-submit'), RG.api('POST', tfaPath(), p)).then(function () {
			resetTotp();
			return load().then(function () {
				RG.status('#tfa-status', 'TOTP "' + p.description + '" added: the next login asks for its code.', 'ok');
			});
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	/* ---- recovery codes -------------------------------------------- */

	function showRecovery(codes) {
		var dlg = RG.$('#recovery-dialog');
		RG.$('#recovery-codes').value = codes.map(function (c, i) {
			return i + ': ' + c;
		}).join('\n');
		RG.$('#recovery-copied').hidden = true;
		dlg.showModal();
	}

	function submitRecovery(ev) {
		var f = RG.$('#recovery-form'), pw;

		ev.preventDefault();
		RG.clearErrors(f);
		if ((pw = passwordOf(f)) === null)
			return;
		RG.busy(RG.$('#recovery-submit'), RG.api('POST', tfaPath(),
		    {type: 'recovery', password: pw})).then(function (data) {
			f.reset();
			showRecovery((data && data.recovery) || []);
			return load();
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	function copyRecovery() {
		var ta = RG.$('#recovery-codes');
		var shown = function () { RG.$('#recovery-copied').hidden = false; };
		ta.select();
		if (navigator.clipboard && window.isSecureContext)
			navigator.clipboard.writeText(ta.value).then(shown, function () {});
		else if (document.execCommand('copy'))
			shown();
	}

	function downloadRecovery() {
		var text = 'Recovery codes of ' + userid + ' for ' + location.host +
		    '\nEach code logs in once.\n\n' + RG.$('#recovery-codes').value + '\n';
		var url = URL.createObjectURL(new Blob([text], {type: 'text/plain'}));
		var a = h('a', {href: url, download: 'recovery-codes-' +
		    userid.replace(/[^A-Za-z0-9@._-]/g, '_') + '.txt'});
		document.body.appendChild(a);
		a.click();
		a.remove();
		setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
	}

	/* ---- WebAuthn ------------------------------------------------------ */

	/* navigator.credentials.create with the server's options */
	function createCredential(options) {
		var pk = options.publicKey;
		pk.challenge = RG.b64uToBytes(pk.challenge);
		pk.user.id = RG.b64uToBytes(pk.user.id);
		pk.excludeCredentials = (pk.excludeCredentials || []).map(function (c) {
			return {id: RG.b64uToBytes(c.id), type: c.type};
		});
		return navigator.credentials.create(options).then(function (cred) {
			/* ArrayBuffers as base64url, as Proxmox's page sends them */
			return JSON.stringify({
				id: cred.id,
				type: cred.type,
				rawId: RG.bytesToB64u(cred.rawId),
				response: {
					attestationObject: RG.bytesToB64u(cred.response.attestationObject),
					clientDataJSON: RG.bytesToB64u(cred.response.clientDataJSON)
				}
			});
		}, function (e) {
			throw new RG.ApiError(0, e && e.name === 'InvalidStateError' ?
			    'This key is already registered.' :
			    'The browser did not register a key (' + (e && e.name || e) + ').');
		});
	}

	function submitWebauthn(ev) {
		var f = RG.$('#webauthn-form'), e = f.elements, pw, description, work;

		ev.preventDefault();
		RG.clearErrors(f);
		description = e.description.value.trim();
		if (!description) {
			RG.showErrors(f, {message: 'Describe the key, to tell factors apart.',
			    errors: {description: 'required'}});
			return;
		}
		if ((pw = passwordOf(f)) === null)
			return;
		work = RG.api('POST', tfaPath(), {type: 'webauthn', description: description,
		    password: pw}).then(function (data) {
			var options, challenge;
			if (!data || typeof data.challenge !== 'string')
				throw new RG.ApiError(0, 'The server did not send a challenge.');
			options = JSON.parse(data.challenge);
			challenge = options.publicKey.challenge;
			return createCredential(options).then(function (value) {
				return RG.api('POST', tfaPath(), {type: 'webauthn',
				    challenge: challenge, value: value, password: pw});
			});
		});
		RG.busy(RG.$('#webauthn-submit'), work).then(function () {
			f.reset();
			return load().then(function () {
				RG.status('#tfa-status', 'Key "' + description + '" registered.', 'ok');
			});
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	/* ---- the view ---------------------------------------------------- */

	/* Unlock a user's TOTP and TFA locks (also used by the Users page). */
	RG.unlockTfa = function (id) {
		return RG.confirm('Unlock the second factors of ' + id + '?', 'Unlock').then(function (yes) {
			if (!yes)
				return false;
			return RG.api('PUT', '/access/users/' + RG.seg(id) + '/unlock-tfa').then(function (was) {
				RG.status(RG.$('#view-users').hidden ? '#tfa-status' : '#users-status',
				    was ? 'Second factors of ' + id + ' unlocked.' : id + ' was not locked.', 'ok');
				return true;
			}, function (err) {
				RG.status(RG.$('#view-users').hidden ? '#tfa-status' : '#users-status',
				    'Cannot unlock ' + id + ': ' + err.message, 'error');
				return false;
			});
		});
	};

	RG.views.tfa = {
		load: function (arg) {
			userid = arg || RG.currentUser();
			RG.$('#tfa-userid').textContent = userid;
			RG.show('#tfa-of', !isSelf());
			RG.show('#tfa-back', !isSelf());
			RG.show('#tfa-intro', isSelf());
			/* factors are added by their owner; an admin changes or removes */
			RG.show('#tfa-add', isSelf());
			RG.$$('#tfa-add .tfa-password-field').forEach(function (el) {
				el.hidden = callerIsRoot();
			});
			RG.status('#tfa-status', '');
			RG.show('#tfa-locks', false);
			['#webauthn-form', '#recovery-form'].forEach(function (sel) {
				RG.$(sel).reset();
				RG.clearErrors(RG.$(sel));
			});
			RG.show('#webauthn-unsupported', !window.PublicKeyCredential);
			RG.$('#webauthn-submit').disabled = !window.PublicKeyCredential;
			if (isSelf())
				resetTotp();
			load();
		}
	};

	document.addEventListener('DOMContentLoaded', function () {
		RG.$('#totp-form').addEventListener('submit', submitTotp);
		RG.$('#totp-randomize').addEventListener('click', randomize);
		RG.$('#totp-issuer').addEventListener('input', drawQr);
		RG.$('#recovery-form').addEventListener('submit', submitRecovery);
		RG.$('#webauthn-form').addEventListener('submit', submitWebauthn);
		RG.$('#recovery-copy').addEventListener('click', copyRecovery);
		RG.$('#recovery-download').addEventListener('click', downloadRecovery);
		/* shown once: Esc does not close them unseen, and they leave the DOM */
		RG.$('#recovery-dialog').addEventListener('cancel', function (ev) {
			ev.preventDefault();
		});
		RG.$('#recovery-dialog').addEventListener('close', function () {
			RG.$('#recovery-codes').value = '';
		});
	});
})();
