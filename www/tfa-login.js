/*
 * realmgate web page: the second step of a login (spec 4.4, 10.3).  The
 * partial ticket "PVE:!tfa!<challenge>:..." says which factors the user
 * may answer with: a TOTP code, a recovery code, a WebAuthn key or
 * passkey (the browser's credential API), a Yubico OTP.  The answer goes
 * back to POST /access/ticket with the partial ticket as tfa-challenge,
 * exactly as Proxmox's own page sends it.
 */
'use strict';

(function () {
	var RG = window.RG;
	var state = null;	/* {answer, challenge, done, cancel} */

	var KINDS = {
		totp: {label: 'Authenticator app (TOTP)', field: 'Code', hint: '123456'},
		recovery: {label: 'Recovery code', field: 'Recovery code', hint: 'xxxx-xxxx-xxxx-xxxx'},
		yubico: {label: 'Yubico OTP', field: 'Touch your YubiKey', hint: ''},
		webauthn: {label: 'Security key or passkey (WebAuthn)', field: null}
	};

	function form() { return RG.$('#tfa-form'); }

	function setError(text) {
		var box = RG.$('#tfa-error');
		box.textContent = text || '';
		box.hidden = !text;
	}

	function setBusy(on) {
		var b = RG.$('#tfa-submit');
		b.disabled = on;
		b.classList.toggle('busy', on);
	}

	/* The challenge inside a partial ticket (":" is sent as %3A). */
	function challengeOf(ticket) {
		var m = /^PVE:!tfa!(.*):[0-9A-F]{8}::/.exec(ticket || '');
		if (!m)
			return null;
		try {
			return JSON.parse(decodeURIComponent(m[1]));
		} catch (e) {
			return null;
		}
	}

	/* The kinds the challenge offers, in the order the page lists them. */
	function offered(ch) {
		var list = [];
		if (ch.webauthn && window.PublicKeyCredential)
			list.push('webauthn');
		if (ch.totp)
			list.push('totp');
		if (ch.yubico)
			list.push('yubico');
		if (ch.recovery && ch.recovery.length)
			list.push('recovery');
		return list;
	}

	function kindChanged() {
		var kind = form().elements.kind.value, k = KINDS[kind];
		var code = form().elements.code;
		RG.show('#tfa-code-field', !!k.field);
		RG.show('#tfa-webauthn-hint', !k.field);
		if (k.field) {
			RG.$('#tfa-code-label').textContent = k.field;
			code.placeholder = k.hint;
			code.inputMode = kind === 'totp' ? 'numeric' : 'text';
			code.focus();
		}
	}

	/* navigator.credentials.get with the server's request options. */
	function webauthnResponse(request) {
		var pk = Object.assign({}, request.publicKey);
		pk.challenge = RG.b64uToBytes(pk.challenge);
		pk.allowCredentials = (pk.allowCredentials || []).map(function (c) {
			return Object.assign({}, c, {id: RG.b64uToBytes(c.id)});
		});
		return navigator.credentials.get({publicKey: pk}).then(function (cred) {
			var r = cred.response;
			/* Proxmox's shape: the challenge names the pending one */
			return JSON.stringify({
				id: cred.id,
				type: cred.type,
				challenge: request.publicKey.challenge,
				rawId: RG.bytesToB64u(cred.rawId),
				response: {
					authenticatorData: RG.bytesToB64u(r.authenticatorData),
					clientDataJSON: RG.bytesToB64u(r.clientDataJSON),
					signature: RG.bytesToB64u(r.signature),
					userHandle: r.userHandle ? RG.bytesToB64u(r.userHandle) : null
				}
			});
		});
	}

	function respond(value) {
		return RG.api('POST', '/access/ticket', {
			username: state.answer.username,
			'tfa-challenge': state.answer.ticket,
			password: value
		}, {noAuthRedirect: true});
	}

	function submit(ev) {
		var kind = form().elements.kind.value;
		var code = form().elements.code.value.trim();
		var answer;

		ev.preventDefault();
		setError('');
		if (kind === 'webauthn') {
			answer = webauthnResponse(state.challenge.webauthn)
			    .then(function (json) { return 'webauthn:' + json; });
		} else if (!code) {
			setError('Enter the ' + KINDS[kind].field.toLowerCase() + '.');
			return;
		} else {
			answer = Promise.resolve(kind + ':' + code);
		}
		setBusy(true);
		answer.then(respond).then(function (full) {
			var done = state.done;
			setBusy(false);
			close();
			done(full);
		}, function (err) {
			setBusy(false);
			form().elements.code.value = '';
			/* a wrong answer keeps the partial ticket: try again */
			setError(err && err.name === 'NotAllowedError' ?
			    'The browser did not get an answer from the key.' :
			    'Second factor not accepted.');
		});
	}

	function close() {
		form().reset();
		RG.show('#tfa-form', false);
		state = null;
	}

	function cancel() {
		var back = state && state.cancel;
		close();
		if (back)
			back('');
	}

	RG.tfaLogin = {
		/*
		 * answer: the first step's {username, ticket, NeedTFA}; done(full)
		 * gets the full login answer; cancel(message) goes back to the
		 * password form.
		 */
		ask: function (answer, done, back) {
			var ch = challengeOf(answer.ticket), kinds, sel;
			if (!ch || !(kinds = offered(ch)).length) {
				back('Login failed: no second factor this page can ask for.');
				return;
			}
			state = {answer: answer, challenge: ch, done: done, cancel: back};
			RG.$('#tfa-user').textContent = answer.username;
			sel = RG.clear(form().elements.kind);
			kinds.forEach(function (k) {
				sel.appendChild(RG.h('option', {value: k}, KINDS[k].label));
			});
			setError('');
			RG.show('#tfa-form', true);
			kindChanged();
		},
		init: function () {
			form().addEventListener('submit', submit);
			form().elements.kind.addEventListener('change', kindChanged);
			RG.$('#tfa-cancel').addEventListener('click', cancel);
		}
	};
})();
