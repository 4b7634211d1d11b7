/*
 * realmgate web page: realms (authentication domains).  The form shows the
 * properties of the chosen type (spec 5.1/5.2 plus realmgate's `disable`).
 */
'use strict';

(function () {
	var RG = window.RG;
	var h = RG.h;

	var LDAP = ['ldap', 'ad'];
	var EXT = ['ldap', 'ad', 'openid'];
	var ALL = ['ldap', 'ad', 'openid', 'pve', 'pam'];

	/*
	 * name: API property; kind: text, number, password, bool or select;
	 * types: realm types showing it; req: types requiring it; def: default
	 * of a boolean; createOnly: fixed after creation.
	 */
	var FIELDS = [
		{name: 'server1', label: 'Server', kind: 'text', types: LDAP, req: LDAP, hint: 'host name or IP'},
		{name: 'server2', label: 'Fallback server', kind: 'text', types: LDAP},
		{name: 'port', label: 'Port', kind: 'number', types: LDAP, hint: '389, or 636 for ldaps', min: 1, max: 65535},
		{name: 'mode', label: 'Mode', kind: 'select', types: LDAP,
			options: [['', '(default: ldap)'], ['ldap', 'ldap'], ['ldaps', 'ldaps'], ['ldap+starttls', 'ldap+starttls']]},
		{name: 'domain', label: 'AD domain', kind: 'text', types: ['ad'], req: ['ad'], hint: 'e.g. corp.example.com'},
		{name: 'base_dn', label: 'Base DN', kind: 'text', types: LDAP, req: ['ldap'], hint: 'ou=People,dc=example,dc=com'},
		{name: 'user_attr', label: 'User name attribute', kind: 'text', types: LDAP, req: ['ldap'], hint: 'uid, sAMAccountName'},
		{name: 'bind_dn', label: 'Bind DN', kind: 'text', types: LDAP},
		{name: 'password', label: 'Bind password', kind: 'password', types: LDAP, hint: 'stored apart from domains.cfg'},
		/* new realms verify (the API writes verify 1); a file without the key means off */
		{name: 'verify', label: 'Verify the server certificate', kind: 'bool', def: 1, editDef: 0, types: LDAP},
		{name: 'capath', label: 'CA path', kind: 'text', types: LDAP, hint: 'CA directory or file'},
		{name: 'filter', label: 'User filter (sync)', kind: 'text', types: LDAP, span: 2},
		{name: 'sync_attributes', label: 'Sync attributes', kind: 'text', types: LDAP, hint: 'email=mail,firstname=givenName'},
		{name: 'user_classes', label: 'User classes', kind: 'text', types: LDAP, hint: 'inetorgperson, posixaccount, person, user'},
		{name: 'group_dn', label: 'Group base DN', kind: 'text', types: LDAP},
		{name: 'group_name_attr', label: 'Group name attribute', kind: 'text', types: LDAP},
		{name: 'group_filter', label: 'Group filter (sync)', kind: 'text', types: LDAP},
		{name: 'group_classes', label: 'Group classes', kind: 'text', types: LDAP, hint: 'groupOfNames, group, univentionGroup, ipausergroup'},
		{name: 'case-sensitive', label: 'User names are case-sensitive', kind: 'bool', def: 1, types: LDAP},
		{name: 'servers', label: 'More fallback servers', kind: 'text', types: LDAP, hint: 'tried in order after the two above'},
		{name: 'connect-timeout', label: 'Connect timeout per server (s)', kind: 'number', types: LDAP, hint: 'default 2', min: 1, max: 60},
		{name: 'timeout', label: 'Timeout per request (s)', kind: 'number', types: EXT, hint: 'default 10', min: 1, max: 600},
		{name: 'nested-groups', label: 'Sync nested group membership', kind: 'bool', def: 0, types: LDAP},
		{name: 'login-groups', label: 'Refresh group memberships at login', kind: 'bool', def: 0, types: LDAP},
		{name: 'sync-max-remove', label: 'A sync may remove at most (% of users)', kind: 'number', types: LDAP, hint: 'default 20', min: 0, max: 100},
		{name: 'group-name-map', label: 'Group name map', kind: 'text', types: LDAP, span: 2,
			hint: 'Domain Ops Team=domops;ops+dev=opsdev'},

		{name: 'issuer-url', label: 'Issuer URL', kind: 'text', types: ['openid'], req: ['openid'], hint: 'https://sso.example.com/realms/main'},
		{name: 'client-id', label: 'Client id', kind: 'text', types: ['openid'], req: ['openid']},
		{name: 'client-key', label: 'Client secret', kind: 'password', types: ['openid']},
		{name: 'username-claim', label: 'User name claim', kind: 'text', types: ['openid'], createOnly: true,
			hint: 'default: sub; cannot change later', list: 'claim-list'},
		{name: 'scopes', label: 'Scopes', kind: 'text', types: ['openid'], hint: 'default: email profile'},
		{name: 'prompt', label: 'Prompt', kind: 'text', types: ['openid'], hint: 'none, login, consent, select_account', list: 'prompt-list'},
		{name: 'acr-values', label: 'ACR values', kind: 'text', types: ['openid']},
		{name: 'audiences', label: 'Extra audiences', kind: 'text', types: ['openid']},
		{name: 'groups-claim', label: 'Groups claim', kind: 'text', types: ['openid']},
		{name: 'autocreate', label: 'Create unknown users at login', kind: 'bool', def: 0, types: ['openid']},
		{name: 'query-userinfo', label: 'Query the userinfo endpoint', kind: 'bool', def: 1, types: ['openid']},
		{name: 'groups-autocreate', label: 'Create missing groups', kind: 'bool', def: 0, types: ['openid']},
		{name: 'groups-overwrite', label: 'Replace group memberships at login', kind: 'bool', def: 0, types: ['openid']},

		{name: 'comment', label: 'Comment', kind: 'text', types: ALL, span: 2, hint: 'shown on the login page'},
		{name: 'default', label: 'Default realm on the login page', kind: 'bool', def: 0, types: ALL},
		{name: 'disable', label: 'Disabled (nobody can log in through it)', kind: 'bool', def: 0, types: EXT}
	];

	var editing = null;	/* {realm, type, values} or null */

	function form() { return RG.$('#realm-form'); }

	function buildFields() {
		var box = RG.clear(RG.$('#realm-fields'));
		box.appendChild(h('datalist', {id: 'claim-list'},
		    ['sub', 'username', 'email', 'preferred_username'].map(function (v) { return h('option', {value: v}); })));
		box.appendChild(h('datalist', {id: 'prompt-list'},
		    ['none', 'login', 'consent', 'select_account'].map(function (v) { return h('option', {value: v}); })));
		FIELDS.forEach(function (fd) {
			var id = 'realm-f-' + fd.name;
			var input, wrap;
			if (fd.kind === 'bool') {
				wrap = h('div', {class: 'field check', 'data-field': fd.name},
				    h('input', {type: 'checkbox', id: id, name: fd.name}),
				    h('label', {for: id}, fd.label));
			} else {
				if (fd.kind === 'select')
					input = h('select', {id: id, name: fd.name},
					    fd.options.map(function (o) { return h('option', {value: o[0]}, o[1]); }));
				else
					input = h('input', {id: id, name: fd.name,
					    type: fd.kind === 'number' ? 'number' : fd.kind === 'password' ? 'password' : 'text',
					    min: fd.min, max: fd.max, list: fd.list,
					    autocomplete: fd.kind === 'password' ? 'new-password' : 'off'});
				wrap = h('div', {class: 'field' + (fd.span === 2 ? ' span2' : ''), 'data-field': fd.name},
				    h('label', {for: id}, fd.label, h('span', {class: 'req'}, ' *'),
					fd.hint ? h('span', {class: 'hint'}, ' (' + fd.hint + ')') : null),
				    input);
			}
			box.appendChild(wrap);
		});
	}


	/* Show the fields of the type; mark the required ones. */
	function typeChanged() {
		var type = form().elements.type.value;
		FIELDS.forEach(function (fd) {
			var wrap = RG.$('[data-field="' + fd.name + '"]', form());
			var on = fd.types.indexOf(type) >= 0 && !(fd.createOnly && editing);
			var req = !!(fd.req && fd.req.indexOf(type) >= 0);
			var input = form().elements[fd.name];
			wrap.hidden = !on;
			input.disabled = !on;
			if (fd.kind !== 'bool') {
				input.required = on && req;
				RG.$('.req', wrap).hidden = !req;
			}
		});
		var pw = form().elements.password;
		pw.placeholder = editing ? '(unchanged)' : '';
		form().elements['client-key'].placeholder = editing ? '(unchanged)' : '';
	}

	function loadRealms() {
		var tbody = RG.$('#realms-table tbody');
		RG.status('#realms-status', 'Loading…');
		return RG.api('GET', '/access/domains').then(function (list) {
			list = (list || []).slice().sort(function (a, b) { return a.realm < b.realm ? -1 : 1; });
			RG.clear(tbody);
			RG.status('#realms-status', '');
			list.forEach(function (r) {
				var builtin = r.realm === 'pam' || r.realm === 'pve';
				tbody.appendChild(h('tr', {'data-realm': r.realm},
				    h('td', {class: 'mono'}, r.realm),
				    h('td', null, r.type),
				    h('td', null, Number(r['default']) === 1 ? h('span', {class: 'tag yes'}, 'default') : ''),
				    h('td', null, r.comment || ''),
				    h('td', {class: 'row-actions'},
					h('button', {type: 'button', class: 'small', onclick: function () { editRealm(r.realm); }}, 'Edit'),
					LDAP.indexOf(r.type) >= 0 ? h('button', {type: 'button', class: 'small',
					    onclick: function () { openSync(r.realm); }}, 'Sync…') : null,
					builtin ? null : h('button', {type: 'button', class: 'small danger',
					    onclick: function () { deleteRealm(r.realm); }}, 'Delete'))));
			});
		}, function (err) {
			RG.status('#realms-status', 'Cannot load realms: ' + err.message, 'error');
		});
	}

	function resetRealmForm() {
		var f = form();
		editing = null;
		f.reset();
		RG.clearErrors(f);
		f.elements.realm.readOnly = false;
		f.elements.type.disabled = false;
		f.elements.digest.value = '';
		FIELDS.forEach(function (fd) {
			if (fd.kind === 'bool')
				f.elements[fd.name].checked = fd.def === 1;
		});
		RG.show('#realm-cancel', false);
		RG.$('#realm-form-title').textContent = 'Add realm';
		RG.$('#realm-submit .label').textContent = 'Add realm';
		typeChanged();
	}

	function editRealm(realm) {
		RG.api('GET', '/access/domains/' + RG.seg(realm)).then(function (cfg) {
			var f = form();
			resetRealmForm();
			editing = {realm: realm, type: cfg.type, values: cfg};
			f.elements.realm.value = realm;
			f.elements.realm.readOnly = true;
			f.elements.type.value = cfg.type;
			f.elements.type.disabled = true;
			f.elements.digest.value = cfg.digest || '';
			FIELDS.forEach(function (fd) {
				var el = f.elements[fd.name];
				var v = cfg[fd.name];
				var unset = fd.editDef !== undefined ? fd.editDef : fd.def;
				if (fd.kind === 'bool')
					el.checked = v === undefined || v === null || v === '' ? unset === 1 : Number(v) === 1;
				else if (fd.kind !== 'password')
					el.value = v === undefined || v === null ? '' : String(v);
			});
			RG.show('#realm-cancel', true);
			RG.$('#realm-form-title').textContent = 'Edit realm ' + realm + ' (' + cfg.type + ')';
			RG.$('#realm-submit .label').textContent = 'Save';
			typeChanged();
			f.scrollIntoView({behavior: 'smooth', block: 'start'});
		}, function (err) {
			RG.status('#realms-status', 'Cannot read realm ' + realm + ': ' + err.message, 'error');
		});
	}

	/* The parameters of the form: create sends what is set, update what changed. */
	function collect() {
		var f = form();
		var type = f.elements.type.value;
		var p = {}, del = [];
		FIELDS.forEach(function (fd) {
			var el = f.elements[fd.name];
			var old = editing ? editing.values[fd.name] : undefined;
			var had = old !== undefined && old !== null && old !== '';
			var v;
			if (fd.types.indexOf(type) < 0 || (fd.createOnly && editing))
				return;
			if (fd.kind === 'bool') {
				v = el.checked ? 1 : 0;
				if (v !== (had ? Number(old) : editing && fd.editDef !== undefined ? fd.editDef : fd.def))
					p[fd.name] = v;
				return;
			}
			v = el.value.trim();
			if (fd.kind === 'password') {
				if (v)
					p[fd.name] = v;
				return;
			}
			if (v && (!editing || v !== String(old)))
				p[fd.name] = v;
			else if (!v && had)
				del.push(fd.name);
		});
		if (del.length)
			p['delete'] = del.join(',');
		return p;
	}

	function submitRealm(ev) {
		var f = form();
		var realm = f.elements.realm.value.trim();
		var p = collect();
		var call, msg;

		ev.preventDefault();
		RG.clearErrors(f);
		if (editing) {
			if (!Object.keys(p).length) {
				RG.showErrors(f, {message: 'Nothing changed.'});
				return;
			}
			if (f.elements.digest.value)
				p.digest = f.elements.digest.value;
			call = RG.api('PUT', '/access/domains/' + RG.seg(realm), p);
			msg = 'Realm ' + realm + ' saved.';
		} else {
			var missing = {};
			if (!realm)
				missing.realm = 'required';
			RG.$$('#realm-fields [required]', f).forEach(function (el) {
				if (!el.value.trim())
					missing[el.name] = 'required for this type';
			});
			if (Object.keys(missing).length) {
				RG.showErrors(f, {message: 'Fill in the required fields.', errors: missing});
				return;
			}
			p.realm = realm;
			p.type = f.elements.type.value;
			call = RG.api('POST', '/access/domains', p);
			msg = 'Realm ' + realm + ' added.';
		}
		RG.busy(RG.$('#realm-submit'), call).then(function () {
			resetRealmForm();
			return loadRealms().then(function () { RG.status('#realms-status', msg, 'ok'); });
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	function deleteRealm(realm) {
		RG.confirm('Delete realm ' + realm + '? Its users are kept but cannot log in through it.')
		    .then(function (yes) {
			if (!yes)
				return;
			RG.api('DELETE', '/access/domains/' + RG.seg(realm)).then(function () {
				if (editing && editing.realm === realm)
					resetRealmForm();
				return loadRealms().then(function () {
					RG.status('#realms-status', 'Realm ' + realm + ' deleted.', 'ok');
				});
			}, function (err) {
				RG.status('#realms-status', 'Cannot delete ' + realm + ': ' + err.message, 'error');
			});
		});
	}

	/* --- sync: the options of POST /access/domains/{realm}/sync --- */

	function syncForm() { return RG.$('#sync-form'); }

	function openSync(realm) {
		var f = syncForm();
		f.hidden = false;
		f.elements.realm.value = realm;
		RG.$('#sync-title').textContent = 'Sync realm ' + realm;
		RG.clear(RG.$('#sync-log'));
		RG.clearErrors(f);
		f.scrollIntoView({behavior: 'smooth', block: 'start'});
	}

	/* Run the sync (dry or not) and show its task log. */
	function runSync(dry) {
		var f = syncForm();
		var realm = f.elements.realm.value;
		var rv = ['acl', 'entry', 'properties'].filter(function (k) {
			return f.elements['rv-' + k].checked;
		});
		var p = {scope: f.elements.scope.value,
			'enable-new': f.elements['enable-new'].checked ? 1 : 0,
			'remove-vanished': rv.length ? rv.join(';') : 'none',
			'dry-run': dry ? 1 : 0};
		var out = RG.clear(RG.$('#sync-log'));
		if (f.elements['override-guard'].checked)
			p['override-guard'] = 1;
		RG.clearErrors(f);
		var call = RG.api('POST', '/access/domains/' + RG.seg(realm) + '/sync', p).then(function (upid) {
			var node = String(upid).split(':')[1];
			return RG.api('GET', '/nodes/' + RG.seg(node) + '/tasks/' + RG.seg(upid) + '/log', {limit: 0});
		});
		RG.busy(RG.$(dry ? '#sync-preview' : '#sync-run'), call).then(function (lines) {
			out.textContent = (lines || []).map(function (l) { return l.t; }).join('\n');
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	RG.views.realms = {load: function () { resetRealmForm(); loadRealms(); }};

	document.addEventListener('DOMContentLoaded', function () {
		buildFields();
		form().elements.type.addEventListener('change', typeChanged);
		form().addEventListener('submit', submitRealm);
		RG.$('#realm-cancel').addEventListener('click', resetRealmForm);
		RG.$('#sync-preview').addEventListener('click', function () { runSync(true); });
		RG.$('#sync-run').addEventListener('click', function () { runSync(false); });
		RG.$('#sync-close').addEventListener('click', function () { syncForm().hidden = true; });
	});
})();
