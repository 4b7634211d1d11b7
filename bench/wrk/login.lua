-- bench/wrk/login.lua: POST /api2/json/access/ticket, form-encoded.
--
-- Why: the login-rate target of `realmgate serve` (bench/serve-bench.sh)
-- needs a steady stream of password logins; wrk only does GETs without a
-- script.  The user, realm and password come from the environment
-- (RG_USER without the realm, RG_REALM, RG_PASS), so the same script does
-- the failing logins of the soak with a wrong RG_PASS (wrk's own summary
-- counts the answers that are not 2xx: "Non-2xx or 3xx responses").

local function enc(s)
	return (s:gsub("[^%w%-%._~]", function(c)
		return string.format("%%%02X", string.byte(c))
	end))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "username=" .. enc(os.getenv("RG_USER") or "") ..
    "&realm=" .. enc(os.getenv("RG_REALM") or "pve") ..
    "&password=" .. enc(os.getenv("RG_PASS") or "")
