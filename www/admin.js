/*
 * realmgate web page: groups, roles and ACL views.
 */
'use strict';

(function () {
	var RG = window.RG;
	var h = RG.h;

	function byKey(k) {
		return function (a, b) { return a[k] < b[k] ? -1 : a[k] > b[k] ? 1 : 0; };
	}

	/* ---- groups --------------------------------------------------------- */

	var groups = [];
	var editingGroup = null;

	function groupForm() { return RG.$('#group-form'); }

	function renderGroups() {
		var tbody = RG.clear(RG.$('#groups-table tbody'));
		groups.forEach(function (g) {
			tbody.appendChild(h('tr', {'data-groupid': g.groupid},
			    h('td', {class: 'mono'}, g.groupid),
			    h('td', null, RG.splitList(g.users).join(', ')),
			    h('td', null, g.comment || ''),
			    h('td', {class: 'row-actions'},
				h('button', {type: 'button', class: 'small', onclick: function () { editGroup(g); }}, 'Edit'),
				h('button', {type: 'button', class: 'small danger', onclick: function () { deleteGroup(g.groupid); }}, 'Delete'))));
		});
		if (!groups.length)
			tbody.appendChild(h('tr', null, h('td', {colspan: 4, class: 'muted'}, 'No groups.')));
	}

	/* Checkbox per user; checked = member of the group being edited. */
	function renderMemberList(members) {
		var box = RG.clear(RG.$('#group-members'));
		RG.data.users.forEach(function (u, i) {
			var id = 'group-member-' + i;
			box.appendChild(h('div', {class: 'check'},
			    h('input', {type: 'checkbox', id: id, name: 'members', value: u.userid,
				checked: members.indexOf(u.userid) >= 0}),
			    h('label', {for: id}, u.userid)));
		});
		if (!RG.data.users.length)
			box.appendChild(h('span', {class: 'hint'}, 'No users visible.'));
	}

	function loadGroups() {
		RG.status('#groups-status', 'Loading…');
		return Promise.all([RG.api('GET', '/access/groups'), RG.data.refresh()]).then(function (r) {
			groups = (r[0] || []).slice().sort(byKey('groupid'));
			RG.status('#groups-status', '');
			renderGroups();
			if (!editingGroup)
				renderMemberList([]);
		}, function (err) {
			RG.status('#groups-status', 'Cannot load groups: ' + err.message, 'error');
		});
	}

	function resetGroupForm() {
		var f = groupForm();
		editingGroup = null;
		f.reset();
		RG.clearErrors(f);
		f.elements.groupid.readOnly = false;
		RG.show('#group-cancel', false);
		RG.$('#group-form-title').textContent = 'Add group';
		RG.$('#group-submit .label').textContent = 'Add group';
		renderMemberList([]);
	}

	function editGroup(g) {
		var f = groupForm();
		resetGroupForm();
		editingGroup = g;
		f.elements.groupid.value = g.groupid;
		f.elements.groupid.readOnly = true;
		f.elements.comment.value = g.comment || '';
		RG.show('#group-cancel', true);
		RG.$('#group-form-title').textContent = 'Edit group ' + g.groupid;
		RG.$('#group-submit .label').textContent = 'Save';
		renderMemberList(RG.splitList(g.users));
		f.scrollIntoView({behavior: 'smooth', block: 'start'});
	}

	/*
	 * Membership goes through the users API: add with append=1, remove by
	 * writing the user's group list without this group.
	 */
	function applyMembers(groupid, before, after) {
		var calls = [];
		after.forEach(function (u) {
			if (before.indexOf(u) < 0)
				calls.push(RG.api('PUT', '/access/users/' + RG.seg(u), {groups: groupid, append: 1})
				    .catch(function (e) { throw new RG.ApiError(e.status, 'adding ' + u + ': ' + e.message); }));
		});
		before.forEach(function (u) {
			var user;
			if (after.indexOf(u) >= 0)
				return;
			user = RG.data.users.find(function (x) { return x.userid === u; });
			var rest = RG.splitList(user && user.groups).filter(function (g) { return g !== groupid; });
			calls.push(RG.api('PUT', '/access/users/' + RG.seg(u), {groups: rest.join(',')})
			    .catch(function (e) { throw new RG.ApiError(e.status, 'removing ' + u + ': ' + e.message); }));
		});
		return Promise.all(calls);
	}

	function submitGroup(ev) {
		var f = groupForm();
		var groupid = f.elements.groupid.value.trim();
		var comment = f.elements.comment.value.trim();
		var members = RG.$$('input[name=members]:checked', f).map(function (c) { return c.value; });
		var before = editingGroup ? RG.splitList(editingGroup.users) : [];
		var call;

		ev.preventDefault();
		RG.clearErrors(f);
		if (!groupid) {
			RG.showErrors(f, {message: 'Enter a group id.', errors: {groupid: 'required'}});
			return;
		}
		if (editingGroup)
			call = RG.api('PUT', '/access/groups/' + RG.seg(groupid), {comment: comment});
		else
			call = RG.api('POST', '/access/groups', comment ? {groupid: groupid, comment: comment} : {groupid: groupid});
		call = call.then(function () { return applyMembers(groupid, before, members); });
		RG.busy(RG.$('#group-submit'), call).then(function () {
			var msg = 'Group ' + groupid + (editingGroup ? ' saved.' : ' added.');
			resetGroupForm();
			return loadGroups().then(function () { RG.status('#groups-status', msg, 'ok'); });
		}, function (err) {
			RG.showErrors(f, err);
			loadGroups();
		});
	}

	function deleteGroup(groupid) {
		RG.confirm('Delete group ' + groupid + '? Its ACL entries are removed too; the users stay.')
		    .then(function (yes) {
			if (!yes)
				return;
			RG.api('DELETE', '/access/groups/' + RG.seg(groupid)).then(function () {
				if (editingGroup && editingGroup.groupid === groupid)
					resetGroupForm();
				return loadGroups().then(function () {
					RG.status('#groups-status', 'Group ' + groupid + ' deleted.', 'ok');
				});
			}, function (err) {
				RG.status('#groups-status', 'Cannot delete ' + groupid + ': ' + err.message, 'error');
			});
		});
	}

	RG.views.groups = {load: function () { resetGroupForm(); loadGroups(); }};

	/* ---- roles ---------------------------------------------------------- */

	var roles = [];
	var editingRole = null;

	function roleForm() { return RG.$('#role-form'); }

	function buildPrivCheckboxes() {
		var box = RG.clear(RG.$('#role-privs'));
		RG.PRIVILEGE_GROUPS.forEach(function (g) {
			box.appendChild(h('div', {class: 'priv-group'},
			    h('div', {class: 'priv-group-title'}, g[0]),
			    g[1].map(function (p) {
				var id = 'priv-' + p.replace(/\./g, '-');
				return h('div', {class: 'check'},
				    h('input', {type: 'checkbox', id: id, name: 'privs', value: p}),
				    h('label', {for: id}, p));
			    })));
		});
	}

	function renderRoles() {
		var tbody = RG.clear(RG.$('#roles-table tbody'));
		roles.forEach(function (r) {
			var privs = RG.splitList(r.privs);
			var special = Number(r.special) === 1;
			tbody.appendChild(h('tr', {'data-roleid': r.roleid},
			    h('td', null, h('span', {class: 'mono'}, r.roleid),
				special ? h('span', {class: 'tag'}, 'built-in') : null),
			    h('td', {class: 'privs'}, privs.length === RG.PRIVILEGES.length ?
				h('span', null, 'all ' + privs.length + ' privileges') :
				privs.length ? privs.map(function (p) { return h('span', {class: 'chip'}, p); }) :
				h('span', {class: 'muted'}, special ? 'none (NoAccess)' : 'none')),
			    h('td', {class: 'row-actions'}, special ? h('span', {class: 'muted'}, 'read-only') : [
				h('button', {type: 'button', class: 'small', onclick: function () { editRole(r); }}, 'Edit'),
				h('button', {type: 'button', class: 'small danger', onclick: function () { deleteRole(r.roleid); }}, 'Delete')])));
		});
	}

	function loadRoles() {
		RG.status('#roles-status', 'Loading…');
		return RG.api('GET', '/access/roles').then(function (list) {
			/* custom roles first, then the built-in ones */
			roles = (list || []).slice().sort(function (a, b) {
				var sa = Number(a.special) || 0, sb = Number(b.special) || 0;
				return sa - sb || (a.roleid < b.roleid ? -1 : 1);
			});
			RG.status('#roles-status', '');
			renderRoles();
		}, function (err) {
			RG.status('#roles-status', 'Cannot load roles: ' + err.message, 'error');
		});
	}

	function resetRoleForm() {
		var f = roleForm();
		editingRole = null;
		f.reset();
		RG.clearErrors(f);
		f.elements.roleid.readOnly = false;
		RG.show('#role-cancel', false);
		RG.$('#role-form-title').textContent = 'Add role';
		RG.$('#role-submit .label').textContent = 'Add role';
	}

	function editRole(r) {
		var f = roleForm();
		var privs = RG.splitList(r.privs);
		resetRoleForm();
		editingRole = r.roleid;
		f.elements.roleid.value = r.roleid;
		f.elements.roleid.readOnly = true;
		RG.$$('input[name=privs]', f).forEach(function (c) { c.checked = privs.indexOf(c.value) >= 0; });
		RG.show('#role-cancel', true);
		RG.$('#role-form-title').textContent = 'Edit role ' + r.roleid;
		RG.$('#role-submit .label').textContent = 'Save';
		f.scrollIntoView({behavior: 'smooth', block: 'start'});
	}

	function submitRole(ev) {
		var f = roleForm();
		var roleid = f.elements.roleid.value.trim();
		var privs = RG.$$('input[name=privs]:checked', f).map(function (c) { return c.value; });
		var p = privs.length ? {privs: privs.join(',')} : {};
		var call;

		ev.preventDefault();
		RG.clearErrors(f);
		if (!roleid) {
			RG.showErrors(f, {message: 'Enter a role id.', errors: {roleid: 'required'}});
			return;
		}
		if (editingRole) {
			call = RG.api('PUT', '/access/roles/' + RG.seg(roleid), p);
		} else {
			p.roleid = roleid;
			call = RG.api('POST', '/access/roles', p);
		}
		RG.busy(RG.$('#role-submit'), call).then(function () {
			var msg = 'Role ' + roleid + (editingRole ? ' saved.' : ' added.');
			resetRoleForm();
			RG.data.refresh();
			return loadRoles().then(function () { RG.status('#roles-status', msg, 'ok'); });
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	function deleteRole(roleid) {
		RG.confirm('Delete role ' + roleid + '? ACL entries that use it stop granting anything.')
		    .then(function (yes) {
			if (!yes)
				return;
			RG.api('DELETE', '/access/roles/' + RG.seg(roleid)).then(function () {
				if (editingRole === roleid)
					resetRoleForm();
				return loadRoles().then(function () {
					RG.status('#roles-status', 'Role ' + roleid + ' deleted.', 'ok');
				});
			}, function (err) {
				RG.status('#roles-status', 'Cannot delete ' + roleid + ': ' + err.message, 'error');
			});
		});
	}

	RG.views.roles = {load: function () { resetRoleForm(); loadRoles(); }};

	/* ---- ACL ------------------------------------------------------------ */

	var KIND_PARAM = {user: 'users', group: 'groups', token: 'tokens'};

	function loadAcl() {
		var tbody = RG.$('#acl-table tbody');
		RG.status('#acl-status', 'Loading…');
		return RG.api('GET', '/access/acl').then(function (list) {
			list = (list || []).slice().sort(function (a, b) {
				var ka = [a.path, a.type, a.ugid, a.roleid].join('\u0000');
				var kb = [b.path, b.type, b.ugid, b.roleid].join('\u0000');
				return ka < kb ? -1 : ka > kb ? 1 : 0;
			});
			RG.clear(tbody);
			RG.status('#acl-status', '');
			list.forEach(function (a) {
				var prop = Number(a.propagate) === 1;
				tbody.appendChild(h('tr', null,
				    h('td', {class: 'mono'}, a.path),
				    h('td', null, a.type),
				    h('td', {class: 'mono'}, a.type === 'group' ? '@' + a.ugid : a.ugid),
				    h('td', null, a.roleid),
				    h('td', null, h('span', {class: 'tag' + (prop ? ' prop' : '')}, prop ? 'yes' : 'no')),
				    h('td', {class: 'row-actions'},
					h('button', {type: 'button', class: 'small danger', onclick: function () { removeAcl(a); }}, 'Remove'))));
			});
			if (!list.length)
				tbody.appendChild(h('tr', null, h('td', {colspan: 6, class: 'muted'}, 'No ACL entries.')));
		}, function (err) {
			RG.clear(tbody);
			RG.status('#acl-status', 'Cannot load ACL: ' + err.message, 'error');
		});
	}

	function removeAcl(a) {
		var who = (a.type === 'group' ? 'group ' : a.type + ' ') + a.ugid;
		RG.confirm('Remove role ' + a.roleid + ' of ' + who + ' on ' + a.path + '?', 'Remove')
		    .then(function (yes) {
			var p = {path: a.path, roles: a.roleid, 'delete': 1};
			if (!yes)
				return;
			p[KIND_PARAM[a.type] || 'users'] = a.ugid;
			RG.api('PUT', '/access/acl', p).then(function () {
				return loadAcl().then(function () { RG.status('#acl-status', 'Removed.', 'ok'); });
			}, function (err) {
				RG.status('#acl-status', 'Cannot remove: ' + err.message, 'error');
			});
		});
	}

	function submitAcl(ev) {
		var f = RG.$('#acl-form');
		var e = f.elements;
		var p = {
			path: e.path.value.trim(),
			roles: RG.splitList(e.roles.value).join(','),
			propagate: e.propagate.checked ? 1 : 0
		};
		var missing = {};

		ev.preventDefault();
		RG.clearErrors(f);
		['users', 'groups', 'tokens'].forEach(function (k) {
			var v = RG.splitList(e[k].value).map(function (x) {
				return k === 'groups' ? x.replace(/^@/, '') : x;
			}).join(',');
			if (v)
				p[k] = v;
		});
		if (!p.path)
			missing.path = 'required';
		if (!p.roles)
			missing.roles = 'required';
		if (!p.users && !p.groups && !p.tokens)
			missing.groups = 'give at least one group, user or token';
		if (Object.keys(missing).length) {
			RG.showErrors(f, {message: 'Incomplete.', errors: missing});
			return;
		}
		RG.busy(RG.$('#acl-submit'), RG.api('PUT', '/access/acl', p)).then(function () {
			f.reset();
			return loadAcl().then(function () { RG.status('#acl-status', 'Permission added.', 'ok'); });
		}, function (err) {
			RG.showErrors(f, err);
		});
	}

	RG.views.acl = {
		load: function () {
			RG.$('#acl-form').reset();
			RG.clearErrors(RG.$('#acl-form'));
			RG.data.refresh();
			loadAcl();
		}
	};

	document.addEventListener('DOMContentLoaded', function () {
		buildPrivCheckboxes();
		groupForm().addEventListener('submit', submitGroup);
		RG.$('#group-cancel').addEventListener('click', resetGroupForm);
		roleForm().addEventListener('submit', submitRole);
		RG.$('#role-cancel').addEventListener('click', resetRoleForm);
		RG.$('#acl-form').addEventListener('submit', submitAcl);
	});
})();
